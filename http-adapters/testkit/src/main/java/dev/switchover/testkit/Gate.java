package dev.switchover.testkit;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Holds the requests that name it ({@code ?hold=<id>}) until it is opened: the way a test keeps
 * requests in flight for exactly as long as it needs, without guessing durations. Thread-safe.
 */
public final class Gate {
  private final String id;
  private final CompletableFuture<Void> opened = new CompletableFuture<>();
  private final AtomicInteger arrivals = new AtomicInteger();

  Gate(String id) {
    this.id = id;
  }

  /** Counts one held request and returns the future that completes when the gate opens. */
  CompletableFuture<Void> arrive() {
    arrivals.incrementAndGet();
    return opened;
  }

  /** How many requests have arrived at the gate so far. */
  public int arrivals() {
    return arrivals.get();
  }

  /**
   * Waits until at least {@code count} requests have arrived.
   *
   * @throws AssertionError if they have not within {@link Await#DEADLINE}
   */
  public void awaitArrivals(int count) {
    Await.until(
        count + " held requests at gate " + id, () -> arrivals() >= count, () -> arrivals() + " arrived");
  }

  /** Lets every held request, and every later one, through. */
  public void open() {
    opened.complete(null);
  }
}
