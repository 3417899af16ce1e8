package dev.switchover.testkit;

import dev.switchover.HostName;
import dev.switchover.Router;
import dev.switchover.WorkspaceId;
import dev.switchover.rawhttp.RawConnection;
import dev.switchover.rawhttp.RawResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * The zero-downtime scenario's engine: keep-alive connections send requests back to back while
 * the domain is promoted to one workspace and then the other at a fixed rate, and every answer is
 * checked.
 *
 * <p>Switch {@code k} (counted from 1) points the domain at {@code second} when {@code k} is odd
 * and at {@code first} when it is even; before any switch it points at {@code first}. A request
 * notes how many switches had <em>returned</em> before it was sent ({@code c}), and how many had
 * <em>begun</em> once its answer arrived ({@code s}). The router admitted it in between, so the
 * workspace that served it must be the target of one of the switches {@code c..s}; when no switch
 * began during the request ({@code s == c}), that is exactly the target of switch {@code c}:
 * every request started after a switch returned is served by the new workspace. Any status other
 * than 200, any I/O error, reset or early close is a failure.
 *
 * <p>Slow requests ({@code ?delay=}) run on their own connections alongside; each must complete
 * with 200 on a workspace it may have been admitted to, and the run counts how many of them saw
 * at least one whole switch happen while they were in flight.
 */
final class SwitchingLoad {
  private static final int MAX_REPORTED = 25;

  private final Channels channels;
  private final Router router;
  private final HostName domain;
  private final WorkspaceId first;
  private final WorkspaceId second;
  private final int fastConnections;
  private final int slowConnections;
  private final Duration slowRequest;
  private final Duration switchInterval;
  private int quietAfter;
  private long ticks;
  private final Duration duration;

  private final AtomicLong switchesBegun = new AtomicLong();
  private final AtomicLong switchesReturned = new AtomicLong();
  private final LongAdder requests = new LongAdder();
  private final LongAdder exactlyChecked = new LongAdder();
  private final LongAdder slowRequests = new LongAdder();
  private final LongAdder slowAcrossSwitch = new LongAdder();
  private final AtomicInteger failureCount = new AtomicInteger();
  private final Queue<String> failures = new ConcurrentLinkedQueue<>();

  SwitchingLoad(
      Channels channels,
      Router router,
      HostName domain,
      WorkspaceId first,
      WorkspaceId second,
      int fastConnections,
      int slowConnections,
      Duration slowRequest,
      Duration switchInterval,
      Duration duration) {
    this.channels = channels;
    this.router = router;
    this.domain = domain;
    this.first = first;
    this.second = second;
    this.fastConnections = fastConnections;
    this.slowConnections = slowConnections;
    this.slowRequest = slowRequest;
    this.switchInterval = switchInterval;
    this.duration = duration;
  }

  /** Runs the load and the switching for the duration, then waits for every connection to end. */
  Result run() throws InterruptedException {
    long end = System.nanoTime() + duration.toNanos();
    ExecutorService clients =
        Executors.newFixedThreadPool(
            fastConnections + slowConnections,
            r -> {
              Thread t = new Thread(r, "switching-load-client");
              t.setDaemon(true);
              return t;
            });
    ScheduledExecutorService switcher =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "switching-load-switcher");
              t.setDaemon(true);
              return t;
            });
    try {
      for (int i = 0; i < fastConnections; i++) {
        int id = i;
        clients.execute(() -> connection(id, end, "/load?connection=" + id + "&n="));
      }
      for (int i = 0; i < slowConnections; i++) {
        int id = fastConnections + i;
        clients.execute(
            () ->
                connection(
                    id, end, "/slow?delay=" + slowRequest.toMillis() + "&connection=" + id + "&n="));
      }
      long period = switchInterval.toNanos();
      var unused = switcher.scheduleAtFixedRate(this::switchOnce, period, period, TimeUnit.NANOSECONDS);
      clients.shutdown();
      long allowance = duration.plus(slowRequest).plus(Await.DEADLINE).toNanos();
      if (!clients.awaitTermination(allowance, TimeUnit.NANOSECONDS)) {
        fail("the load's connections did not finish within " + Duration.ofNanos(allowance));
      }
    } finally {
      switcher.shutdownNow();
      clients.shutdownNow();
      if (!switcher.awaitTermination(Await.DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
        fail("the switcher did not stop");
      }
    }
    return new Result(
        switchesReturned.get(),
        requests.sum(),
        exactlyChecked.sum(),
        slowRequests.sum(),
        slowAcrossSwitch.sum(),
        failureCount.get(),
        List.copyOf(failures));
  }

  private WorkspaceId target(long switches) {
    return switches % 2 == 1 ? second : first;
  }

  /**
   * Switches in bursts of {@code switches} (one per interval), each followed by as many quiet
   * intervals: with many streams in flight a request rarely fits between two switches 20 ms
   * apart, and those that do are the ones checked exactly. 0 (the default): no quiet intervals.
   */
  SwitchingLoad quietAfter(int switches) {
    this.quietAfter = switches;
    return this;
  }

  private void switchOnce() {
    if (quietAfter > 0 && ticks++ % (2L * quietAfter) >= quietAfter) {
      return;
    }
    long k = switchesBegun.get() + 1;
    switchesBegun.set(k);
    try {
      router.promote(domain, target(k));
    } catch (RuntimeException e) {
      fail("switch " + k + " failed: " + e);
    } finally {
      switchesReturned.set(k);
    }
  }

  private void connection(int id, long end, String targetPrefix) {
    boolean slow = id >= fastConnections;
    Channel connection = null;
    try {
      for (long n = 0; System.nanoTime() - end < 0; n++) {
        if (connection == null) {
          connection = channels.open(id);
        }
        long returnedBefore = switchesReturned.get();
        Reply response;
        try {
          response = connection.get(domain.toString(), targetPrefix + n);
        } catch (IOException e) {
          fail("connection " + id + ", request " + n + ": I/O error " + e);
          close(connection);
          connection = null;
          continue;
        }
        long begunAfter = switchesBegun.get();
        requests.increment();
        check(id, n, response, returnedBefore, begunAfter, slow);
        if (connection.isClosedByPeer()) {
          fail("connection " + id + ", request " + n + ": the server closed a keep-alive connection");
          close(connection);
          connection = null;
        }
      }
    } catch (IOException | RuntimeException e) {
      fail("connection " + id + ": " + e);
    } finally {
      if (connection != null) {
        close(connection);
      }
    }
  }

  private void check(
      int id, long n, Reply response, long returnedBefore, long begunAfter, boolean slow) {
    String where = (slow ? "slow " : "") + "connection " + id + ", request " + n;
    if (response.status() != 200) {
      fail(where + ": status " + response.status() + " " + response.body().strip());
      return;
    }
    String served = response.workspace();
    boolean allowed = false;
    for (long k = returnedBefore; k <= begunAfter && !allowed; k++) {
      allowed = target(k).name().equals(served);
    }
    if (!allowed) {
      fail(
          where
              + ": served by "
              + served
              + ", but it was sent after switch "
              + returnedBefore
              + " had returned (to "
              + target(returnedBefore)
              + ") and answered before switch "
              + (begunAfter + 1)
              + " began");
      return;
    }
    if (begunAfter == returnedBefore) {
      exactlyChecked.increment();
    }
    if (slow) {
      slowRequests.increment();
      if (begunAfter > returnedBefore + 1) {
        slowAcrossSwitch.increment();
      }
    }
  }

  private void fail(String message) {
    if (failureCount.incrementAndGet() <= MAX_REPORTED) {
      failures.add(message);
    }
  }

  private static void close(Channel connection) {
    try {
      connection.close();
    } catch (IOException e) {
      // closing a connection we are done with: nothing to report
    }
  }

  /** An answer the load checks: its status, the workspace that served it, and its body. */
  record Reply(int status, @Nullable String workspace, String body) {}

  /** One client of the load: a connection, or a stream of a shared HTTP/2 connection. */
  interface Channel {
    /** Sends one GET and waits for its answer. */
    Reply get(String host, String target) throws IOException;

    /** Whether the server closed the connection after the last answer. */
    boolean isClosedByPeer();

    void close() throws IOException;
  }

  /** Opens the channel of the load's client {@code id} (and again after it was closed). */
  interface Channels {
    Channel open(int id) throws IOException;

    /** Each client its own HTTP/1.1 keep-alive connection to {@code port}. */
    static Channels http1(int port) {
      return id -> {
        RawConnection connection = RawConnection.open(port);
        return new Channel() {
          @Override
          public Reply get(String host, String target) throws IOException {
            RawResponse r = connection.get(host, target);
            return new Reply(r.status(), r.workspace(), r.bodyText());
          }

          @Override
          public boolean isClosedByPeer() {
            return connection.isClosedByPeer();
          }

          @Override
          public void close() throws IOException {
            connection.close();
          }
        };
      };
    }
  }

  /** What a run saw. */
  record Result(
      long switches,
      long requests,
      long exactlyChecked,
      long slowRequests,
      long slowAcrossSwitch,
      int failureCount,
      List<String> failures) {
    Result {
      failures = List.copyOf(failures);
    }

    @Override
    public String toString() {
      return switches
          + " switches, "
          + requests
          + " requests ("
          + exactlyChecked
          + " with no switch during them), "
          + slowRequests
          + " slow requests ("
          + slowAcrossSwitch
          + " spanning a whole switch), "
          + failureCount
          + " failures"
          + (failures.isEmpty() ? "" : ": " + String.join("\n  ", failures));
    }
  }
}
