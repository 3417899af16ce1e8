package dev.switchover.testkit;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Holds the requests that name it ({@code ?hold=<id>}) until it is opened: the way a test keeps
 * requests in flight for exactly as long as it needs, without guessing durations. Thread-safe.
 */
public final class Gate {
  private final String id;
  private final CompletableFuture<Void> opened = new CompletableFuture<>();
  private int arrivals;

  Gate(String id) {
    this.id = id;
  }

  /** Counts one held request and returns the future that completes when the gate opens. */
  CompletableFuture<Void> arrive() {
    synchronized (this) {
      arrivals++;
      notifyAll();
    }
    return opened;
  }

  /** How many requests have arrived at the gate so far. */
  public synchronized int arrivals() {
    return arrivals;
  }

  /**
   * Waits until at least {@code count} requests have arrived.
   *
   * @throws AssertionError if they have not within the deadline
   */
  public void awaitArrivals(int count, Duration deadline) throws InterruptedException {
    long end = System.nanoTime() + deadline.toNanos();
    synchronized (this) {
      while (arrivals < count) {
        long left = end - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError(
              "gate " + id + ": expected " + count + " held requests, but " + arrivals + " arrived");
        }
        wait(Math.max(1, left / 1_000_000));
      }
    }
  }

  /** Lets every held request, and every later one, through. */
  public void open() {
    opened.complete(null);
  }
}
