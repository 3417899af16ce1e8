package dev.switchover;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.jspecify.annotations.Nullable;

/**
 * One request admitted by {@link Router#admit}: its resolution against the table current then
 * (the answer for the whole request), and, when routed, its place in the workspace's in-flight
 * count.
 *
 * <p>An adapter admits a request once, serves it from {@link #resolution()}, and closes the
 * admission exactly when the response has completed, also on failure and on asynchronous
 * completion. Closing more than once is harmless. Thread-safe.
 *
 * <pre>{@code
 * try (Admission a = router.admit(host, path)) {
 *   if (a.isRouted()) {
 *     serve(a.workspace());
 *   }
 * }
 * }</pre>
 */
public final class Admission implements AutoCloseable {
  private static final AtomicIntegerFieldUpdater<Admission> CLOSED =
      AtomicIntegerFieldUpdater.newUpdater(Admission.class, "closed");

  /** The revision of the table the request was resolved against. */
  private final long revision;

  private final Resolution resolution;
  private final InFlight.@Nullable Counter counter;

  @SuppressWarnings("unused") // updated through CLOSED
  private volatile int closed;

  Admission(long revision, Resolution resolution, InFlight.@Nullable Counter counter) {
    this.revision = revision;
    this.resolution = resolution;
    this.counter = counter;
  }

  /** What the table answered for the request. */
  public Resolution resolution() {
    return resolution;
  }

  /** Whether a route matched. */
  public boolean isRouted() {
    return resolution.isRouted();
  }

  /**
   * The workspace that serves the request.
   *
   * @throws IllegalStateException if no route matched
   */
  public WorkspaceId workspace() {
    return resolution.workspace();
  }

  /** Ends the request's place in its workspace's in-flight count. Only the first call counts. */
  @Override
  public void close() {
    if (counter != null && CLOSED.compareAndSet(this, 0, 1)) {
      counter.leave();
    }
  }

  /** For example {@code Admission{revision=7, ROUTED shop.example.com/ -> green}}. */
  @Override
  public String toString() {
    return "Admission{revision=" + revision + ", " + resolution + (closed != 0 ? ", closed" : "") + "}";
  }
}
