package dev.switchover.servlet;

import dev.switchover.testkit.Http2UpstreamSuite;
import dev.switchover.testkit.RouterServer;
import dev.switchover.testkit.RouterServerSpec;

/** Upstream workspaces reached over HTTP/2 through {@link SwitchoverFilter} in Undertow's servlet container. */
final class UndertowServletHttp2UpstreamTest extends Http2UpstreamSuite {
  @Override
  protected RouterServer startRouterServer(RouterServerSpec spec) throws Exception {
    return UndertowServletRouterServer.start(ServletRouterServers.deployment(spec));
  }
}
