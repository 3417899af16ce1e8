package dev.switchover.servlet;

/** The conformance suite in Undertow's servlet container. */
final class UndertowServletConformanceTest extends ServletConformanceSuite {
  UndertowServletConformanceTest() {
    super(UndertowServletRouterServer::start);
  }

  /** Undertow's servlet container fails to match a servlet path for these, before any filter. */
  @Override
  protected int statusOfRequestsWithoutAPath() {
    return 500;
  }
}
