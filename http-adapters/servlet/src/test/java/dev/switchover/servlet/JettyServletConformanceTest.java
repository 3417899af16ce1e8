package dev.switchover.servlet;

import java.util.HashMap;
import java.util.Map;

/**
 * The conformance suite in Jetty's servlet container (ee10), its connector held to strict framing
 * by the Jetty adapter's {@code StrictFraming}, as the servlet filter's documentation asks.
 */
final class JettyServletConformanceTest extends ServletConformanceSuite {
  JettyServletConformanceTest() {
    super(JettyServletRouterServer::start);
  }

  @Override
  protected Map<String, String> knownDefects() {
    Map<String, String> defects = new HashMap<>(WEBSOCKET_LIMITS);
    defects.put(
        "clientDisconnecting_midAnswer/UPSTREAM",
        "Jetty's proxy servlet, in Jetty's own container, does not end a proxied request whose client"
            + " reset the connection while a long answer was written: it stays in flight (and a drain"
            + " waits) past the upstream timeout");
    return Map.copyOf(defects);
  }
}
