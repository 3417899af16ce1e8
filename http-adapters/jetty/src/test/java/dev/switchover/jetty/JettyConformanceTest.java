package dev.switchover.jetty;

import dev.switchover.testkit.AdapterConformanceSuite;
import dev.switchover.testkit.RouterServer;
import dev.switchover.testkit.RouterServerSpec;

/** The whole adapter conformance suite against {@link SwitchoverHandler} on a real Jetty. */
final class JettyConformanceTest extends AdapterConformanceSuite {
  @Override
  protected RouterServer startRouterServer(RouterServerSpec spec) throws Exception {
    return JettyRouterServer.start(spec);
  }
}
