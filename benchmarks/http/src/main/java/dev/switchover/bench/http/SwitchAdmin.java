package dev.switchover.bench.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.switchover.DomainStatus;
import dev.switchover.Router;
import dev.switchover.RoutingTable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * The routing every Switchover contender starts with, and the admin endpoint through which the
 * {@link Switcher} switches it: {@code POST /switch?to=green} on a separate loopback port calls
 * {@link Router#promote(String, String)} for {@value #HOST} and answers {@code revision=<n>
 * promote_ns=<time spent in promote>}. Any Switchover adapter's contender (Jetty, Undertow,
 * servlet filter) uses both, so they are switched and measured the same way.
 */
public final class SwitchAdmin {
  /** The host every contender serves, in front of {@code blue} and {@code green}. */
  public static final String HOST = "shop.localhost";

  private SwitchAdmin() {}

  /** A router for {@value #HOST}, routed entirely ({@code /}) to {@code blue}. */
  public static Router newRouter() {
    RoutingTable table =
        RoutingTable.builder()
            .workspace("blue")
            .workspace("green")
            .domain(HOST, DomainStatus.VERIFIED)
            .route(HOST, "/", "blue")
            .build();
    return Router.create(table);
  }

  /** Starts the admin endpoint for {@code router} on {@code 127.0.0.1:port}. */
  public static HttpServer start(int port, Router router) throws IOException {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 16);
    server.createContext("/switch", exchange -> handle(exchange, router));
    server.start();
    return server;
  }

  private static void handle(HttpExchange exchange, Router router) throws IOException {
    try (exchange) {
      URI uri = exchange.getRequestURI();
      String query = uri.getQuery();
      if (query == null || !query.startsWith("to=")) {
        reply(exchange, 400, "expected ?to=<workspace>, got " + uri);
        return;
      }
      String to = query.substring("to=".length());
      long start = System.nanoTime();
      RoutingTable table;
      try {
        table = router.promote(HOST, to);
      } catch (RuntimeException e) {
        reply(exchange, 409, "promote " + HOST + " to " + to + " failed: " + e);
        return;
      }
      long promoteNanos = System.nanoTime() - start;
      reply(exchange, 200, "revision=" + table.revision() + " promote_ns=" + promoteNanos);
    }
  }

  private static void reply(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
