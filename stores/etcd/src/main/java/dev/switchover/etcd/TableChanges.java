package dev.switchover.etcd;

import dev.switchover.HostName;
import dev.switchover.InvalidTableException;
import dev.switchover.Route;
import dev.switchover.RoutingTable;
import dev.switchover.WorkspaceId;
import dev.switchover.etcd.WireFormat.HostState;
import dev.switchover.etcd.WireFormat.Meta;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Between tables and what is stored of them: which hosts a write must store, and the table that
 * a stored change makes of the table before it. A table is always rebuilt on top of the one
 * before (never from nothing, when there is one), so that it carries the same history a writer's
 * table does (a rollback must not cross a change of domain status, wherever it was written).
 */
final class TableChanges {
  private TableChanges() {}

  /**
   * The hosts whose stored state may differ between {@code stored} and {@code next}: what {@code
   * next} changed if it was built on {@code stored}; what both changed if they were built on the
   * same table (a rollback is built on the table before the current one); every host otherwise.
   */
  static Set<HostName> candidates(RoutingTable stored, RoutingTable next) {
    if (next.baseRevision() == stored.revision()) {
      return next.changedHosts();
    }
    if (next.baseRevision() == stored.baseRevision() && next.baseRevision() != 0) {
      Set<HostName> both = new LinkedHashSet<>(stored.changedHosts());
      both.addAll(next.changedHosts());
      return both;
    }
    Set<HostName> all = allHosts(stored);
    all.addAll(allHosts(next));
    return all;
  }

  /** The hosts of {@code next} whose state differs from {@code stored}'s, with their new state. */
  static Map<HostName, HostState> changes(RoutingTable stored, RoutingTable next) {
    Map<HostName, HostState> changes = new HashMap<>();
    for (HostName host : candidates(stored, next)) {
      HostState now = HostState.of(next, host);
      if (!now.equals(HostState.of(stored, host))) {
        changes.put(host, now);
      }
    }
    return changes;
  }

  static Set<HostName> allHosts(RoutingTable table) {
    Set<HostName> all = new LinkedHashSet<>(table.domains().keySet());
    all.addAll(table.routedHosts());
    return all;
  }

  /**
   * The table {@code meta} and the changed {@code hosts} make of {@code base}.
   *
   * @throws StoreDataException naming {@code metaKey} if the result is not a valid table
   */
  static RoutingTable apply(RoutingTable base, Meta meta, Map<HostName, HostState> hosts, String metaKey) {
    try {
      RoutingTable.Builder b = base.toBuilder();
      for (WorkspaceId w : meta.workspaces()) {
        b.workspace(w);
      }
      HostName suffix = meta.previewSuffix();
      if (suffix != null && !suffix.equals(base.previewSuffix().orElse(null))) {
        b.previewSuffix(suffix);
      }
      hosts.forEach((host, state) -> apply(b, base, host, state));
      for (WorkspaceId w : base.workspaces()) {
        if (!meta.workspaces().contains(w)) {
          b.removeWorkspace(w);
        }
      }
      return b.describe(meta.revision(), meta.reason(), meta.description(), meta.actor()).build();
    } catch (InvalidTableException | IllegalArgumentException | IllegalStateException e) {
      throw new StoreDataException(
          metaKey, "the stored state of revision " + meta.revision() + " is not a valid table: " + e.getMessage(), e);
    }
  }

  /**
   * The table of a whole stored state: on top of {@code base} if there is one (hosts it has that
   * the state has not are removed), from nothing otherwise.
   */
  static RoutingTable rebuild(@Nullable RoutingTable base, Meta meta, Map<HostName, HostState> all, String metaKey) {
    if (base == null || (meta.previewSuffix() == null && base.previewSuffix().isPresent())) {
      // No table to build on, or one whose preview suffix a builder cannot take away.
      return apply(RoutingTable.builder().build(), meta, all, metaKey);
    }
    Map<HostName, HostState> changes = new HashMap<>(all);
    for (HostName host : allHosts(base)) {
      changes.putIfAbsent(host, HostState.ABSENT);
    }
    return apply(base, meta, changes, metaKey);
  }

  private static void apply(RoutingTable.Builder b, RoutingTable base, HostName host, HostState target) {
    HostState old = HostState.of(base, host);
    if (old.equals(target)) {
      return;
    }
    if (old.status() != null && target.status() == null) {
      b.removeDomain(host); // its routes too; those it keeps are put back below
      old = HostState.ABSENT;
    }
    if (!old.routes().equals(target.routes())) {
      b.removeRoutes(host);
      for (Route r : target.routes()) {
        b.route(r);
      }
    }
    if (target.status() != null && !Objects.equals(target.status(), old.status())) {
      b.domain(host, target.status());
    }
  }
}
