package dev.switchover.servlet;

/**
 * The conformance suite in Jetty's servlet container (ee10), its connector held to strict framing
 * by the Jetty adapter's {@code StrictFraming}, as the servlet filter's documentation asks.
 */
final class JettyServletConformanceTest extends ServletConformanceSuite {
  JettyServletConformanceTest() {
    super(JettyServletRouterServer::start);
  }
}
