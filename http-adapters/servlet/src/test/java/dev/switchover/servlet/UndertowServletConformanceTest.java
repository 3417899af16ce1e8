package dev.switchover.servlet;

import dev.switchover.testkit.AdapterConformanceSuite;
import dev.switchover.testkit.RouterServer;
import dev.switchover.testkit.RouterServerSpec;

/** The whole adapter conformance suite against {@link SwitchoverFilter} in Undertow's servlet container. */
final class UndertowServletConformanceTest extends AdapterConformanceSuite {
  @Override
  protected RouterServer startRouterServer(RouterServerSpec spec) throws Exception {
    return UndertowServletRouterServer.start(spec);
  }
}
