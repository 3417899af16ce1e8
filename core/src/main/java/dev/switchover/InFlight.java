package dev.switchover;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Supplier;

/**
 * Per-workspace counts of requests in flight, and the futures that wait for a workspace to drain.
 *
 * <p>A count is {@code >= 0} while the workspace is open. Once no table routes to a workspace and
 * its count reaches zero while someone awaits its drain, the count is closed (set to {@link
 * #CLOSED}) and the futures complete; a request that resolved against an older table then cannot
 * enter, and is resolved again. A table that routes to the workspace again reopens it. A
 * publication looks only at the counters that are closed or awaited, never at idle ones.
 *
 * <p>When the last request leaving completes a drain, the futures complete on a new daemon
 * thread: that request ends on a server's thread, often an I/O thread, which a dependent action
 * (stopping the workspace, say) must not hold up. Drains are rare, so a thread each is cheap.
 */
final class InFlight {
  static final long CLOSED = -1;

  private final ConcurrentHashMap<WorkspaceId, Counter> counters = new ConcurrentHashMap<>();
  /** Counters that are closed or have waiters: the only ones a publication can change. */
  private final Set<Counter> watched = ConcurrentHashMap.newKeySet();
  private final Supplier<RoutingTable> current;
  /** The long-lived connections; each also holds its place in its workspace's counter. */
  final LongLivedConnections longLived;

  InFlight(Supplier<RoutingTable> current) {
    this(current, LongLivedConnections.DEFAULT_GRACE);
  }

  InFlight(Supplier<RoutingTable> current, Duration longLivedGrace) {
    this.current = current;
    this.longLived = new LongLivedConnections(current, longLivedGrace);
  }

  Counter counter(WorkspaceId workspace) {
    Counter c = counters.get(workspace);
    return c != null ? c : counters.computeIfAbsent(workspace, ws -> new Counter(ws, this));
  }

  /** Requests admitted to {@code workspace} that ended with {@code outcome}. */
  long ended(WorkspaceId workspace, RequestOutcome outcome) {
    Counter c = counters.get(workspace);
    return c == null ? 0 : c.outcomes.get(outcome.index());
  }

  /** Requests in flight, not counting the long-lived connections that also hold a place. */
  long count(WorkspaceId workspace) {
    Counter c = counters.get(workspace);
    return c == null ? 0 : Math.max(0, c.state.get() - longLived.count(workspace));
  }

  CompletableFuture<Void> awaitDrained(WorkspaceId workspace) {
    Counter c = counter(workspace);
    CompletableFuture<Void> future = new CompletableFuture<>();
    synchronized (c) {
      if (c.state.get() == CLOSED) {
        future.complete(null);
        return future;
      }
      c.waiters.removeIf(CompletableFuture::isDone); // cancelled by their callers
      c.waiters.add(future);
      watched.add(c);
    }
    c.tryClose();
    return future;
  }

  /** Called by the router after each publication. */
  void published(RoutingTable table) {
    for (Counter c : watched) {
      c.reopenIfRouted(table);
      c.tryClose();
    }
    longLived.published(table);
  }

  static final class Counter {
    final WorkspaceId workspace;
    final AtomicLong state = new AtomicLong();
    /** Requests ended, by {@link RequestOutcome#index()}: made once, so that counting allocates nothing. */
    final AtomicLongArray outcomes = new AtomicLongArray(RequestOutcome.COUNT);
    final List<CompletableFuture<Void>> waiters = new ArrayList<>();
    private final InFlight owner;

    Counter(WorkspaceId workspace, InFlight owner) {
      this.workspace = workspace;
      this.owner = owner;
    }

    /** Enters one request; false if the workspace has drained and closed. */
    boolean tryEnter() {
      while (true) {
        long v = state.get();
        if (v < 0) {
          return false;
        }
        if (state.compareAndSet(v, v + 1)) {
          return true;
        }
      }
    }

    /** The counts this counter belongs to. */
    InFlight owner() {
      return owner;
    }

    /** Counts how a request ended, keeping its place (a long-lived connection takes it over). */
    void ended(RequestOutcome outcome) {
      outcomes.incrementAndGet(outcome.index());
    }

    /** Ends one request, counting how it ended. */
    void leave(RequestOutcome outcome) {
      outcomes.incrementAndGet(outcome.index());
      leave();
    }

    void leave() {
      if (state.decrementAndGet() == 0) {
        List<CompletableFuture<Void>> done = close();
        if (!done.isEmpty()) {
          Thread t = new Thread(() -> completeAll(done), "switchover-drained-" + workspace);
          t.setDaemon(true);
          t.start();
        }
      }
    }

    /** Reopens a closed workspace that {@code table} routes to again. */
    void reopenIfRouted(RoutingTable table) {
      synchronized (this) {
        if (state.get() == CLOSED && table.routesTo(workspace)) {
          state.set(0);
          if (waiters.isEmpty()) {
            owner.watched.remove(this);
          }
        }
      }
    }

    /** Closes the workspace and completes its waiters here, if it is drained and awaited. */
    void tryClose() {
      completeAll(close());
    }

    /** Closes the workspace if it is drained and awaited; the waiters to complete, or none. */
    private List<CompletableFuture<Void>> close() {
      synchronized (this) {
        if (!waiters.isEmpty()
            && !owner.current.get().routesTo(workspace)
            && state.compareAndSet(0, CLOSED)) {
          List<CompletableFuture<Void>> done = new ArrayList<>(waiters);
          waiters.clear();
          return done;
        }
        return List.of();
      }
    }

    private static void completeAll(List<CompletableFuture<Void>> done) {
      for (CompletableFuture<Void> f : done) {
        f.complete(null);
      }
    }
  }
}
