package dev.switchover.servlet;

import dev.switchover.servlet.UpstreamForwarder.AsyncSend;
import org.junit.jupiter.api.Nested;

/** The conformance suite in Jetty's servlet container, once for each {@link AsyncSend}. */
final class JettyServletConformanceTest {
  @Nested
  final class SendAsync extends ServletConformanceSuite {
    SendAsync() {
      super(JettyServletRouterServer::start, AsyncSend.SEND_ASYNC);
    }
  }

  @Nested
  final class WaitingThread extends ServletConformanceSuite {
    WaitingThread() {
      super(JettyServletRouterServer::start, AsyncSend.WAITING_THREAD);
    }
  }
}
