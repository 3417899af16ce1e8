package dev.switchover;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import com.google.common.collect.ImmutableSortedSet;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * The {@link RoutingTable.Builder}. It keeps each host it changes as a {@link HostDraft}, and
 * {@link #build()} compiles each draft once, validates what changed ({@link TableValidation}), and
 * applies the entries to the base table's {@link HostTable}s in one batch, which copies each
 * touched part of them once. Hosts it does not change are shared with the base table.
 */
final class TableBuilder extends RoutingTable.Builder {
  private final @Nullable RoutingTable base;
  private long revision;
  private ChangeReason reason;
  private String description;
  private @Nullable String actor;
  private final HostTable exact;
  private final HostTable wildcards;
  /** The hosts changed, in the order first changed; an empty draft removes its host. */
  private final Map<HostName, HostDraft> pending = new LinkedHashMap<>();
  private @Nullable HostName previewSuffix;
  private boolean previewSuffixChanged;
  /** The base table's set until a workspace is declared or removed, then a copy of this builder's own. */
  private Set<WorkspaceId> workspaces;
  private final Set<WorkspaceId> removedWorkspaces = new LinkedHashSet<>();
  private final Map<WorkspaceId, Integer> routeCounts;
  private int splitRoutes;
  private long statusEpoch;

  TableBuilder(@Nullable RoutingTable base) {
    this.base = base;
    if (base == null) {
      revision = 1;
      reason = ChangeReason.INITIAL;
      description = "initial table";
      exact = HostTable.EMPTY;
      wildcards = HostTable.EMPTY;
      workspaces = new TreeSet<>();
      routeCounts = new HashMap<>();
    } else {
      revision = base.revision() + 1;
      reason = ChangeReason.EDIT;
      description = "edit";
      exact = base.exact;
      wildcards = base.wildcards;
      previewSuffix = base.previewSuffix;
      workspaces = base.workspaces;
      routeCounts = new HashMap<>(base.routeCounts);
      splitRoutes = base.splitRoutes;
      statusEpoch = base.statusEpoch;
    }
  }

  @Override
  public TableBuilder workspace(WorkspaceId workspace) {
    if (!workspaces.contains(checkNotNull(workspace, "workspace"))) {
      ownWorkspaces().add(workspace);
    }
    removedWorkspaces.remove(workspace);
    return this;
  }

  @Override
  public TableBuilder removeWorkspace(WorkspaceId workspace) {
    checkArgument(
        workspaces.contains(checkNotNull(workspace, "workspace")),
        "workspace %s is not declared (declared: %s)",
        workspace,
        workspaces);
    ownWorkspaces().remove(workspace);
    removedWorkspaces.add(workspace);
    return this;
  }

  /** The workspaces as a set this builder may change, copied from the base table's first. */
  private Set<WorkspaceId> ownWorkspaces() {
    if (workspaces instanceof ImmutableSortedSet) {
      workspaces = new TreeSet<>(workspaces);
    }
    return workspaces;
  }

  @Override
  public TableBuilder domain(HostName domain, DomainStatus status) {
    checkNotNull(domain, "domain");
    checkNotNull(status, "status");
    HostDraft d = draft(domain);
    if (d.status() != status) {
      statusEpoch++;
      d.status(status);
      store(d);
    }
    return this;
  }

  @Override
  public TableBuilder removeDomain(HostName domain) {
    HostDraft d = existing(checkNotNull(domain, "domain"));
    if (d.status() != null) {
      statusEpoch++;
    }
    countRoutes(d.routes(), -1);
    d.status(null);
    d.clearRoutes();
    store(d);
    return this;
  }

  @Override
  public TableBuilder route(HostName host, PathPrefix prefix, WorkspaceId workspace) {
    return route(Route.of(host, prefix, workspace));
  }

  @Override
  public TableBuilder route(Route route) {
    checkNotNull(route, "route");
    HostName host = route.host();
    PathPrefix prefix = route.prefix();
    HostDraft d = draft(host);
    Route existing = d.route(prefix);
    checkArgument(
        existing == null,
        "duplicate route: %s already has a route for prefix %s (%s)",
        host,
        prefix,
        existing);
    d.put(route);
    countRoutes(List.of(route), +1);
    store(d);
    return this;
  }

  @Override
  public TableBuilder removeRoute(HostName host, PathPrefix prefix) {
    HostDraft d = existing(checkNotNull(host, "host"));
    Route old = d.route(checkNotNull(prefix, "prefix"));
    checkArgument(old != null, "%s has no route for prefix %s (it has %s)", host, prefix, d.sortedRoutes());
    d.remove(prefix);
    countRoutes(List.of(old), -1);
    store(d);
    return this;
  }

  @Override
  public TableBuilder removeRoutes(HostName host) {
    HostDraft d = draft(checkNotNull(host, "host"));
    if (d.hasRoutes()) {
      countRoutes(d.routes(), -1);
      d.clearRoutes();
      store(d);
    }
    return this;
  }

  @Override
  public TableBuilder pointHost(HostName host, WorkspaceId workspace) {
    checkNotNull(workspace, "workspace");
    HostDraft d = existing(checkNotNull(host, "host"));
    checkArgument(d.hasRoutes(), "%s has no routes to point at %s", host, workspace);
    replaceRoutes(d, each(d, r -> r.withWorkspace(workspace)));
    return this;
  }

  @Override
  public TableBuilder pointRoute(HostName host, PathPrefix prefix, WorkspaceId workspace) {
    checkNotNull(workspace, "workspace");
    return changeRoute(host, prefix, r -> r.withWorkspace(workspace));
  }

  @Override
  public TableBuilder splitHost(HostName host, Split split) {
    checkNotNull(split, "split");
    HostDraft d = existing(checkNotNull(host, "host"));
    checkArgument(d.hasRoutes(), "%s has no routes to split to %s", host, split.canary());
    replaceRoutes(d, each(d, r -> r.withSplit(split)));
    return this;
  }

  @Override
  public TableBuilder splitRoute(HostName host, PathPrefix prefix, Split split) {
    checkNotNull(split, "split");
    return changeRoute(host, prefix, r -> r.withSplit(split));
  }

  @Override
  public TableBuilder removeSplits(HostName host) {
    HostDraft d = existing(checkNotNull(host, "host"));
    checkArgument(
        d.routes().stream().anyMatch(r -> r.splitOrNull() != null), "%s has no split to end (%s)", host, d.sortedRoutes());
    replaceRoutes(d, each(d, Route::withoutSplit));
    return this;
  }

  @Override
  public TableBuilder removeSplit(HostName host, PathPrefix prefix) {
    return changeRoute(
        host,
        prefix,
        r -> {
          checkArgument(r.splitOrNull() != null, "%s has no split to end", r);
          return r.withoutSplit();
        });
  }

  /** What {@code change} makes of each of a host's routes. */
  private static List<Route> each(HostDraft d, UnaryOperator<Route> change) {
    List<Route> routes = new ArrayList<>(d.routes().size());
    for (Route r : d.routes()) {
      routes.add(change.apply(r));
    }
    return routes;
  }

  /** Replaces the route of a host for one prefix by what {@code change} makes of it, if that differs. */
  private TableBuilder changeRoute(HostName host, PathPrefix prefix, UnaryOperator<Route> change) {
    HostDraft d = existing(checkNotNull(host, "host"));
    Route old = d.route(checkNotNull(prefix, "prefix"));
    checkArgument(old != null, "%s has no route for prefix %s (it has %s)", host, prefix, d.sortedRoutes());
    Route changed = change.apply(old);
    if (!changed.equals(old)) {
      replaceRoute(d, old, changed);
    }
    return this;
  }

  private void replaceRoute(HostDraft d, Route old, Route replacement) {
    countRoutes(List.of(old), -1);
    countRoutes(List.of(replacement), +1);
    d.put(replacement);
    store(d);
  }

  @Override
  public TableBuilder swapRouting(HostName a, HostName b) {
    checkArgument(!checkNotNull(a, "a").equals(checkNotNull(b, "b")), "cannot swap %s with itself", a);
    HostDraft da = existing(a);
    HostDraft db = existing(b);
    checkArgument(da.hasRoutes(), "%s has no routes to swap", a);
    checkArgument(db.hasRoutes(), "%s has no routes to swap", b);
    checkNotSplit(da, "swap");
    checkNotSplit(db, "swap");
    List<Route> forA = new ArrayList<>();
    List<Route> forB = new ArrayList<>();
    if (da.hasSamePrefixes(db)) {
      for (Route r : da.routes()) {
        Route other = checkNotNull(db.route(r.prefix()));
        forA.add(r.withWorkspace(other.workspace()));
        forB.add(other.withWorkspace(r.workspace()));
      }
    } else {
      WorkspaceId wa = soleWorkspace(da, b);
      WorkspaceId wb = soleWorkspace(db, a);
      da.routes().forEach(r -> forA.add(r.withWorkspace(wb)));
      db.routes().forEach(r -> forB.add(r.withWorkspace(wa)));
    }
    // with different prefixes the hosts may have different numbers of routes: counted again
    replaceRoutes(da, forA);
    replaceRoutes(db, forB);
    return this;
  }

  /** A swap trades workspaces; with a canary running, which side would go where is anyone's guess. */
  private static void checkNotSplit(HostDraft d, String what) {
    for (Route r : d.routes()) {
      checkArgument(
          r.splitOrNull() == null,
          "cannot %s %s while route %s splits its traffic; end the split (or promote) first",
          what,
          d.host,
          r);
    }
  }

  private static WorkspaceId soleWorkspace(HostDraft d, HostName other) {
    List<Route> routes = d.sortedRoutes();
    WorkspaceId ws = routes.get(0).workspace();
    for (Route r : routes) {
      checkArgument(
          r.workspace().equals(ws),
          "cannot swap %s with %s: their prefixes differ and %s splits its paths between workspaces (%s);"
              + " give both the same prefixes, or use update()",
          d.host,
          other,
          d.host,
          routes);
    }
    return ws;
  }

  @Override
  public TableBuilder previewSuffix(HostName suffix) {
    checkNotNull(suffix, "suffix");
    checkArgument(!suffix.isWildcard(), "the preview suffix must be a name, not a wildcard: %s", suffix);
    checkArgument(
        !suffix.isPublicSuffix(),
        "the preview suffix %s is a public suffix: every name under it would route without verification",
        suffix);
    if (!suffix.equals(previewSuffix)) {
      previewSuffix = suffix;
      previewSuffixChanged = true;
    }
    return this;
  }

  @Override
  public TableBuilder previewHost(HostName host, WorkspaceId workspace) {
    checkNotNull(host, "host");
    checkNotNull(workspace, "workspace");
    checkState(previewSuffix != null, "set a preview suffix before adding preview host %s", host);
    checkArgument(
        TableValidation.isPreview(host, previewSuffix),
        "preview host %s must be a name under the preview suffix %s",
        host,
        previewSuffix);
    replaceRoutes(draft(host), List.of(Route.of(host, PathPrefix.ROOT, workspace)));
    return this;
  }

  @Override
  public TableBuilder describe(long newRevision, ChangeReason newReason, String newDescription) {
    checkNotNull(newReason, "reason");
    checkNotNull(newDescription, "description");
    checkArgument(newRevision >= 1, "a table's revision must be at least 1, but was %s", newRevision);
    this.revision = newRevision;
    this.reason = newReason;
    this.description = newDescription;
    return this;
  }

  @Override
  public TableBuilder describe(
      long newRevision, ChangeReason newReason, String newDescription, @Nullable String newActor) {
    checkNotNull(newReason, "reason");
    checkNotNull(newDescription, "description");
    if (newActor != null) {
      checkActor(newActor);
    }
    describe(newRevision, newReason, newDescription);
    this.actor = newActor;
    return this;
  }

  /** An actor is a name fit for a log line and a history: one line, not empty, not huge. */
  static String checkActor(String actor) {
    checkArgument(
        !actor.isEmpty() && actor.length() <= RoutingTable.MAX_ACTOR_LENGTH,
        "an actor must be 1 to %s characters, but has %s",
        RoutingTable.MAX_ACTOR_LENGTH,
        actor.length());
    checkArgument(
        actor.chars().noneMatch(Character::isISOControl),
        "an actor must not hold control characters (line breaks, tabs...), but was \"%s\"",
        actor.replaceAll("\\p{Cntrl}", "?"));
    return actor;
  }

  @Override
  public RoutingTable build() {
    TableValidation validation = new TableValidation(previewSuffix, workspaces);
    Map<String, HostEntry> exactChanges = new LinkedHashMap<>();
    Map<String, HostEntry> wildcardChanges = new LinkedHashMap<>();
    for (HostDraft d : pending.values()) {
      HostEntry e = d.entry();
      validation.checkHost(e);
      (e.host.isWildcard() ? wildcardChanges : exactChanges).put(e.key, e);
    }
    HostTable newExact = apply(exact, exactChanges);
    HostTable newWildcards = apply(wildcards, wildcardChanges);
    if (previewSuffixChanged && base != null) {
      // Hosts that relied on the old suffix must be under the new one: a full pass, but only
      // when the suffix itself changes.
      Consumer<HostEntry> checkUntouched =
          e -> {
            if (!pending.containsKey(e.host) && e.status != DomainStatus.VERIFIED) {
              validation.checkHost(e);
            }
          };
      newExact.forEach(checkUntouched);
      newWildcards.forEach(checkUntouched);
    }
    for (WorkspaceId ws : removedWorkspaces) {
      validation.checkRemoved(ws, routeCounts.getOrDefault(ws, 0));
    }
    validation.throwIfInvalid();
    // a builder that declared or removed no workspace still holds its base's set
    ImmutableSortedSet<WorkspaceId> builtWorkspaces =
        workspaces instanceof ImmutableSortedSet<WorkspaceId> same ? same : ImmutableSortedSet.copyOf(workspaces);
    ImmutableMap.Builder<WorkspaceId, Integer> counts = ImmutableMap.builder();
    routeCounts.forEach(
        (ws, n) -> {
          if (n > 0) {
            counts.put(ws, n);
          }
        });
    return new RoutingTable(
        revision,
        reason,
        description,
        actor,
        newExact,
        newWildcards,
        previewSuffix,
        builtWorkspaces,
        counts.buildOrThrow(),
        splitRoutes,
        statusEpoch,
        base == null ? 0 : base.revision(),
        base == null ? null : ImmutableSet.copyOf(pending.keySet()));
  }

  private static HostTable apply(HostTable table, Map<String, HostEntry> changes) {
    if (changes.isEmpty()) {
      return table;
    }
    HostTable.Editor editor = new HostTable.Editor(table);
    for (HostEntry e : changes.values()) {
      if (e.isEmpty()) {
        editor.remove(e.key, e.hash);
      } else {
        editor.put(e);
      }
    }
    return editor.build();
  }

  /**
   * The host as this builder has it: its draft if this builder changed it already, otherwise a
   * new draft of the table's entry (or of nothing), which {@link #store} keeps once changed.
   */
  private HostDraft draft(HostName host) {
    HostDraft d = pending.get(host);
    if (d != null) {
      return d;
    }
    HostEntry e = base == null ? null : base.entry(host);
    return e == null ? new HostDraft(host, null, List.of()) : new HostDraft(e.host, e.status, e.routes);
  }

  private HostDraft existing(HostName host) {
    HostDraft d = draft(host);
    checkArgument(!d.isEmpty(), "%s is neither a declared domain nor a routed host", host);
    return d;
  }

  private void replaceRoutes(HostDraft d, List<Route> routes) {
    countRoutes(d.routes(), -1);
    countRoutes(routes, +1);
    d.clearRoutes();
    for (Route r : routes) {
      d.put(r);
    }
    store(d);
  }

  /** Counts the routes to each workspace, a split's canary too: a table routes to both. */
  private void countRoutes(Collection<Route> routes, int delta) {
    for (Route r : routes) {
      routeCounts.merge(r.workspace(), delta, Integer::sum);
      Split split = r.splitOrNull();
      if (split != null) {
        routeCounts.merge(split.canary(), delta, Integer::sum);
        splitRoutes += delta;
      }
    }
  }

  private void store(HostDraft d) {
    pending.putIfAbsent(d.host, d);
  }
}
