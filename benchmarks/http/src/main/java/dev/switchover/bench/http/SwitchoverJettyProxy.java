package dev.switchover.bench.http;

import dev.switchover.Router;
import dev.switchover.jetty.SwitchoverHandler;
import java.net.URI;
import org.eclipse.jetty.server.Server;

/**
 * The Switchover Jetty adapter as a reverse proxy: {@code shop.localhost} routed through the
 * router to the {@code blue} or {@code green} upstream, switched through {@link SwitchAdmin}.
 *
 * <p>Usage: {@code SwitchoverJettyProxy <port> <bluePort> <greenPort> <adminSocket>}
 */
public final class SwitchoverJettyProxy {
  private SwitchoverJettyProxy() {}

  /** Starts the proxy and its admin endpoint, and runs until killed. */
  public static void main(String[] args) throws Exception {
    ContenderArgs a = ContenderArgs.parse("SwitchoverJettyProxy", args);
    Router router = SwitchAdmin.newRouter();
    SwitchoverHandler handler =
        SwitchoverHandler.builder(router)
            .upstream("blue", URI.create("http://127.0.0.1:" + a.bluePort()))
            .upstream("green", URI.create("http://127.0.0.1:" + a.greenPort()))
            .build();
    Server server = new Server();
    Loopback.addConnector(server, a.port());
    server.setHandler(handler);
    server.start();
    SwitchAdmin.Releases releases = new SwitchAdmin.Releases(router);
    SwitchAdmin.startSocket(a.adminSocket(), releases);
    System.out.printf(
        "Switchover Jetty adapter on %d (admin socket %s) -> blue %d / green %d%n",
        a.port(), a.adminSocket(), a.bluePort(), a.greenPort());
    server.join();
  }
}
