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
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The routing every Switchover contender starts with, and the admin endpoint through which the
 * {@link Switcher} switches it: {@code POST /switch?to=green} on a separate loopback port calls
 * {@link Router#promote(String, String)} for {@value #HOST} and answers {@code revision=<n>
 * promote_ns=<time spent in promote>}. With {@code &probe=<port>} it also measures the switch from
 * inside the proxy's JVM: after promote returns it sends requests to the proxy on that loopback
 * port until one is answered by the new workspace, and adds {@code first_new_ns=<from before
 * promote to that answer>} (or {@code first_new_ns=-1} after 10 seconds without one). Any
 * Switchover adapter's contender (Jetty, Undertow, servlet filter) uses both, so they are
 * switched and measured the same way.
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
        reply(exchange, 400, "expected ?to=<workspace>[&probe=<port>], got " + uri);
        return;
      }
      int amp = query.indexOf("&probe=");
      String to = query.substring("to=".length(), amp < 0 ? query.length() : amp);
      @Nullable HttpProbe probe = amp < 0 ? null : probe(Loopback.port(query.substring(amp + "&probe=".length()), "probe"));
      long start = System.nanoTime();
      RoutingTable table;
      try {
        table = router.promote(HOST, to);
      } catch (RuntimeException e) {
        reply(exchange, 409, "promote " + HOST + " to " + to + " failed: " + e);
        return;
      }
      long promoteNanos = System.nanoTime() - start;
      String answer = "revision=" + table.revision() + " promote_ns=" + promoteNanos;
      if (probe != null) {
        answer += " first_new_ns=" + firstNew(probe, to, start);
      }
      reply(exchange, 200, answer);
    }
  }

  /** One keep-alive probe per proxy port, used only by the admin endpoint's single thread. */
  private static final Map<Integer, HttpProbe> probes = new HashMap<>();

  private static HttpProbe probe(int port) {
    return probes.computeIfAbsent(port, p -> new HttpProbe(p, HOST));
  }

  private static long firstNew(HttpProbe probe, String to, long start) {
    long deadline = start + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      try {
        HttpProbe.Reply r = probe.send("GET", "/");
        if (r.status() / 100 == 2 && r.body().equals(to)) {
          return System.nanoTime() - start;
        }
      } catch (IOException e) {
        // a failed exchange: try again on a new connection
      }
    }
    return -1;
  }

  private static void reply(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
