package dev.switchover.bench.http;

import dev.switchover.DomainStatus;
import dev.switchover.PreparedChange;
import dev.switchover.Router;
import dev.switchover.RoutingTable;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
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
 * promote_ns=<time spent in the switch> started_ns=<System.nanoTime() just before it>
 * prepared=<0|1>} (the system-wide monotonic clock on Linux, so the switcher can compare it with
 * the upstreams' {@link Onsets}).
 *
 * <p>With {@code &prepared}, the switch is instead the {@link PreparedChange#commit()} of a
 * promote the endpoint prepared ({@link Router#preparePromote(String, String)}) {@value
 * #PREPARE_DELAY_MILLIS} to {@value #PREPARE_DELAY_MILLIS} + {@value #PREPARER_TICK_MILLIS} ms
 * after the switch before, on a thread of its own ({@link Releases}): a release staged
 * between two switches, as an operator stages one before releasing it. {@code prepared=1} says
 * the commit published the prepared table itself (nothing was written in between); a switch
 * that finds no prepared change for its workspace (the first, or one out of turn) promotes
 * directly and says {@code prepared=0}.
 *
 * <p>With {@code &probe=<port>} it also measures the switch from
 * inside the proxy's JVM: after promote returns it sends requests to the proxy on that loopback
 * port until one is answered by the new workspace, and adds {@code first_new_ns=<from before
 * the switch to that answer>} (or {@code first_new_ns=-1} after 10 seconds without one). Any
 * Switchover adapter's contender (Jetty, Undertow, servlet filter) uses both, so they are
 * switched and measured the same way.
 */
public final class SwitchAdmin {
  /** The host every contender serves, in front of {@code blue} and {@code green}. */
  public static final String HOST = "shop.localhost";

  private SwitchAdmin() {}

  /** How long after a switch the endpoint prepares the next one, in {@code &prepared} mode. */
  static final long PREPARE_DELAY_MILLIS = 100;

  /** How often the endpoint's preparing thread looks for a release to prepare. */
  static final long PREPARER_TICK_MILLIS = 25;

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
  public static Server startJetty(int port, Releases releases) throws Exception {
    Server server = new Server();
    Loopback.addConnector(server, port);
    server.setHandler(
        new Handler.Abstract() { // blocking: with ?probe= the answer waits for the probing
          @Override
          public boolean handle(Request request, Response response, Callback callback) {
            Answer answer = answer(request.getHttpURI().getQuery(), releases);
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
  public static Undertow startUndertow(int port, Releases releases) {
    Undertow server =
        Undertow.builder()
            .addHttpListener(port, "127.0.0.1")
            .setIoThreads(1)
            .setWorkerThreads(2)
            .setServerOption(UndertowOptions.ALWAYS_SET_DATE, false)
            .setHandler(new UndertowAdmin(releases))
            .build();
    server.start();
    return server;
  }

  /**
   * Starts the admin endpoint for {@code releases} on a Unix domain socket at {@code path}, as
   * HAProxy's runtime API is served: one line per switch, {@code <query>\n} (the query of {@code
   * POST /switch}, {@code to=green&prepared}), answered with one line, {@code <status>
   * <body>\n}, on the same connection. Each connection is served by a blocking platform thread of
   * its own, which waits in {@code read} for the next switch: the switch wakes one thread and runs
   * little code besides the switch, where the HTTP endpoints run their server's request handling,
   * which nothing else in the proxy's traffic keeps compiled for the admin's connector.
   */
  public static void startSocket(Path path, Releases releases) throws IOException {
    Files.deleteIfExists(path);
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(path));
    Thread acceptor =
        new Thread(
            () -> {
              while (server.isOpen()) {
                try {
                  SocketChannel channel = server.accept();
                  Thread session = new Thread(() -> serveLines(channel, releases), "switch-admin-session");
                  session.setDaemon(true);
                  session.start();
                } catch (IOException e) {
                  System.err.println("admin socket " + path + ": " + e);
                  return;
                }
              }
            },
            "switch-admin-socket");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** Answers {@code <query>\n} lines on {@code channel} until the client closes it. */
  private static void serveLines(SocketChannel channel, Releases releases) {
    try (channel) {
      byte[] bytes = new byte[4096];
      ByteBuffer in = ByteBuffer.wrap(bytes);
      while (true) {
        int newline = indexOfNewline(bytes, in.position());
        if (newline < 0) {
          if (!in.hasRemaining() || channel.read(in) < 0) {
            return; // closed, or a line too long for an admin command
          }
          continue;
        }
        String query = new String(bytes, 0, newline, StandardCharsets.US_ASCII);
        in.flip().position(newline + 1);
        in.compact();
        Answer answer;
        try {
          answer = answer(query, releases);
        } catch (RuntimeException e) { // a bad query: answered, and the session goes on
          answer = new Answer(500, "?" + query + " failed: " + e);
        }
        String line = answer.status() + " " + answer.body().replace('\n', ' ').replace('\r', ' ') + "\n";
        ByteBuffer out = ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8));
        while (out.hasRemaining()) {
          channel.write(out);
        }
      }
    } catch (IOException e) {
      // the client went away mid-line: nothing to answer
    }
  }

  /** The index of the first {@code '\n'} among the first {@code length} bytes, or -1. */
  private static int indexOfNewline(byte[] bytes, int length) {
    for (int i = 0; i < length; i++) {
      if (bytes[i] == '\n') {
        return i;
      }
    }
    return -1;
  }

  private static final class UndertowAdmin implements HttpHandler {
    private final Releases releases;

    UndertowAdmin(Releases releases) {
      this.releases = releases;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
      String query = exchange.getQueryString();
      if (exchange.isInIoThread() && query.contains("&probe=")) {
        exchange.dispatch(this);
        return;
      }
      Answer answer = answer(query, releases);
      exchange.setStatusCode(answer.status());
      exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain");
      exchange.getResponseSender().send(answer.body(), StandardCharsets.UTF_8);
    }
  }

  /** An admin answer: a status and a body. */
  record Answer(int status, String body) {}

  /** Does what {@code ?query} asks of the router, for either server. */
  static Answer answer(@Nullable String query, Releases releases) {
    if (query == null || !query.startsWith("to=")) {
      return new Answer(400, "expected ?to=<workspace>[&prepared][&probe=<port>], got ?" + query);
    }
    Map<String, String> params = new HashMap<>();
    for (String param : query.split("&", -1)) {
      int eq = param.indexOf('=');
      params.put(eq < 0 ? param : param.substring(0, eq), eq < 0 ? "" : param.substring(eq + 1));
    }
    String to = params.getOrDefault("to", "");
    @Nullable String probePort = params.get("probe");
    @Nullable HttpProbe probe = probePort == null ? null : probe(Loopback.port(probePort, "probe"));
    boolean prepared = params.containsKey("prepared");
    @Nullable PreparedChange staged = prepared ? releases.take(to) : null;
    long start = System.nanoTime();
    RoutingTable table;
    try {
      table = staged != null ? staged.commit() : releases.router.promote(HOST, to);
    } catch (RuntimeException e) {
      return new Answer(409, "promote " + HOST + " to " + to + " failed: " + e);
    }
    long switchNanos = System.nanoTime() - start;
    if (prepared) {
      releases.prepareLater("blue".equals(to) ? "green" : "blue");
    }
    String answer =
        "revision=" + table.revision() + " promote_ns=" + switchNanos + " started_ns=" + start
            + " prepared=" + (staged != null && table == staged.table() ? 1 : 0);
    if (probe != null) {
      answer += " first_new_ns=" + firstNew(probe, to, start);
    }
    return new Answer(200, answer);
  }

  /**
   * A contender's router and the release prepared for its next switch. {@link #prepareLater} only
   * notes what to prepare and when (an atomic write: the switch wakes no other thread); a
   * thread of its own looks every {@value #PREPARER_TICK_MILLIS} ms and prepares it once {@value
   * #PREPARE_DELAY_MILLIS} ms have passed, out of the way of the switch just made and of the first
   * requests after it.
   */
  public static final class Releases {
    final Router router;
    private final AtomicReference<@Nullable Staged> next = new AtomicReference<>();
    private final AtomicReference<@Nullable Wanted> wanted = new AtomicReference<>();

    public Releases(Router router) {
      this.router = router;
      ScheduledExecutorService preparer =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "switch-admin-preparer");
                t.setDaemon(true);
                return t;
              });
      Future<?> unused = // runs until the JVM exits; a failed preparation is printed by tick()
          preparer.scheduleWithFixedDelay(this::tick, PREPARER_TICK_MILLIS, PREPARER_TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** The change prepared for a switch to {@code to}, if that is what is prepared; taken once. */
    @Nullable PreparedChange take(String to) {
      @Nullable Staged staged = next.getAndSet(null);
      return staged != null && staged.to().equals(to) ? staged.change() : null;
    }

    /** The workspace the prepared change switches to, or null if none is prepared. */
    @Nullable String preparedFor() {
      @Nullable Staged staged = next.get();
      return staged == null ? null : staged.to();
    }

    /** Asks for the promote to {@code to} to be prepared {@value #PREPARE_DELAY_MILLIS} ms from now. */
    void prepareLater(String to) {
      wanted.set(new Wanted(to, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PREPARE_DELAY_MILLIS)));
    }

    private void tick() {
      @Nullable Wanted w = wanted.get();
      if (w == null || System.nanoTime() - w.notBefore() < 0 || !wanted.compareAndSet(w, null)) {
        return; // nothing due, or a newer request came in: that one is prepared when due
      }
      try {
        next.set(new Staged(w.to(), router.preparePromote(HOST, w.to())));
      } catch (RuntimeException e) {
        // the next switch then promotes directly, and says prepared=0
        System.err.println("preparing the promote of " + HOST + " to " + w.to() + " failed: " + e);
      }
    }

    private record Wanted(String to, long notBefore) {}

    private record Staged(String to, PreparedChange change) {}
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
