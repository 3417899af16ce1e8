package dev.switchover.jetty;

import dev.switchover.testkit.Http2UpstreamSuite;
import dev.switchover.testkit.RouterServer;
import dev.switchover.testkit.RouterServerSpec;

/** Upstream workspaces reached over HTTP/2 through {@link SwitchoverHandler}'s proxy. */
final class JettyHttp2UpstreamTest extends Http2UpstreamSuite {
  @Override
  protected RouterServer startRouterServer(RouterServerSpec spec) throws Exception {
    return JettyRouterServer.start(spec);
  }
}
