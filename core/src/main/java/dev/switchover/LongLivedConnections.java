package dev.switchover;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The long-lived connections of one router, per workspace, and their grace periods.
 *
 * <p>A workspace's connections are retired when a publication stops routing to it: a timer is set
 * for the end of the grace, and a publication that routes to it again before then cancels it.
 * When the timer fires, the workspace is retired: its open connections' closers are called, and a
 * connection made on it later is closed at once, until a table routes to it again. A connection
 * made by a preview on a workspace that no table routes to is left alone: it never stopped being
 * routed. Only workspaces that have had a long-lived connection are watched, so a publication
 * costs nothing here until the first one. Ordinary requests never come here.
 */
final class LongLivedConnections {
  static final Duration DEFAULT_GRACE = Duration.ofSeconds(30);
  private static final Logger log = LoggerFactory.getLogger(LongLivedConnections.class);

  private final Supplier<RoutingTable> current;
  private final long graceNanos;
  private final ConcurrentHashMap<WorkspaceId, Group> groups = new ConcurrentHashMap<>();
  /** Guards the retirement state of every group, {@link #last} and {@link #scheduler}. */
  private final Object lock = new Object();
  /** The newest table {@link #published} has seen, or null before the first. */
  private @Nullable RoutingTable last;
  private @Nullable ScheduledThreadPoolExecutor scheduler;
  private @Nullable ExecutorService closers;
  /** Whether the router was closed; under {@link #lock}. */
  private boolean closed;

  LongLivedConnections(Supplier<RoutingTable> current, Duration grace) {
    this.current = current;
    this.graceNanos = grace.toNanos();
  }

  /** How many long-lived connections are open on the workspace. */
  long count(WorkspaceId workspace) {
    Group g = groups.get(workspace);
    return g == null ? 0 : g.open.size();
  }

  /**
   * Registers a connection whose request was admitted at {@code revision} and holds a place in
   * {@code counter}, which the connection now owns.
   */
  LongLivedConnection register(
      WorkspaceId workspace, long revision, boolean preview, InFlight.Counter counter, Runnable closer) {
    Group g = groups.computeIfAbsent(workspace, Group::new);
    LongLivedConnection connection = new LongLivedConnection(workspace, closer, g, counter);
    g.open.add(connection);
    boolean closeNow = false;
    synchronized (lock) {
      RoutingTable now = current.get();
      if (last == null) {
        last = now;
      }
      if (!now.routesTo(workspace)) {
        if (g.retired && !preview) {
          closeNow = true;
        } else if (g.retiring == null && !preview && now.revision() > revision) {
          // Routed when admitted, no longer routed now, and the publication between found no
          // connection here to retire: the grace starts now.
          retire(g);
        }
      }
    }
    if (closeNow) {
      Executor pool = closers();
      if (pool != null) {
        pool.execute(connection::closeForGrace);
      }
    }
    return connection;
  }

  /** Called after each publication, in any order: a table older than one seen is ignored. */
  void published(RoutingTable table) {
    if (groups.isEmpty()) {
      synchronized (lock) {
        if (last == null || last.revision() < table.revision()) {
          last = table;
        }
      }
      return;
    }
    synchronized (lock) {
      RoutingTable before = last;
      if (before != null && before.revision() >= table.revision()) {
        return;
      }
      last = table;
      for (Group g : groups.values()) {
        if (table.routesTo(g.workspace)) {
          if (g.retiring != null || g.retired) {
            log.info("{} is routed again at revision {}: its long-lived connections stay", g.workspace, table.revision());
          }
          cancel(g);
          g.retired = false;
        } else if (g.retiring == null && !g.retired && (before == null || before.routesTo(g.workspace))) {
          retire(g);
        }
      }
    }
  }

  /** Sets the timer that ends the grace of the workspace's connections. Under {@link #lock}. */
  private void retire(Group g) {
    if (closed) {
      return; // the router is closed: no more graces
    }
    Retirement r = new Retirement();
    g.retiring = r;
    if (!g.open.isEmpty()) {
      log.info(
          "{} is no longer routed: its {} long-lived connections close in {} ms",
          g.workspace,
          g.open.size(),
          TimeUnit.NANOSECONDS.toMillis(graceNanos));
    }
    r.timer = scheduler().schedule(() -> graceEnded(g, r), graceNanos, TimeUnit.NANOSECONDS);
  }

  private static void cancel(Group g) {
    Retirement r = g.retiring;
    g.retiring = null;
    if (r != null) {
      ScheduledFuture<?> timer = r.timer;
      if (timer != null) {
        timer.cancel(false);
      }
    }
  }

  private void graceEnded(Group g, Retirement r) {
    List<LongLivedConnection> closing;
    synchronized (lock) {
      if (g.retiring != r) {
        return; // cancelled by a table that routed to the workspace again
      }
      g.retiring = null;
      if (current.get().routesTo(g.workspace)) {
        return;
      }
      g.retired = true;
      closing = List.copyOf(g.open);
    }
    if (!closing.isEmpty()) {
      log.info("closing {} long-lived connections to {}: their grace has ended", closing.size(), g.workspace);
    }
    // Each on a thread of its own: a closer that blocks (a servlet container's blocking close
    // frame to a client that does not read) must not hold up the others, nor the grace timers.
    Executor pool = closers();
    for (LongLivedConnection c : closing) {
      if (pool != null) {
        pool.execute(c::closeForGrace);
      }
    }
  }

  /** Where closers run: threads made as needed, gone a minute after the last; null once closed. */
  private @Nullable Executor closers() {
    synchronized (lock) {
      if (closed) {
        return null;
      }
      ExecutorService c = closers;
      if (c == null) {
        c =
            new ThreadPoolExecutor(
                0,
                Integer.MAX_VALUE,
                60,
                TimeUnit.SECONDS,
                new SynchronousQueue<>(),
                new ThreadFactoryBuilder().setNameFormat("switchover-long-lived-closer-%d").setDaemon(true).build());
        closers = c;
      }
      return c;
    }
  }

  /**
   * Stops the grace timers and the closers' threads: the router is closed, and no connection is
   * closed for a grace any more.
   */
  void close() {
    synchronized (lock) {
      closed = true;
      if (scheduler != null) {
        scheduler.shutdownNow();
      }
      if (closers != null) {
        closers.shutdownNow();
      }
    }
  }

  private ScheduledThreadPoolExecutor scheduler() {
    synchronized (lock) {
      ScheduledThreadPoolExecutor s = scheduler;
      if (s == null) {
        s =
            new ScheduledThreadPoolExecutor(
                1, new ThreadFactoryBuilder().setNameFormat("switchover-long-lived-%d").setDaemon(true).build());
        s.setRemoveOnCancelPolicy(true);
        s.setKeepAliveTime(30, TimeUnit.SECONDS);
        s.allowCoreThreadTimeOut(true);
        scheduler = s;
      }
      return s;
    }
  }

  /** The long-lived connections of one workspace. */
  static final class Group {
    final WorkspaceId workspace;
    final Set<LongLivedConnection> open = ConcurrentHashMap.newKeySet();
    /** The grace running now, if any; under {@link #lock}. */
    @Nullable Retirement retiring;
    /** Whether a grace ended with no table routing to the workspace since; under {@link #lock}. */
    boolean retired;

    Group(WorkspaceId workspace) {
      this.workspace = workspace;
    }

    void remove(LongLivedConnection connection) {
      open.remove(connection);
    }
  }

  /** One grace period; its identity tells a timer that fires from one that was cancelled. */
  private static final class Retirement {
    volatile @Nullable ScheduledFuture<?> timer;
  }
}
