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
public sealed class Admission implements AutoCloseable {
  private static final AtomicIntegerFieldUpdater<Admission> STATE =
      AtomicIntegerFieldUpdater.newUpdater(Admission.class, "state");

  /** The revision of the table the request was resolved against. */
  private final long revision;

  private final Resolution resolution;
  private final InFlight.@Nullable Counter counter;

  /**
   * Bit 0: closed. The bits above: the {@link RequestOutcome#index()} of how the request ended,
   * served (0) unless an adapter marks a failure. One int, so that the admission an adapter makes
   * per request is no larger for the counts.
   */
  private volatile int state;

  Admission(long revision, Resolution resolution, InFlight.@Nullable Counter counter) {
    this.revision = revision;
    this.resolution = resolution;
    this.counter = counter;
  }

  /**
   * An admission that carries the sticky key the router made for it: a class of its own, so that
   * the admission of every other request stays as small as it was.
   */
  static final class WithNewKey extends Admission {
    private final String newStickyKey;

    WithNewKey(long revision, Resolution resolution, InFlight.@Nullable Counter counter, String newStickyKey) {
      super(revision, resolution, counter);
      this.newStickyKey = newStickyKey;
    }

    @Override
    public String newStickyKey() {
      return newStickyKey;
    }
  }

  /**
   * The sticky key the router made for this request, which came to a {@linkplain Route#split()
   * split} route without one; null otherwise. An adapter that keeps keys in a cookie sets it, so
   * that the client's next requests take the same side.
   */
  public @Nullable String newStickyKey() {
    return null;
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

  /**
   * Marks a routed request as failed by the adapter before it reached its workspace's answer: the
   * workspace is bound to nothing ({@link RequestOutcome#UNAVAILABLE}) or its upstream failed
   * ({@link RequestOutcome#BAD_GATEWAY}, {@link RequestOutcome#GATEWAY_TIMEOUT}). Counted when the
   * admission closes; without a mark the request counts as {@link RequestOutcome#SERVED}.
   *
   * @throws IllegalArgumentException if {@code failure} is not one of those three
   */
  public void failed(RequestOutcome failure) {
    if (failure == null || !failure.isAdapterFailure()) {
      throw new IllegalArgumentException("an adapter marks UNAVAILABLE, BAD_GATEWAY or GATEWAY_TIMEOUT, not " + failure);
    }
    int s;
    do {
      s = state;
      if ((s & 1) != 0) {
        return; // already counted
      }
    } while (!STATE.compareAndSet(this, s, failure.index() << 1));
  }

  /**
   * Reports the status the response was answered with, before the admission closes: a 5xx status
   * counts the request as {@link RequestOutcome#WORKSPACE_ERROR} rather than {@link
   * RequestOutcome#SERVED}. A failure the adapter {@linkplain #failed marked} stays what it is (a
   * 502 the adapter made is a {@link RequestOutcome#BAD_GATEWAY}, not the workspace's error), and
   * any other status changes nothing. Allocates nothing; harmless after close.
   */
  public void answered(int status) {
    if (status < 500 || status > 599) {
      return;
    }
    int error = RequestOutcome.WORKSPACE_ERROR.index() << 1;
    int s;
    do {
      s = state;
      if (s != 0) {
        return; // closed, or already marked
      }
    } while (!STATE.compareAndSet(this, s, error));
  }

  /**
   * Ends the request's place in its workspace's in-flight count and counts how it ended. Only the
   * first call counts.
   */
  @Override
  public void close() {
    InFlight.Counter c = counter;
    if (c == null) {
      return;
    }
    int s;
    do {
      s = state;
      if ((s & 1) != 0) {
        return;
      }
    } while (!STATE.compareAndSet(this, s, s | 1));
    c.leave(RequestOutcome.ofIndex(s >>> 1));
  }

  /**
   * Turns the admitted request into a long-lived connection (a WebSocket once upgraded, a
   * server-sent-event stream once its headers are sent): the request ends here, counted as served
   * (or as {@linkplain #failed marked}), and its place in the workspace's count passes to the
   * returned connection, which {@link Router#longLived} counts apart from ordinary requests and
   * {@link Router#awaitDrained} waits for. When a publication stops routing to the workspace, the
   * router calls {@code closer} once the grace period ends (unless a table routes to the workspace
   * again first); the adapter closes the returned handle once the connection has ended. Closing this
   * admission afterwards is harmless.
   *
   * <p>A preview request admitted to a workspace that had already drained holds no place; its
   * connection is then counted nowhere and never closed by the router.
   *
   * @throws IllegalStateException if no route matched, or the admission is already closed
   */
  public LongLivedConnection longLived(Runnable closer) {
    if (closer == null) {
      throw new NullPointerException("closer");
    }
    if (!resolution.isRouted()) {
      throw new IllegalStateException("only a routed request can become long-lived: " + resolution);
    }
    int s;
    do {
      s = state;
      if ((s & 1) != 0) {
        throw new IllegalStateException("the admission is already closed: " + this);
      }
    } while (!STATE.compareAndSet(this, s, s | 1));
    WorkspaceId workspace = resolution.workspace();
    InFlight.Counter c = counter;
    if (c == null) {
      return LongLivedConnection.uncounted(workspace, closer);
    }
    c.ended(RequestOutcome.ofIndex(s >>> 1));
    boolean preview = resolution.isPreview(); // a canary's side is routed, not a preview
    return c.owner().longLived.register(workspace, revision, preview, c, closer);
  }

  /** For example {@code Admission{revision=7, ROUTED / -> green}}. */
  @Override
  public String toString() {
    return "Admission{revision=" + revision + ", " + resolution + ((state & 1) != 0 ? ", closed" : "") + "}";
  }
}
