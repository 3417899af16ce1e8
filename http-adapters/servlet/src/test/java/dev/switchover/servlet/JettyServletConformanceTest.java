package dev.switchover.servlet;

import dev.switchover.testkit.AdapterConformanceSuite;
import dev.switchover.testkit.RouterServer;
import dev.switchover.testkit.RouterServerSpec;

/** The whole adapter conformance suite against {@link SwitchoverFilter} in Jetty's servlet container. */
final class JettyServletConformanceTest extends AdapterConformanceSuite {
  @Override
  protected RouterServer startRouterServer(RouterServerSpec spec) throws Exception {
    return JettyServletRouterServer.start(spec);
  }
}
