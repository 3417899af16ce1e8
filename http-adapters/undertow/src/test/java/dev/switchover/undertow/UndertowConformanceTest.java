package dev.switchover.undertow;

import dev.switchover.testkit.AdapterConformanceSuite;
import dev.switchover.testkit.RouterServer;
import dev.switchover.testkit.RouterServerSpec;

/** The whole adapter conformance suite against {@link SwitchoverHttpHandler} on a real Undertow. */
final class UndertowConformanceTest extends AdapterConformanceSuite {
  @Override
  protected RouterServer startRouterServer(RouterServerSpec spec) {
    return UndertowRouterServer.start(spec);
  }
}
