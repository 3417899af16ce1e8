package dev.switchover.servlet;

import dev.switchover.testkit.AdapterConformanceSuite;
import dev.switchover.testkit.RouterServer;
import dev.switchover.testkit.RouterServerSpec;

/** The whole adapter conformance suite against {@link SwitchoverFilter} in one servlet container. */
abstract class ServletConformanceSuite extends AdapterConformanceSuite {
  /** Starts a container on a free loopback port with a deployment. */
  interface Container {
    RouterServer start(ServletRouterServers.Deployment deployment) throws Exception;
  }

  private final Container container;

  ServletConformanceSuite(Container container) {
    this.container = container;
  }

  @Override
  protected final RouterServer startRouterServer(RouterServerSpec spec) throws Exception {
    return container.start(ServletRouterServers.deployment(spec));
  }
}
