package dev.switchover.undertow;

import dev.switchover.testkit.AdapterConformanceSuite;
import dev.switchover.testkit.RouterServer;
import dev.switchover.testkit.RouterServerSpec;
import dev.switchover.testkit.ServerLeniencies;
import java.util.Map;

/** The whole adapter conformance suite against {@link SwitchoverHttpHandler} on a real Undertow. */
final class UndertowConformanceTest extends AdapterConformanceSuite {
  @Override
  protected RouterServer startRouterServer(RouterServerSpec spec) {
    return UndertowRouterServer.start(spec);
  }

  @Override
  protected Map<String, String> serverLeniencies() {
    return ServerLeniencies.UNDERTOW;
  }
}
