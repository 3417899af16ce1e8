package dev.switchover;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import com.google.common.collect.ImmutableList;
import dev.switchover.spi.TableStore;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live routing state: one reference to the current {@link RoutingTable}, replaced atomically.
 *
 * <p>Reading is one volatile read ({@link #current()}) followed by pure computation on an
 * immutable table. Every write builds a new, validated table from the current one and publishes
 * it only if the current revision is still the one expected ({@link #update}); {@link #promote},
 * {@link #swap} and {@link #rollback} are built on that. Once a write returns, every resolve that
 * starts afterwards, on any thread, sees the new table; a rejected write changes nothing.
 * Listeners hear about each published table afterwards, in revision order. The router also counts
 * requests in flight per workspace ({@link #admit}) and tells when a workspace that no table
 * routes to has drained ({@link #awaitDrained}). Thread-safe.
 *
 * <pre>{@code
 * Router router = Router.create(table);
 * router.promote("shop.example.com", "green");  // release
 * router.rollback();                             // and back, as a new revision
 * router.awaitDrained(WorkspaceId.of("green")).join();
 * }</pre>
 */
public final class Router {
  private static final Logger log = LoggerFactory.getLogger(Router.class);
  /** Enough for any realistic race between a drain and a rollback; see {@link #admit}. */
  private static final int MAX_ADMIT_ATTEMPTS = 1_000_000;

  private final TableStore store;
  private final int historySize;
  private final ReentrantLock writeLock = new ReentrantLock();
  private final ArrayDeque<RoutingTable> history = new ArrayDeque<>();
  private final CopyOnWriteArrayList<TableListener> listeners = new CopyOnWriteArrayList<>();
  private final ConcurrentLinkedQueue<RoutingTable> undelivered = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean delivering = new AtomicBoolean();
  private final InFlight inFlight;
  private final Subscription storeWatch;
  private volatile RoutingTable current;
  private @Nullable RoutingTable writing;

  private Router(TableStore store, int historySize) {
    this.store = store;
    this.historySize = historySize;
    this.current = store.load();
    this.inFlight = new InFlight(() -> current);
    this.storeWatch = store.watch(this::onStored);
  }

  /** A router over an in-memory store that starts with {@code initial}; history of 32. */
  public static Router create(RoutingTable initial) {
    return builder().initialTable(initial).build();
  }

  /** A builder for a router with a store or history size of your choice. */
  public static Builder builder() {
    return new Builder();
  }

  /** The current table: one volatile read. Pin it for the whole of a request. */
  public RoutingTable current() {
    return current;
  }

  /** Resolves one request against the current table; see {@link RoutingTable#resolve}. */
  public Resolution resolve(CharSequence host, CharSequence path) {
    return current.resolve(host, path);
  }

  /**
   * Resolves a request against the current table and, when it is routed, counts it in flight on
   * its workspace until the returned admission is closed. Adapters call this once per request.
   */
  public Admission admit(CharSequence host, CharSequence path) {
    for (int attempt = 0; attempt < MAX_ADMIT_ATTEMPTS; attempt++) {
      RoutingTable table = current;
      Resolution resolution = table.resolve(host, path);
      if (!resolution.isRouted()) {
        return new Admission(table, resolution, null);
      }
      InFlight.Counter counter = inFlight.counter(resolution.workspace());
      if (counter.tryEnter()) {
        return new Admission(table, resolution, counter);
      }
      // The workspace drained and closed after this table was read: a newer table exists.
      Thread.onSpinWait();
    }
    throw new IllegalStateException("could not admit a request for " + host + " in time");
  }

  /** How many admitted requests are in flight on the workspace now. */
  public long inFlight(WorkspaceId workspace) {
    return inFlight.count(checkNotNull(workspace, "workspace"));
  }

  /**
   * A future that completes once no current table routes to the workspace and no request admitted
   * to it is still in flight: its owner can then stop it, or keep it warm for a rollback. It
   * completes at once if that is already so.
   */
  public CompletableFuture<Void> awaitDrained(WorkspaceId workspace) {
    return inFlight.awaitDrained(checkNotNull(workspace, "workspace"));
  }

  /**
   * Builds a new table from the current one with {@code change} and publishes it, if the current
   * revision is still {@code expectedRevision}.
   *
   * @return the published table
   * @throws RevisionConflictException if the revision has moved on; nothing was changed
   * @throws InvalidTableException if the changed table is invalid; nothing was changed
   * @throws IllegalArgumentException if {@code change} refuses an argument; nothing was changed
   */
  public RoutingTable update(long expectedRevision, Consumer<RoutingTable.Builder> change) {
    checkNotNull(change, "change");
    return write(expectedRevision, ChangeReason.EDIT, "edit", change);
  }

  /**
   * Points every route of a domain at a workspace: the release.
   *
   * @throws IllegalArgumentException if the domain has no routes
   * @throws InvalidTableException if the workspace is not declared
   */
  public RoutingTable promote(HostName domain, WorkspaceId workspace) {
    checkNotNull(domain, "domain");
    checkNotNull(workspace, "workspace");
    return writeCurrent(
        ChangeReason.PROMOTE, "promote " + domain + " -> " + workspace, b -> b.pointHost(domain, workspace));
  }

  /** Promotes by names; see {@link #promote(HostName, WorkspaceId)}. */
  public RoutingTable promote(String domain, String workspace) {
    return promote(HostName.parse(domain), WorkspaceId.of(workspace));
  }

  /**
   * Points one path prefix of a domain at a workspace.
   *
   * @throws IllegalArgumentException if the domain has no route for that prefix
   * @throws InvalidTableException if the workspace is not declared
   */
  public RoutingTable promote(HostName domain, PathPrefix prefix, WorkspaceId workspace) {
    checkNotNull(domain, "domain");
    checkNotNull(prefix, "prefix");
    checkNotNull(workspace, "workspace");
    return writeCurrent(
        ChangeReason.PROMOTE,
        "promote " + domain + prefix + " -> " + workspace,
        b -> b.pointRoute(domain, prefix, workspace));
  }

  /**
   * Trades the routing of two hosts atomically: production takes staging's workspaces and staging
   * production's. A resolve sees the swap entirely or not at all.
   *
   * @throws IllegalArgumentException if the hosts are the same or either has no routes
   */
  public RoutingTable swap(HostName a, HostName b) {
    checkNotNull(a, "a");
    checkNotNull(b, "b");
    return writeCurrent(ChangeReason.SWAP, "swap " + a + " <-> " + b, t -> t.swapRouting(a, b));
  }

  /** Swaps by names; see {@link #swap(HostName, HostName)}. */
  public RoutingTable swap(String a, String b) {
    return swap(HostName.parse(a), HostName.parse(b));
  }

  /**
   * Publishes, as a new revision, the routing of the revision before the last change. Rolling back
   * twice returns to where you were.
   *
   * @throws IllegalStateException if there is no earlier revision in the history, or if the last
   *     change altered a domain's verification status (a rollback must never restore a revoked
   *     domain's routes; make that change explicitly)
   */
  public RoutingTable rollback() {
    writeLock.lock();
    try {
      RoutingTable now = current;
      RoutingTable previous = history.peekFirst();
      checkState(previous != null, "nothing to roll back to: revision %s has no earlier revision in the history", now.revision());
      if (previous.statusEpoch() != now.statusEpoch()) {
        log.warn(
            "refused rollback of revision {}: it changed domain verification status ({})",
            now.revision(),
            now.description());
        throw new IllegalStateException(
            "cannot roll back revision "
                + now.revision()
                + " ("
                + now.description()
                + "): it changed a domain's verification status; change the table explicitly");
      }
      String description = "rollback to the routing of revision " + previous.revision();
      RoutingTable next =
          previous.toBuilder().describe(now.revision() + 1, ChangeReason.ROLLBACK, description).build();
      publish(now, next);
      log.info("rolled back: revision {} -> {} ({})", now.revision(), next.revision(), description);
      return next;
    } finally {
      writeLock.unlock();
      deliver();
    }
  }

  /**
   * Sets a domain's verification status. A status other than {@link DomainStatus#VERIFIED} also
   * removes the domain's routes in the same revision, logged at WARN.
   */
  public RoutingTable setDomainStatus(HostName domain, DomainStatus status) {
    checkNotNull(domain, "domain");
    checkNotNull(status, "status");
    RoutingTable table =
        writeCurrent(
            ChangeReason.DOMAIN_STATUS,
            "domain " + domain + " " + status,
            b -> {
              b.domain(domain, status);
              if (!status.mayCarryRoutes()) {
                b.removeRoutes(domain);
              }
            });
    if (!status.mayCarryRoutes()) {
      log.warn("domain {} is {}: its routes are removed in revision {}", domain, status, table.revision());
    }
    return table;
  }

  /** The tables published before the current one, newest first, up to the history size. */
  public List<RoutingTable> history() {
    writeLock.lock();
    try {
      return ImmutableList.copyOf(history);
    } finally {
      writeLock.unlock();
    }
  }

  /** Adds a listener for tables published from now on. */
  public Subscription addListener(TableListener listener) {
    checkNotNull(listener, "listener");
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /** Stops watching the store. Resolving and writing still work; tables written by others are no longer seen. */
  public void close() {
    storeWatch.close();
  }

  @Override
  public String toString() {
    return "Router{current=" + current + "}";
  }

  private RoutingTable writeCurrent(ChangeReason reason, String description, Consumer<RoutingTable.Builder> change) {
    writeLock.lock();
    try {
      return write(current.revision(), reason, description, change);
    } finally {
      writeLock.unlock();
      // write() could not deliver: this method still held the lock then
      if (!writeLock.isHeldByCurrentThread()) {
        deliver();
      }
    }
  }

  private RoutingTable write(
      long expectedRevision, ChangeReason reason, String description, Consumer<RoutingTable.Builder> change) {
    writeLock.lock();
    try {
      RoutingTable now = current;
      if (now.revision() != expectedRevision) {
        log.warn("refused {}: expected revision {} but the current revision is {}", description, expectedRevision, now.revision());
        throw new RevisionConflictException(expectedRevision, now.revision());
      }
      RoutingTable.Builder builder = now.toBuilder();
      RoutingTable next;
      try {
        change.accept(builder);
        next = builder.describe(now.revision() + 1, reason, description).build();
      } catch (RuntimeException e) {
        log.warn("refused {} at revision {}: {}", description, now.revision(), e.getMessage());
        throw e;
      }
      publish(now, next);
      log.info("{}: revision {} -> {}", description, now.revision(), next.revision());
      return next;
    } finally {
      writeLock.unlock();
      if (!writeLock.isHeldByCurrentThread()) {
        deliver();
      }
    }
  }

  /** Publishes {@code next} in place of {@code now}; the write lock is held. */
  private void publish(RoutingTable now, RoutingTable next) {
    writing = next;
    try {
      if (!store.compareAndSet(now.revision(), next)) {
        long actual = store.load().revision();
        log.warn("refused {}: the store moved from revision {} to {}", next.description(), now.revision(), actual);
        throw new RevisionConflictException(now.revision(), actual);
      }
    } finally {
      writing = null;
    }
    advance(now, next);
  }

  private void advance(RoutingTable now, RoutingTable next) {
    history.addFirst(now);
    while (history.size() > historySize) {
      history.removeLast();
    }
    current = next;
    undelivered.add(next);
    inFlight.published(next);
  }

  /** A table written to the store, by this router or by another sharing the store. */
  private void onStored(RoutingTable table) {
    writeLock.lock();
    try {
      if (table == writing || table.revision() <= current.revision()) {
        return;
      }
      log.info("table revision {} written by another router: {}", table.revision(), table.description());
      advance(current, table);
    } finally {
      writeLock.unlock();
    }
    if (!writeLock.isHeldByCurrentThread()) {
      deliver();
    }
  }

  /** Delivers published tables to listeners, in order, one thread at a time. */
  private void deliver() {
    while (!undelivered.isEmpty()) {
      if (!delivering.compareAndSet(false, true)) {
        return; // the thread delivering now will see our table: it checks again after letting go
      }
      try {
        RoutingTable table;
        while ((table = undelivered.poll()) != null) {
          for (TableListener listener : listeners) {
            try {
              listener.published(table);
            } catch (RuntimeException e) {
              log.warn("listener {} failed on revision {}", listener, table.revision(), e);
            }
          }
        }
      } finally {
        delivering.set(false);
      }
    }
  }

  /**
   * Builds a {@link Router}. Give either an initial table (kept in memory) or a store; each setter
   * may be called once.
   */
  public static final class Builder {
    private @Nullable RoutingTable initialTable;
    private @Nullable TableStore store;
    private int historySize = -1;

    private Builder() {}

    /** The first table, kept in an in-memory store. */
    public Builder initialTable(RoutingTable table) {
      checkNotNull(table, "table");
      checkState(initialTable == null, "initialTable was already set");
      checkState(store == null, "give either an initial table or a store, not both");
      this.initialTable = table;
      return this;
    }

    /** The store the router reads and writes its table through. */
    public Builder store(TableStore tableStore) {
      checkNotNull(tableStore, "tableStore");
      checkState(store == null, "store was already set");
      checkState(initialTable == null, "give either an initial table or a store, not both");
      this.store = tableStore;
      return this;
    }

    /** How many earlier tables to keep for {@link Router#history()} and rollback; default 32. */
    public Builder historySize(int size) {
      checkArgument(size >= 1, "history size must be at least 1, but was %s", size);
      checkState(historySize < 0, "historySize was already set to %s", historySize);
      this.historySize = size;
      return this;
    }

    /**
     * Builds the router.
     *
     * @throws IllegalStateException if neither an initial table nor a store was given
     */
    public Router build() {
      TableStore s = store;
      if (s == null) {
        checkState(initialTable != null, "give an initial table or a store");
        s = TableStore.inMemory(initialTable);
      }
      return new Router(s, historySize < 0 ? 32 : historySize);
    }
  }
}
