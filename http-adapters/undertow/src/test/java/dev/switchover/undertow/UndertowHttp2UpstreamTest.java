package dev.switchover.undertow;

import dev.switchover.testkit.Http2UpstreamSuite;
import dev.switchover.testkit.RouterServer;
import dev.switchover.testkit.RouterServerSpec;

/** Upstream workspaces reached over HTTP/2 through {@link SwitchoverHttpHandler}'s proxy. */
final class UndertowHttp2UpstreamTest extends Http2UpstreamSuite {
  @Override
  protected RouterServer startRouterServer(RouterServerSpec spec) throws Exception {
    return UndertowRouterServer.start(spec);
  }

  /** Undertow's HTTP/2 client makes the request's {@code Host} its {@code :authority}. */
  @Override
  protected boolean sendsTheClientsHostAsAuthority() {
    return true;
  }

  /** The adapter reaches http and HTTP/2 upstreams only; its builder refuses https. */
  @Override
  protected boolean reachesHttpsUpstreams() {
    return false;
  }
}
