package dev.switchover.bench.http;

import dev.switchover.Router;
import dev.switchover.undertow.SwitchoverHttpHandler;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import java.net.URI;

/**
 * The Switchover Undertow adapter as a reverse proxy: {@code shop.localhost} routed through the
 * router to the {@code blue} or {@code green} upstream (each reached through Undertow's own {@code
 * ProxyHandler}, as {@link SwitchoverHttpHandler} binds upstreams), switched through {@link
 * SwitchAdmin}. Undertow runs with its defaults (I/O and worker threads sized to the machine),
 * except that it does not add a {@code Date} header, like the Jetty processes ({@link Loopback}).
 *
 * <p>Usage: {@code SwitchoverUndertowProxy <port> <bluePort> <greenPort> <adminSocket>}
 */
public final class SwitchoverUndertowProxy {
  private SwitchoverUndertowProxy() {}

  /** Starts the proxy and its admin endpoint, and runs until killed. */
  public static void main(String[] args) throws Exception {
    ContenderArgs a = ContenderArgs.parse("SwitchoverUndertowProxy", args);
    Router router = SwitchAdmin.newRouter();
    SwitchoverHttpHandler handler =
        SwitchoverHttpHandler.builder(router)
            .upstream("blue", URI.create("http://127.0.0.1:" + a.bluePort()))
            .upstream("green", URI.create("http://127.0.0.1:" + a.greenPort()))
            .build();
    Undertow server =
        Undertow.builder()
            .addHttpListener(a.port(), "127.0.0.1")
            .setServerOption(UndertowOptions.ALWAYS_SET_DATE, false)
            .setServerOption(UndertowOptions.ENABLE_HTTP2, Loopback.h2c()) // h2c: prior knowledge and upgrade
            .setHandler(handler)
            .build();
    server.start();
    SwitchAdmin.Releases releases = new SwitchAdmin.Releases(router);
    SwitchAdmin.startSocket(a.adminSocket(), releases);
    System.out.printf(
        "Switchover Undertow adapter on %d (admin socket %s) -> blue %d / green %d%n",
        a.port(), a.adminSocket(), a.bluePort(), a.greenPort());
    Thread.currentThread().join(); // Undertow has no join(); run.sh stops the process
  }
}
