package dev.switchover.examples;

import dev.switchover.rawhttp.RawConnection;
import dev.switchover.rawhttp.RawResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * Client load on one host through the router: a few keep-alive connections on 127.0.0.1, each on
 * its own thread, sending {@code GET /} at a bounded rate until stopped. Every answer is checked:
 * anything but 200, any I/O error, and any answer from a workspace that the {@link Switchboard}
 * says could not have served it is a failure (without a switchboard, when switches are made
 * elsewhere, any workspace may serve). A connection the server closes after a complete
 * answer is simply opened again. Thread-safe.
 */
final class Load {
  private static final int MAX_REPORTED = 10;

  private final int port;
  private final String host;
  private final int clients;
  private final long nanosBetweenRequests;
  private final @Nullable Switchboard switchboard;
  private final LongAdder sent = new LongAdder();
  private final AtomicInteger failed = new AtomicInteger();
  private final Queue<String> failures = new ConcurrentLinkedQueue<>();
  private final Map<String, LongAdder> servedBy = new ConcurrentHashMap<>();
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean running;

  /**
   * @param requestsPerSecond the most requests per second all clients together send
   */
  Load(int port, String host, int clients, int requestsPerSecond, @Nullable Switchboard switchboard) {
    if (clients < 1 || requestsPerSecond < clients) {
      throw new IllegalArgumentException(
          "need at least one client and one request per second per client, but got "
              + clients + " clients and " + requestsPerSecond + " requests per second");
    }
    this.port = port;
    this.host = host;
    this.clients = clients;
    this.nanosBetweenRequests = Duration.ofSeconds(1).toNanos() * clients / requestsPerSecond;
    this.switchboard = switchboard;
  }

  int clients() {
    return clients;
  }

  /** Starts the clients. */
  synchronized void start() {
    if (running || !threads.isEmpty()) {
      throw new IllegalStateException("the load was already started");
    }
    running = true;
    for (int i = 0; i < clients; i++) {
      int id = i;
      Thread t = new Thread(() -> client(id), "demo-client-" + id);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
  }

  /** Stops the clients and waits until each has its last answer (or gave up waiting for it). */
  synchronized void stop() throws InterruptedException {
    running = false;
    for (Thread t : threads) {
      t.join();
    }
  }

  /** Requests sent so far. */
  long sent() {
    return sent.sum();
  }

  /** Requests that failed so far. */
  int failed() {
    return failed.get();
  }

  /** The first few failures, described. */
  List<String> failures() {
    return List.copyOf(failures);
  }

  /** How many good answers each workspace gave, by name. */
  SortedMap<String, Long> servedBy() {
    SortedMap<String, Long> counts = new TreeMap<>();
    servedBy.forEach((ws, n) -> counts.put(ws, n.sum()));
    return counts;
  }

  private void client(int id) {
    RawConnection connection = null;
    long next = System.nanoTime();
    try {
      for (long n = 0; running; n++) {
        next += nanosBetweenRequests;
        long wait = next - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait); // pacing, so that the demo stays light on a shared machine
        } else if (wait < -nanosBetweenRequests * 10) {
          next = System.nanoTime(); // fell behind (a slow start, a pause): do not burst to catch up
        }
        long returnedBefore = switchboard == null ? 0 : switchboard.returned();
        try {
          if (connection == null) {
            connection = ShopRequests.open(port);
          }
          RawResponse reply = connection.get(host, "/");
          sent.increment();
          check(id, n, reply, returnedBefore, switchboard == null ? 0 : switchboard.begun());
          if (connection.isClosedByPeer()) {
            connection = close(connection);
          }
        } catch (IOException e) {
          sent.increment();
          fail("client " + id + ", request " + n + ": " + e);
          connection = close(connection);
        }
      }
    } finally {
      close(connection);
    }
  }

  private void check(int id, long n, RawResponse reply, long returnedBefore, long begunAfter) {
    String workspace = ShopRequests.workspace(reply);
    if (reply.status() != 200) {
      fail("client " + id + ", request " + n + ": status " + reply.status() + " " + ShopRequests.firstLine(reply));
    } else if (switchboard != null && !switchboard.mayHaveServed(workspace, returnedBefore, begunAfter)) {
      fail("client " + id + ", request " + n + ": served by " + workspace
          + ", but it was sent after switch " + returnedBefore + " had returned (to "
          + switchboard.servingAfter(returnedBefore) + ")");
    } else {
      servedBy.computeIfAbsent(workspace, ws -> new LongAdder()).increment();
    }
  }

  private void fail(String failure) {
    if (failed.incrementAndGet() <= MAX_REPORTED) {
      failures.add(failure);
    }
  }

  private static @Nullable RawConnection close(@Nullable RawConnection connection) {
    if (connection != null) {
      try {
        connection.close();
      } catch (IOException e) {
        // a connection we are done with: nothing to report
      }
    }
    return null;
  }
}
