package dev.switchover.servlet;

/** The conformance suite in Jetty's servlet container (ee10). */
final class JettyServletConformanceTest extends ServletConformanceSuite {
  JettyServletConformanceTest() {
    super(JettyServletRouterServer::start);
  }
}
