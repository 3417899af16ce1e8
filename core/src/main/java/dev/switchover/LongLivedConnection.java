package dev.switchover;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A long-lived connection (a WebSocket, a server-sent-event stream) that a request {@linkplain
 * Admission#longLived became}: pinned to the workspace that accepted it, counted apart from
 * ordinary requests ({@link Router#longLived} next to {@link Router#inFlight}), and holding up
 * {@link Router#awaitDrained} until it ends.
 *
 * <p>When a publication stops routing to its workspace, the connection has the router's
 * {@linkplain Router.Builder#longLivedGrace grace period}; when the grace ends and no table has
 * routed to the workspace again since, the router calls the connection's closer once (a
 * WebSocket's closes with 1001 "going away", an SSE stream ends after a complete event), so that
 * the client reconnects, to whichever workspace the table then routes it to. A rollback within
 * the grace leaves the connection where it is. A connection made on a workspace whose grace has
 * already ended, and that no table routes to, is closed at once.
 *
 * <p>The adapter {@linkplain #close() closes} this handle exactly when the connection has ended,
 * whoever ended it. Closing more than once is harmless. Closers run on a daemon thread of the
 * router's; one that throws is logged and its connection counted out. Thread-safe.
 *
 * <pre>{@code
 * LongLivedConnection ws = admission.longLived(() -> session.close(1001, "going away"));
 * // ... and when the WebSocket has closed, for any reason:
 * ws.close();
 * }</pre>
 */
public final class LongLivedConnection implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LongLivedConnection.class);
  private static final AtomicIntegerFieldUpdater<LongLivedConnection> CLOSER_CALLED =
      AtomicIntegerFieldUpdater.newUpdater(LongLivedConnection.class, "closerCalled");
  private static final AtomicIntegerFieldUpdater<LongLivedConnection> ENDED =
      AtomicIntegerFieldUpdater.newUpdater(LongLivedConnection.class, "ended");

  private final WorkspaceId workspace;
  private final Runnable closer;
  private final LongLivedConnections.@Nullable Group group;
  private final InFlight.@Nullable Counter counter;
  private volatile int closerCalled;
  private volatile int ended;

  LongLivedConnection(
      WorkspaceId workspace,
      Runnable closer,
      LongLivedConnections.@Nullable Group group,
      InFlight.@Nullable Counter counter) {
    this.workspace = workspace;
    this.closer = closer;
    this.group = group;
    this.counter = counter;
  }

  /** A connection that holds no place in any count (its workspace had drained); never closed by the router. */
  static LongLivedConnection uncounted(WorkspaceId workspace, Runnable closer) {
    return new LongLivedConnection(workspace, closer, null, null);
  }

  /** The workspace the connection is pinned to. */
  public WorkspaceId workspace() {
    return workspace;
  }

  /** Whether the router has asked the connection to close (its grace ended). */
  public boolean isClosing() {
    return closerCalled != 0;
  }

  /**
   * Ends the connection's place in its workspace's long-lived count; the adapter calls it once the
   * connection has ended. Only the first call counts.
   */
  @Override
  public void close() {
    if (!ENDED.compareAndSet(this, 0, 1)) {
      return;
    }
    LongLivedConnections.Group g = group;
    InFlight.Counter c = counter;
    if (g != null && c != null) {
      g.remove(this);
      c.leave();
    }
  }

  /** Calls the closer, once; a closer that throws is logged and its connection counted out. */
  void closeForGrace() {
    if (ended != 0 || !CLOSER_CALLED.compareAndSet(this, 0, 1)) {
      return;
    }
    try {
      closer.run();
    } catch (RuntimeException e) {
      log.warn("closing a long-lived connection to {} failed; counting it as ended", workspace, e);
      close();
    }
  }

  /** For example {@code LongLivedConnection{green, open}}. */
  @Override
  public String toString() {
    return "LongLivedConnection{"
        + workspace
        + (ended != 0 ? ", ended" : closerCalled != 0 ? ", closing" : ", open")
        + "}";
  }
}
