package dev.switchover.servlet;

import dev.switchover.servlet.UpstreamForwarder.AsyncSend;
import org.junit.jupiter.api.Nested;

/** The conformance suite in Undertow's servlet container, once for each {@link AsyncSend}. */
final class UndertowServletConformanceTest {
  @Nested
  final class SendAsync extends ServletConformanceSuite {
    SendAsync() {
      super(UndertowServletRouterServer::start, AsyncSend.SEND_ASYNC);
    }
  }

  @Nested
  final class WaitingThread extends ServletConformanceSuite {
    WaitingThread() {
      super(UndertowServletRouterServer::start, AsyncSend.WAITING_THREAD);
    }
  }
}
