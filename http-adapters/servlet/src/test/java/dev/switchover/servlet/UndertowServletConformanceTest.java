package dev.switchover.servlet;

/** The conformance suite in Undertow's servlet container. */
final class UndertowServletConformanceTest extends ServletConformanceSuite {
  UndertowServletConformanceTest() {
    super(UndertowServletRouterServer::start);
  }
}
