package dev.switchover.bench.http;

import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.handlers.proxy.LoadBalancingProxyClient;
import io.undertow.server.handlers.proxy.ProxyHandler;
import java.net.URI;

/**
 * The baseline of the Undertow adapter: Undertow's own {@code ProxyHandler} sending everything to
 * {@code blue}, with no routing, set up as the adapter sets up each upstream workspace (a {@code
 * LoadBalancingProxyClient} of 64 connections per I/O thread and an unbounded wait queue; the
 * {@code Host} header passed as it came). What the adapter adds on top is its own cost: the
 * resolve, the in-flight count, its {@code Forwarded} and {@code X-Forwarded-Host} headers and its
 * 502 mapping. Undertow runs with its defaults, without a {@code Date} header, like {@link
 * SwitchoverUndertowProxy}.
 *
 * <p>Usage: {@code PlainUndertowProxy <port> <bluePort> <greenPort> <adminSocket>} (the
 * {@code greenPort} and {@code adminSocket} are not used: there is nothing to switch)
 */
public final class PlainUndertowProxy {
  private PlainUndertowProxy() {}

  /** Starts the proxy and runs until killed. */
  public static void main(String[] args) throws Exception {
    ContenderArgs a = ContenderArgs.parse("PlainUndertowProxy", args);
    LoadBalancingProxyClient client =
        new LoadBalancingProxyClient().setConnectionsPerThread(64).setMaxQueueSize(Integer.MAX_VALUE);
    client.addHost(URI.create("http://127.0.0.1:" + a.bluePort()));
    ProxyHandler proxy =
        ProxyHandler.builder()
            .setProxyClient(client)
            .setMaxRequestTime(30_000)
            .setRewriteHostHeader(false)
            .setReuseXForwarded(false)
            .build();
    Undertow server =
        Undertow.builder()
            .addHttpListener(a.port(), "127.0.0.1")
            .setServerOption(UndertowOptions.ALWAYS_SET_DATE, false)
            .setServerOption(UndertowOptions.ENABLE_HTTP2, Loopback.h2c()) // h2c: prior knowledge and upgrade
            .setHandler(proxy)
            .build();
    server.start();
    System.out.printf("plain Undertow ProxyHandler on %d -> blue %d%n", a.port(), a.bluePort());
    Thread.currentThread().join(); // Undertow has no join(); run.sh stops the process
  }
}
