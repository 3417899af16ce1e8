package dev.switchover;

import com.google.common.base.MoreObjects;

/**
 * A write built and validated ahead of time, published later by {@link #commit()}: a release
 * staged while the old version still serves, so that the switch itself is only the router's
 * compare-and-set. Made by {@link Router#preparePromote(HostName, WorkspaceId)} and {@link
 * Router#prepareSwap(HostName, HostName)}.
 *
 * <p>Preparing publishes nothing: resolves, listeners and history see nothing of the change
 * before {@link #commit()}, and all of it once the commit returns. If another write was published
 * in between, the commit applies the same change to the table that is current then, as the direct
 * call would; a prepared swap is refused instead if the routes it trades have changed (see {@link
 * Router#prepareSwap}). A prepared change is committed at most once, also when a listener or a
 * store's watcher tries again from inside the commit. Thread-safe.
 *
 * <pre>{@code
 * PreparedChange release = router.preparePromote("shop.example.com", "green"); // refused here if invalid
 * // ... checks on green's preview host ...
 * release.commit();                                                             // the switch
 * }</pre>
 */
public final class PreparedChange {
  private final Router router;
  private final Router.Change change;
  private final long baseRevision;
  private final RoutingTable table;
  private final RoutingTable base;
  /** {@link #OPEN}, {@link #COMMITTING} or {@link #COMMITTED}; written by the router under its write lock. */
  private volatile int state = OPEN;

  private static final int OPEN = 0;
  private static final int COMMITTING = 1;
  private static final int COMMITTED = 2;

  PreparedChange(Router router, Router.Change change, RoutingTable base, RoutingTable table) {
    this.router = router;
    this.change = change;
    this.base = base;
    this.baseRevision = base.revision();
    this.table = table;
  }

  /**
   * Publishes the change. If the router's current revision is still {@link #baseRevision()}, the
   * prepared {@link #table()} itself is published by one compare-and-set; otherwise the change is
   * applied again to the current table, validated and published as {@link Router#promote} or
   * {@link Router#swap} would. Either way, once this returns every resolve that starts afterwards
   * sees the change, and listeners hear of it as of any write.
   *
   * @return the published table
   * @throws IllegalStateException if this change was committed already, or is being committed (a
   *     listener or a store's watcher called this from inside the commit); nothing was changed
   * @throws IllegalArgumentException if, applied again to a newer table, the change is refused (its
   *     domain has no routes any more, say); nothing was changed, and the change may be committed
   *     later
   * @throws InvalidTableException if, applied again to a newer table, the result is invalid;
   *     nothing was changed, and the change may be committed later
   * @throws RevisionConflictException if another router sharing the store wrote first (nothing was
   *     changed, the router has caught up, and the change may be committed again), or if this is a
   *     prepared swap and the routes it trades have changed since it was prepared (nothing was
   *     changed; prepare the swap again if it still makes sense)
   */
  public RoutingTable commit() {
    return router.commit(this);
  }

  /**
   * Whether {@link #commit()} has published this change: true from just after the router's
   * compare-and-set, before the commit returns. A store's watcher or a listener of another router
   * sharing the store, called during that compare-and-set, may hear the published table while
   * this is still false.
   */
  boolean isCommitted() {
    return state == COMMITTED;
  }

  /**
   * The table a commit publishes if nothing is written before it: the revision after {@link
   * #baseRevision()}. Not published until then; its revision may never be, or be another table's.
   */
  public RoutingTable table() {
    return table;
  }

  /** The revision the change was built on. */
  public long baseRevision() {
    return baseRevision;
  }

  /** What the published table's {@link RoutingTable#description()} will say, as for the direct call. */
  public String description() {
    return change.description();
  }

  Router.Change change() {
    return change;
  }

  /** The table the change was built on. */
  RoutingTable base() {
    return base;
  }

  boolean isOpen() {
    return state == OPEN;
  }

  void beginCommit() {
    state = COMMITTING;
  }

  void committed() {
    state = COMMITTED;
  }

  void abandonCommit() {
    state = OPEN;
  }

  @Override
  public String toString() {
    return MoreObjects.toStringHelper(this)
        .add("change", change.description())
        .add("baseRevision", baseRevision)
        .add("committed", isCommitted())
        .toString();
  }
}
