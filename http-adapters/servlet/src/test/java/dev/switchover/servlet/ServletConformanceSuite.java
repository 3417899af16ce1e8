package dev.switchover.servlet;

import dev.switchover.testkit.AdapterConformanceSuite;
import dev.switchover.testkit.RouterServer;
import dev.switchover.testkit.RouterServerSpec;
import java.util.Map;

/** The whole adapter conformance suite against {@link SwitchoverFilter} in one servlet container. */
abstract class ServletConformanceSuite extends AdapterConformanceSuite {
  /** Starts a container on a free loopback port with a deployment. */
  interface Container {
    RouterServer start(ServletRouterServers.Deployment deployment) throws Exception;
  }

  /**
   * What the filter does not do with long-lived connections, in every container (its
   * documentation says so): an upgrade for an upstream is answered 501.
   */
  static final Map<String, String> WEBSOCKET_LIMITS =
      Map.of(
          "webSocket/UPSTREAM",
          "answered 501 Not Implemented: Jetty's proxy servlet relays HTTP exchanges only");

  private final Container container;

  ServletConformanceSuite(Container container) {
    this.container = container;
  }

  @Override
  protected Map<String, String> knownDefects() {
    return WEBSOCKET_LIMITS;
  }

  @Override
  protected final RouterServer startRouterServer(RouterServerSpec spec) throws Exception {
    return container.start(ServletRouterServers.deployment(spec));
  }
}
