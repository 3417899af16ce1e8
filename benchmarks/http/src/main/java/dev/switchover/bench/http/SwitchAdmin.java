package dev.switchover.bench.http;

import dev.switchover.DomainStatus;
import dev.switchover.PreparedChange;
import dev.switchover.Router;
import dev.switchover.RoutingTable;
import dev.switchover.rawhttp.RawResponse;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * The routing every Switchover contender starts with, and the admin endpoint through which the
 * {@link Switcher} switches it: a Unix domain socket in the contender's JVM, as HAProxy's runtime
 * API is served, taking one line per switch, {@code to=green\n}, and answering one line,
 * {@code <status> <body>\n}, on the same connection.
 *
 * <p>A switch is the {@link PreparedChange#commit()} of a promote of {@value #HOST} that the
 * endpoint prepared ({@link Router#preparePromote(String, String)}) {@value
 * #PREPARE_DELAY_MILLIS} to {@value #PREPARE_DELAY_MILLIS} + {@value #PREPARER_TICK_MILLIS} ms
 * after the switch before, on a thread of its own ({@link Releases}): a release staged between
 * two switches, as an operator stages one before releasing it, so that the switch itself builds
 * nothing. A switch that finds nothing prepared for its workspace (the first, or one out of turn)
 * promotes directly. The answer's body is {@code revision=<n> switch_ns=<time spent in the
 * switch> started_ns=<System.nanoTime() just before it> prepared=<1 if the commit published the
 * prepared table itself, else 0>} (the system-wide monotonic clock on Linux, so the switcher can
 * compare it with the upstreams' {@link Onsets}).
 *
 * <p>With {@code &probe=<port>} it also measures the switch from inside the proxy's JVM: after
 * the switch it sends requests to the proxy on that loopback port until one is answered by the
 * new workspace, and adds {@code first_new_ns=<from before the switch to that answer>} (or
 * {@code first_new_ns=-1} after 10 seconds without one). Every Switchover adapter's contender
 * (Jetty, Undertow, servlet filter) serves this endpoint, so they are switched and measured alike.
 */
public final class SwitchAdmin {
  /** The host every contender serves, in front of {@code blue} and {@code green}. */
  public static final String HOST = "shop.localhost";

  private SwitchAdmin() {}

  /** How long after a switch the endpoint prepares the next one. */
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
   * Starts the admin endpoint for {@code releases} on a Unix domain socket at {@code path}. Each
   * connection is served by a blocking platform thread of its own, which waits in {@code read} for
   * the next switch: a switch wakes one thread and runs little code besides the switch.
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
          answer = new Answer(500, query + " failed: " + e);
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

  /** An admin answer: a status and a body. */
  record Answer(int status, String body) {}

  /** Does what one line, {@code to=<workspace>[&probe=<port>]}, asks of the router. */
  static Answer answer(@Nullable String query, Releases releases) {
    if (query == null || !query.startsWith("to=")) {
      return new Answer(400, "expected to=<workspace>[&probe=<port>], got " + query);
    }
    Map<String, String> params = new HashMap<>();
    for (String param : query.split("&", -1)) {
      int eq = param.indexOf('=');
      params.put(eq < 0 ? param : param.substring(0, eq), eq < 0 ? "" : param.substring(eq + 1));
    }
    String to = params.getOrDefault("to", "");
    @Nullable String probePort = params.get("probe");
    @Nullable HttpProbe probe = probePort == null ? null : probe(Loopback.port(probePort, "probe"));
    @Nullable PreparedChange staged = releases.take(to);
    long start = System.nanoTime();
    RoutingTable table;
    try {
      table = staged != null ? staged.commit() : releases.router.promote(HOST, to);
    } catch (RuntimeException e) {
      return new Answer(409, "switch of " + HOST + " to " + to + " failed: " + e);
    }
    long switchNanos = System.nanoTime() - start;
    releases.prepareLater("blue".equals(to) ? "green" : "blue");
    String answer =
        "revision=" + table.revision() + " switch_ns=" + switchNanos + " started_ns=" + start
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
    /** Signalled each time a change has been prepared, for {@link #awaitPrepared}. */
    private final Object preparedSignal = new Object();

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

    /**
     * Waits until the change prepared for the next switch is one to {@code to}, for at most
     * {@code timeout}; returns whether it is.
     */
    boolean awaitPrepared(String to, Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      synchronized (preparedSignal) {
        while (!to.equals(preparedFor())) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            return false;
          }
          TimeUnit.NANOSECONDS.timedWait(preparedSignal, left);
        }
        return true;
      }
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
        synchronized (preparedSignal) {
          preparedSignal.notifyAll();
        }
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
        RawResponse r = probe.get("/");
        if (r.status() / 100 == 2 && r.bodyText().equals(to)) {
          return System.nanoTime() - start;
        }
      } catch (IOException e) {
        // a failed exchange: try again on a new connection
      }
    }
    return -1;
  }
}
