package dev.switchover;

import com.google.common.base.MoreObjects;

/**
 * A write built and validated ahead of time, published later by {@link #commit()}: a release
 * staged while the old version still serves, so that the switch itself is only the router's
 * compare-and-set, with nothing left to build. Made by {@link Router#preparePromote(HostName,
 * WorkspaceId)} and {@link Router#prepareSwap(HostName, HostName)}.
 *
 * <p>Preparing publishes nothing and changes nothing: resolves, listeners and history see the change
 * only once {@link #commit()} returns. If another write was published in between, the commit
 * applies the same change to the table that is current then, exactly as the direct call would
 * (a promote still promotes), so a prepared change never publishes routing built on a table that
 * is no longer current. A prepared change is committed at most once. Thread-safe.
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
  /** Written by the router under its write lock. */
  private volatile boolean committed;

  PreparedChange(Router router, Router.Change change, RoutingTable base, RoutingTable table) {
    this.router = router;
    this.change = change;
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
   * @throws IllegalStateException if this change was committed already; nothing was changed
   * @throws IllegalArgumentException if, applied again to a newer table, the change is refused (its
   *     domain has no routes any more, say); nothing was changed, and the change may be committed
   *     later
   * @throws InvalidTableException if, applied again to a newer table, the result is invalid;
   *     nothing was changed, and the change may be committed later
   * @throws RevisionConflictException if another router sharing the store wrote first; nothing was
   *     changed, the router has caught up, and the change may be committed again
   */
  public RoutingTable commit() {
    return router.commit(this);
  }

  /** Whether {@link #commit()} has published this change. */
  public boolean isCommitted() {
    return committed;
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

  void committed() {
    committed = true;
  }

  @Override
  public String toString() {
    return MoreObjects.toStringHelper(this)
        .add("change", change.description())
        .add("baseRevision", baseRevision)
        .add("committed", committed)
        .toString();
  }
}
