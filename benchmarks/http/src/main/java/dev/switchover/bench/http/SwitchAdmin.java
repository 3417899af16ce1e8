package dev.switchover.bench.http;

import dev.switchover.DomainStatus;
import dev.switchover.Router;
import dev.switchover.RoutingTable;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;

/**
 * The routing every Switchover contender starts with, and the admin endpoint through which the
 * {@link Switcher} switches it: {@code POST /switch?to=green} on a separate loopback port, served by
 * a server of the contender's own kind ({@link #startJetty}, {@link #startUndertow}), calls
 * {@link Router#promote(String, String)} for {@value #HOST} and answers {@code revision=<n>
 * promote_ns=<time spent in promote> started_ns=<System.nanoTime() just before promote>} (the
 * system-wide monotonic clock on Linux, so the switcher can compare it with the upstreams'
 * {@link Onsets}). With {@code &probe=<port>} it also measures the switch from
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

  /**
   * Starts the admin endpoint for {@code router} on {@code 127.0.0.1:port}, as a Jetty server of
   * its own in the contender's JVM: for the Jetty contenders, whose traffic keeps Jetty's HTTP code
   * compiled, as an operator would add an admin port to the server they already run.
   */
  public static Server startJetty(int port, Router router) throws Exception {
    Server server = new Server();
    Loopback.addConnector(server, port);
    server.setHandler(
        new Handler.Abstract() { // blocking: with ?probe= the answer waits for the probing
          @Override
          public boolean handle(Request request, Response response, Callback callback) {
            Answer answer = answer(request.getHttpURI().getQuery(), router);
            response.setStatus(answer.status());
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
            response.write(true, ByteBuffer.wrap(answer.body().getBytes(StandardCharsets.UTF_8)), callback);
            return true;
          }
        });
    server.start();
    return server;
  }

  /**
   * Starts the admin endpoint for {@code router} on {@code 127.0.0.1:port}, as an Undertow server of
   * its own in the contender's JVM, for the Undertow contender (see {@link #startJetty}). A switch
   * is answered on the I/O thread; a switch with {@code ?probe=}, which blocks, on a worker thread.
   */
  public static Undertow startUndertow(int port, Router router) {
    Undertow server =
        Undertow.builder()
            .addHttpListener(port, "127.0.0.1")
            .setIoThreads(1)
            .setWorkerThreads(2)
            .setServerOption(UndertowOptions.ALWAYS_SET_DATE, false)
            .setHandler(new UndertowAdmin(router))
            .build();
    server.start();
    return server;
  }

  private static final class UndertowAdmin implements HttpHandler {
    private final Router router;

    UndertowAdmin(Router router) {
      this.router = router;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
      String query = exchange.getQueryString();
      if (exchange.isInIoThread() && query.contains("&probe=")) {
        exchange.dispatch(this);
        return;
      }
      Answer answer = answer(query, router);
      exchange.setStatusCode(answer.status());
      exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain");
      exchange.getResponseSender().send(answer.body(), StandardCharsets.UTF_8);
    }
  }

  /** An admin answer: a status and a body. */
  record Answer(int status, String body) {}

  /** Does what {@code ?query} asks of {@code router}, for either server. */
  static Answer answer(@Nullable String query, Router router) {
    if (query == null || !query.startsWith("to=")) {
      return new Answer(400, "expected ?to=<workspace>[&probe=<port>], got ?" + query);
    }
    int amp = query.indexOf("&probe=");
    String to = query.substring("to=".length(), amp < 0 ? query.length() : amp);
    @Nullable HttpProbe probe =
        amp < 0 ? null : probe(Loopback.port(query.substring(amp + "&probe=".length()), "probe"));
    long start = System.nanoTime();
    RoutingTable table;
    try {
      table = router.promote(HOST, to);
    } catch (RuntimeException e) {
      return new Answer(409, "promote " + HOST + " to " + to + " failed: " + e);
    }
    long promoteNanos = System.nanoTime() - start;
    String answer =
        "revision=" + table.revision() + " promote_ns=" + promoteNanos + " started_ns=" + start;
    if (probe != null) {
      answer += " first_new_ns=" + firstNew(probe, to, start);
    }
    return new Answer(200, answer);
  }

  /**
   * One keep-alive probe per proxy port. The switcher sends one switch at a time, so a probe is
   * never used by two threads at once; the map is synchronized because successive switches may be
   * served by different threads.
   */
  private static final Map<Integer, HttpProbe> probes = new ConcurrentHashMap<>();

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
}
