package dev.switchover;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSortedMap;
import com.google.common.collect.ImmutableSortedSet;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * An immutable, validated snapshot of the routing: which workspaces exist, which domains are
 * declared and with what verification status, which routes send a host and a path prefix to a
 * workspace, and which preview hosts (under the platform-owned preview suffix) reach a workspace
 * without verification.
 *
 * <p>A table is built by a {@link Builder} and validated when built: every route's host is a
 * {@link DomainStatus#VERIFIED} domain or a preview host, every route's workspace is declared, no
 * two routes share a host and a prefix. A table that fails validation is never made. Each table
 * carries a {@link #revision()} and the {@link #reason()} it was made; the {@link Router}
 * publishes revisions in increasing order.
 *
 * <p>{@link #resolve} is the hot path: it allocates nothing, takes no lock, and costs the length
 * of the host and the depth of the path, whatever the number of routes. A new revision made by
 * {@link #toBuilder()} shares every unchanged host with this one: a promote copies the table's
 * top level (at most 32 KB) and the bucket of the host it changes, never the other hosts, so it
 * costs a few microseconds in a table of ten domains as in one of a hundred thousand. (The route
 * counts per workspace are copied per revision, and the set of declared workspaces when it
 * changes: a write costs in proportion to the number of workspaces, which is small next to the
 * number of domains.) Tables are thread-safe.
 *
 * <pre>{@code
 * RoutingTable table = RoutingTable.builder()
 *     .workspace("blue").workspace("green")
 *     .domain("shop.example.com", DomainStatus.VERIFIED)
 *     .route("shop.example.com", "/", "blue")
 *     .route("shop.example.com", "/api", "green")
 *     .build();
 * table.resolve("SHOP.example.com:443", "/api/orders").workspace(); // green
 * }</pre>
 */
public final class RoutingTable {
  private final long revision;
  private final ChangeReason reason;
  private final String description;
  private final HostTable exact;
  private final HostTable wildcards;
  private final @Nullable HostName previewSuffix;
  private final ImmutableSortedSet<WorkspaceId> workspaces;
  private final ImmutableMap<WorkspaceId, Integer> routeCounts;
  private final long statusEpoch;

  private RoutingTable(Builder b, HostTable exact, HostTable wildcards) {
    this.revision = b.revision;
    this.reason = b.reason;
    this.description = b.description;
    this.exact = exact;
    this.wildcards = wildcards;
    this.previewSuffix = b.previewSuffix;
    // a builder that declared or removed no workspace still holds its base's set
    this.workspaces =
        b.workspaces instanceof ImmutableSortedSet<WorkspaceId> same ? same : ImmutableSortedSet.copyOf(b.workspaces);
    ImmutableMap.Builder<WorkspaceId, Integer> counts = ImmutableMap.builder();
    b.routeCounts.forEach(
        (ws, n) -> {
          if (n > 0) {
            counts.put(ws, n);
          }
        });
    this.routeCounts = counts.buildOrThrow();
    this.statusEpoch = b.statusEpoch;
  }

  /** A builder for a first table: no workspaces, no domains, no routes, revision 1. */
  public static Builder builder() {
    return new Builder(null);
  }

  /**
   * A builder that starts from this table and makes the next revision; unchanged hosts are shared
   * with this table, and only what changes is validated again.
   */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** The revision: the first table has 1, each published change adds one. */
  public long revision() {
    return revision;
  }

  /** Why this revision was made. */
  public ChangeReason reason() {
    return reason;
  }

  /** A short account of the change, such as {@code promote shop.example.com -> green}. */
  public String description() {
    return description;
  }

  /**
   * Finds the route for one request. Allocates nothing, takes no lock and never throws for
   * non-null input.
   *
   * <p>The host is compared ignoring ASCII case, with a {@code :port} and one trailing dot
   * ignored; a host that is not a valid name (an IP address, {@code [::1]}, a bad port, an empty
   * label, a literal {@code *}) is unknown. An exact host that has routes beats a wildcard, which
   * matches exactly one extra label. The path is the server's decoded, normalized path without
   * the query; the longest prefix that matches it on a segment boundary wins (an empty path is
   * {@code /}; a path that does not start with {@code /} matches nothing).
   *
   * @param host the request's host, as the server parsed it from the authority
   * @param path the request's canonical path
   */
  public Resolution resolve(CharSequence host, CharSequence path) {
    Objects.requireNonNull(path, "path");
    int n = host.length();
    if (n == 0 || host.charAt(0) == '[') {
      return Resolution.UNKNOWN_HOST;
    }
    // One pass finds the port, the first dot and the hash of the name; the hash one character
    // short is kept for a trailing dot. The wildcard's hash is made only if the name misses.
    int end = n;
    int full = 0;
    int beforeLast = 0;
    int firstDot = -1;
    for (int i = 0; i < n; i++) {
      char c = host.charAt(i);
      if (c == ':') {
        if (!HostName.isPort(host, i + 1, n)) {
          return Resolution.UNKNOWN_HOST;
        }
        end = i;
        break;
      }
      if (i > HostName.MAX_LENGTH) {
        return Resolution.UNKNOWN_HOST; // too long even without a trailing dot
      }
      if (c == '.' && firstDot < 0) {
        firstDot = i;
      }
      beforeLast = full;
      full = Hashing.step(full, HostName.asciiLower(c));
    }
    if (end > 0 && host.charAt(end - 1) == '.') {
      end--;
      full = beforeLast;
    }
    if (end == 0 || end > HostName.MAX_LENGTH) {
      return Resolution.UNKNOWN_HOST;
    }
    Resolution r = exact.resolve(host, 0, end, Hashing.spread(full), path);
    if (r != null) {
      return r;
    }
    if (firstDot > 0 && firstDot < end && wildcards.size() > 0 && isLabel(host, 0, firstDot)) {
      int rest = 0;
      for (int i = firstDot + 1; i < end; i++) {
        rest = Hashing.step(rest, HostName.asciiLower(host.charAt(i)));
      }
      r = wildcards.resolve(host, firstDot + 1, end, Hashing.spread(rest), path);
      if (r != null) {
        return r;
      }
    }
    return Resolution.UNKNOWN_HOST;
  }

  /** Whether {@code s[from, to)} is one valid RFC 1123 label, ignoring ASCII case. */
  private static boolean isLabel(CharSequence s, int from, int to) {
    if (to - from > HostName.MAX_LABEL_LENGTH || s.charAt(from) == '-' || s.charAt(to - 1) == '-') {
      return false;
    }
    for (int i = from; i < to; i++) {
      if (!HostName.isLabelChar(HostName.asciiLower(s.charAt(i)))) {
        return false;
      }
    }
    return true;
  }

  /** The declared workspaces, in name order. */
  public Set<WorkspaceId> workspaces() {
    return workspaces;
  }

  /** Whether any route of this table sends requests to the workspace. */
  public boolean routesTo(WorkspaceId workspace) {
    return routeCounts.containsKey(checkNotNull(workspace, "workspace"));
  }

  /** The status of a declared domain, or empty if the domain is not declared. */
  public Optional<DomainStatus> domainStatus(HostName domain) {
    HostEntry e = entry(checkNotNull(domain, "domain"));
    return e == null ? Optional.empty() : Optional.ofNullable(e.status);
  }

  /** Every declared domain with its status, in name order. Costs the size of the table. */
  public SortedMap<HostName, DomainStatus> domains() {
    TreeMap<HostName, DomainStatus> map = new TreeMap<>();
    forEachEntry(
        e -> {
          if (e.status != null) {
            map.put(e.host, e.status);
          }
        });
    return ImmutableSortedMap.copyOfSorted(map);
  }

  /** The routes of one host or wildcard, by prefix; empty if it has none. */
  public List<Route> routes(HostName host) {
    HostEntry e = entry(checkNotNull(host, "host"));
    return e == null ? ImmutableList.of() : e.routes;
  }

  /** Every route, by host and then prefix. Costs the size of the table. */
  public List<Route> routes() {
    List<Route> all = new ArrayList<>();
    forEachEntry(e -> all.addAll(e.routes));
    all.sort(Comparator.comparing(Route::host).thenComparing(Route::prefix));
    return ImmutableList.copyOf(all);
  }

  /** The hosts (and wildcards) that have at least one route, in name order. */
  public Set<HostName> routedHosts() {
    TreeSet<HostName> hosts = new TreeSet<>();
    forEachEntry(
        e -> {
          if (e.hasRoutes()) {
            hosts.add(e.host);
          }
        });
    return ImmutableSortedSet.copyOfSorted(hosts);
  }

  /** The platform-owned suffix under which preview hosts need no verification, if configured. */
  public Optional<HostName> previewSuffix() {
    return Optional.ofNullable(previewSuffix);
  }

  /**
   * Whether this table routes exactly as {@code other} does: the same workspaces, domains and
   * statuses, routes and preview suffix, whatever the revisions. Costs the size of the tables.
   */
  public boolean sameRoutingAs(RoutingTable other) {
    return workspaces.equals(other.workspaces)
        && routes().equals(other.routes())
        && domains().equals(other.domains())
        && previewSuffix().equals(other.previewSuffix());
  }

  long statusEpoch() {
    return statusEpoch;
  }

  private @Nullable HostEntry entry(HostName host) {
    return (host.isWildcard() ? wildcards : exact).getKey(host.lookupKey(), host.lookupHash());
  }

  private void forEachEntry(java.util.function.Consumer<HostEntry> action) {
    exact.forEach(action);
    wildcards.forEach(action);
  }

  /** For example {@code RoutingTable{revision=5, reason=PROMOTE, hosts=3, workspaces=[blue, green]}}. */
  @Override
  public String toString() {
    return "RoutingTable{revision="
        + revision
        + ", reason="
        + reason
        + ", description="
        + description
        + ", hosts="
        + (exact.size() + wildcards.size())
        + ", workspaces="
        + workspaces
        + "}";
  }

  /**
   * Builds a {@link RoutingTable}: a first one from {@link RoutingTable#builder()}, or the next
   * revision from {@link RoutingTable#toBuilder()}. Each method checks its arguments at once;
   * {@link #build()} checks the whole and throws {@link InvalidTableException} listing every
   * problem. A builder is not thread-safe; {@code build()} may be called more than once and each
   * table is independent of later changes to the builder.
   *
   * <p>The first change to a host copies its routes once; later changes to it cost a map operation
   * each (a whole-host change such as {@link #pointHost}, one per route), and {@code build()}
   * compiles each changed host once. Adding n routes to one host costs about n log n, not n².
   */
  public static final class Builder {
    private final @Nullable RoutingTable base;
    private long revision;
    private ChangeReason reason;
    private String description;
    private final HostTable exact;
    private final HostTable wildcards;
    // The hosts this builder changed, in the order it first changed them, as drafts changed in
    // place; an empty draft removes its host. build() makes each into an entry once (a host's
    // routes are compiled once however many were added) and applies them in one batch, which
    // copies each touched part of a table once.
    private final Map<HostName, Draft> pending = new LinkedHashMap<>();
    private @Nullable HostName previewSuffix;
    /** The base table's set until a workspace is declared or removed, then a copy of this builder's own. */
    private Set<WorkspaceId> workspaces;
    private final Map<WorkspaceId, Integer> routeCounts;
    private long statusEpoch;
    private boolean previewSuffixChanged;
    private final Set<WorkspaceId> removedWorkspaces = new LinkedHashSet<>();

    private Builder(@Nullable RoutingTable base) {
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
        revision = base.revision + 1;
        reason = ChangeReason.EDIT;
        description = "edit";
        exact = base.exact;
        wildcards = base.wildcards;
        previewSuffix = base.previewSuffix;
        workspaces = base.workspaces;
        routeCounts = new HashMap<>(base.routeCounts);
        statusEpoch = base.statusEpoch;
      }
    }

    /** Declares a workspace that routes may point at. Declaring one twice is harmless. */
    public Builder workspace(WorkspaceId workspace) {
      if (!workspaces.contains(checkNotNull(workspace, "workspace"))) {
        ownWorkspaces().add(workspace);
      }
      removedWorkspaces.remove(workspace);
      return this;
    }

    /** The workspaces as a set this builder may change, copied from the base table's first. */
    private Set<WorkspaceId> ownWorkspaces() {
      if (workspaces instanceof ImmutableSortedSet) {
        workspaces = new TreeSet<>(workspaces);
      }
      return workspaces;
    }

    /** Declares a workspace by name; see {@link WorkspaceId#of}. */
    public Builder workspace(String name) {
      return workspace(WorkspaceId.of(name));
    }

    /**
     * Withdraws a workspace. {@link #build()} refuses the table if a route still points at it.
     *
     * @throws IllegalArgumentException if the workspace is not declared
     */
    public Builder removeWorkspace(WorkspaceId workspace) {
      checkArgument(
          workspaces.contains(checkNotNull(workspace, "workspace")),
          "workspace %s is not declared (declared: %s)",
          workspace,
          workspaces);
      ownWorkspaces().remove(workspace);
      removedWorkspaces.add(workspace);
      return this;
    }

    /**
     * Declares a domain (or a wildcard) with a verification status, or changes its status. Routes
     * need the domain {@link DomainStatus#VERIFIED}; to withdraw a domain's routes along with its
     * status, see {@link #removeRoutes}.
     */
    public Builder domain(HostName domain, DomainStatus status) {
      checkNotNull(domain, "domain");
      checkNotNull(status, "status");
      Draft d = draft(domain);
      if (d.status() != status) {
        statusEpoch++;
        d.status(status);
        store(d);
      }
      return this;
    }

    /** Declares a domain by name; see {@link HostName#parse}. */
    public Builder domain(String domain, DomainStatus status) {
      checkNotNull(status, "status");
      return domain(HostName.parse(domain), status);
    }

    /**
     * Forgets a domain: its status and all its routes.
     *
     * @throws IllegalArgumentException if the domain is neither declared nor routed
     */
    public Builder removeDomain(HostName domain) {
      Draft d = existing(checkNotNull(domain, "domain"));
      if (d.status() != null) {
        statusEpoch++;
      }
      countRoutes(d.routes(), -1);
      d.status(null);
      d.clearRoutes();
      store(d);
      return this;
    }

    /**
     * Adds a route from a host and a prefix to a workspace.
     *
     * @throws IllegalArgumentException if the host already has a route for this prefix
     */
    public Builder route(HostName host, PathPrefix prefix, WorkspaceId workspace) {
      Route route = Route.of(host, prefix, workspace);
      Draft d = draft(host);
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

    /** Adds a route by names; see {@link #route(HostName, PathPrefix, WorkspaceId)}. */
    public Builder route(String host, String prefix, String workspace) {
      checkNotNull(host, "host");
      checkNotNull(prefix, "prefix");
      checkNotNull(workspace, "workspace");
      return route(HostName.parse(host), PathPrefix.of(prefix), WorkspaceId.of(workspace));
    }

    /**
     * Removes the route of a host for one prefix.
     *
     * @throws IllegalArgumentException if there is no such route
     */
    public Builder removeRoute(HostName host, PathPrefix prefix) {
      Draft d = existing(checkNotNull(host, "host"));
      Route old = d.route(checkNotNull(prefix, "prefix"));
      checkArgument(old != null, "%s has no route for prefix %s (it has %s)", host, prefix, d.sortedRoutes());
      d.remove(prefix);
      countRoutes(List.of(old), -1);
      store(d);
      return this;
    }

    /** Removes every route of a host, keeping its domain status. A host with no routes is fine. */
    public Builder removeRoutes(HostName host) {
      Draft d = draft(checkNotNull(host, "host"));
      if (d.hasRoutes()) {
        countRoutes(d.routes(), -1);
        d.clearRoutes();
        store(d);
      }
      return this;
    }

    /**
     * Points every route of a host at one workspace: the promote of a whole domain.
     *
     * @throws IllegalArgumentException if the host has no routes
     */
    public Builder pointHost(HostName host, WorkspaceId workspace) {
      checkNotNull(workspace, "workspace");
      Draft d = existing(checkNotNull(host, "host"));
      checkArgument(d.hasRoutes(), "%s has no routes to point at %s", host, workspace);
      List<Route> routes = new ArrayList<>(d.routes().size());
      for (Route r : d.routes()) {
        routes.add(r.withWorkspace(workspace));
      }
      replaceRoutes(d, routes);
      return this;
    }

    /**
     * Points the route of a host for one prefix at a workspace.
     *
     * @throws IllegalArgumentException if there is no such route
     */
    public Builder pointRoute(HostName host, PathPrefix prefix, WorkspaceId workspace) {
      checkNotNull(workspace, "workspace");
      Draft d = existing(checkNotNull(host, "host"));
      Route old = d.route(checkNotNull(prefix, "prefix"));
      checkArgument(old != null, "%s has no route for prefix %s (it has %s)", host, prefix, d.sortedRoutes());
      Route pointed = old.withWorkspace(workspace);
      countRoutes(List.of(old), -1);
      countRoutes(List.of(pointed), +1);
      d.put(pointed);
      store(d);
      return this;
    }

    /**
     * Trades the workspaces behind two hosts: production takes staging's and staging production's.
     * When both hosts have the same prefixes, the workspaces trade places prefix by prefix;
     * otherwise each host must send all its routes to one workspace, and the two workspaces trade
     * places while each host keeps its own prefixes.
     *
     * @throws IllegalArgumentException if the hosts are the same, either has no routes, or their
     *     prefixes differ while one of them splits its paths between several workspaces
     */
    public Builder swapRouting(HostName a, HostName b) {
      checkArgument(!checkNotNull(a, "a").equals(checkNotNull(b, "b")), "cannot swap %s with itself", a);
      Draft da = existing(a);
      Draft db = existing(b);
      checkArgument(da.hasRoutes(), "%s has no routes to swap", a);
      checkArgument(db.hasRoutes(), "%s has no routes to swap", b);
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

    private static WorkspaceId soleWorkspace(Draft d, HostName other) {
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

    /**
     * Sets the platform-owned suffix (such as {@code preview.example.net}) under which hosts may
     * carry routes without being verified domains.
     */
    public Builder previewSuffix(HostName suffix) {
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

    /** Sets the preview suffix by name; see {@link HostName#parse}. */
    public Builder previewSuffix(String suffix) {
      return previewSuffix(HostName.parse(suffix));
    }

    /**
     * Sends every path of a preview host (a name under the preview suffix) to a workspace,
     * replacing the host's routes.
     *
     * @throws IllegalStateException if no preview suffix is set
     * @throws IllegalArgumentException if the host is not under it
     */
    public Builder previewHost(HostName host, WorkspaceId workspace) {
      checkNotNull(host, "host");
      checkNotNull(workspace, "workspace");
      checkState(previewSuffix != null, "set a preview suffix before adding preview host %s", host);
      checkArgument(
          isPreview(host, previewSuffix),
          "preview host %s must be a name under the preview suffix %s",
          host,
          previewSuffix);
      Draft d = draft(host);
      Route route = Route.of(host, PathPrefix.ROOT, workspace);
      replaceRoutes(d, List.of(route));
      return this;
    }

    /** Adds a preview host by names; see {@link #previewHost(HostName, WorkspaceId)}. */
    public Builder previewHost(String host, String workspace) {
      checkNotNull(host, "host");
      checkNotNull(workspace, "workspace");
      return previewHost(HostName.parse(host), WorkspaceId.of(workspace));
    }

    /** The table as it stands in this builder, before validation; for the router's own use. */
    Builder describe(long newRevision, ChangeReason newReason, String newDescription) {
      this.revision = newRevision;
      this.reason = newReason;
      this.description = newDescription;
      return this;
    }

    /**
     * Validates and builds the table.
     *
     * @throws InvalidTableException listing every problem, if the table is not valid
     */
    public RoutingTable build() {
      List<String> problems = new ArrayList<>();
      Map<String, HostEntry> exactChanges = new LinkedHashMap<>();
      Map<String, HostEntry> wildcardChanges = new LinkedHashMap<>();
      for (Draft d : pending.values()) {
        HostEntry e = d.entry();
        check(e.host, e.status, e.routes, problems);
        (e.host.isWildcard() ? wildcardChanges : exactChanges).put(e.key, e);
      }
      HostTable newExact = apply(exact, exactChanges);
      HostTable newWildcards = apply(wildcards, wildcardChanges);
      if (previewSuffixChanged && base != null) {
        // Hosts that relied on the old suffix must be under the new one: a full pass, but only
        // when the suffix itself changes.
        java.util.function.Consumer<HostEntry> checkUntouched =
            e -> {
              if (!pending.containsKey(e.host) && e.status != DomainStatus.VERIFIED) {
                check(e.host, e.status, e.routes, problems);
              }
            };
        newExact.forEach(checkUntouched);
        newWildcards.forEach(checkUntouched);
      }
      for (WorkspaceId ws : removedWorkspaces) {
        int n = routeCounts.getOrDefault(ws, 0);
        if (n > 0) {
          problems.add(
              "workspace " + ws + " cannot be removed: " + n
                  + (n == 1 ? " route still points" : " routes still point") + " at it");
        }
      }
      if (!problems.isEmpty()) {
        throw new InvalidTableException(problems);
      }
      return new RoutingTable(this, newExact, newWildcards);
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

    /** The problems of a host's routes, if it has any: its domain's status, their workspaces. */
    private void check(HostName host, @Nullable DomainStatus status, Collection<Route> routes, List<String> problems) {
      if (routes.isEmpty()) {
        return;
      }
      boolean preview = previewSuffix != null && isPreview(host, previewSuffix);
      if (status != DomainStatus.VERIFIED && !preview) {
        problems.add(
            "routes for "
                + host
                + " need a VERIFIED domain"
                + (status == null ? ", but the domain is not declared" : ", but its status is " + status)
                + (previewSuffix == null ? "" : " (and it is not under the preview suffix " + previewSuffix + ")"));
      }
      for (Route r : routes) {
        if (!workspaces.contains(r.workspace())) {
          problems.add(
              "route " + r + " points at workspace " + r.workspace()
                  + ", which is not declared (declared: " + workspaces + ")");
        }
      }
    }

    private static boolean isPreview(HostName host, HostName suffix) {
      return host.isUnder(suffix) && !host.equals(suffix);
    }

    /**
     * The host as this builder has it: its draft if this builder changed it already, otherwise a
     * new draft of the table's entry (or of nothing), which {@link #store} keeps once changed.
     */
    private Draft draft(HostName host) {
      Draft d = pending.get(host);
      if (d != null) {
        return d;
      }
      HostEntry e = (host.isWildcard() ? wildcards : exact).getKey(host.lookupKey(), host.lookupHash());
      return e == null ? new Draft(host, null, List.of()) : new Draft(e.host, e.status, e.routes);
    }

    private Draft existing(HostName host) {
      Draft d = draft(host);
      checkArgument(!d.isEmpty(), "%s is neither a declared domain nor a routed host", host);
      return d;
    }

    private void replaceRoutes(Draft d, List<Route> routes) {
      countRoutes(d.routes(), -1);
      countRoutes(routes, +1);
      d.clearRoutes();
      for (Route r : routes) {
        d.put(r);
      }
      store(d);
    }

    private void countRoutes(Collection<Route> routes, int delta) {
      for (Route r : routes) {
        routeCounts.merge(r.workspace(), delta, Integer::sum);
      }
    }

    private void store(Draft d) {
      pending.putIfAbsent(d.host, d);
    }

    /**
     * A host's status and routes as a builder changes them, in place. It reads its table entry's
     * routes until it first changes them, then copies them once into a map by prefix, so that each
     * later change costs a map operation, not the host's number of routes; {@link #entry()}
     * compiles the immutable {@link HostEntry} once per change, however often the builder builds.
     */
    private static final class Draft {
      final HostName host;
      private @Nullable DomainStatus status;
      /** The routes of the entry this draft started from, in prefix order. */
      private final List<Route> baseRoutes;
      /**
       * Once changed: the routes by prefix (a LinkedHashMap), the base's first in prefix order (a
       * replaced route keeps its place), then those added, in the order added.
       */
      private @Nullable Map<PathPrefix, Route> routes;
      /** The compiled entry, until the next change. */
      private @Nullable HostEntry entry;

      Draft(HostName host, @Nullable DomainStatus status, List<Route> sortedRoutes) {
        this.host = host;
        this.status = status;
        this.baseRoutes = sortedRoutes;
      }

      @Nullable DomainStatus status() {
        return status;
      }

      void status(@Nullable DomainStatus newStatus) {
        status = newStatus;
        entry = null;
      }

      Collection<Route> routes() {
        return routes != null ? routes.values() : baseRoutes;
      }

      /** The routes in prefix order, for messages. */
      List<Route> sortedRoutes() {
        return ImmutableList.sortedCopyOf(HostEntry.BY_PREFIX, routes());
      }

      boolean hasRoutes() {
        return !routes().isEmpty();
      }

      boolean isEmpty() {
        return status == null && !hasRoutes();
      }

      @Nullable Route route(PathPrefix prefix) {
        if (routes != null) {
          return routes.get(prefix);
        }
        int low = 0;
        int high = baseRoutes.size() - 1;
        while (low <= high) {
          int mid = (low + high) >>> 1;
          int c = baseRoutes.get(mid).prefix().compareTo(prefix);
          if (c == 0) {
            return baseRoutes.get(mid);
          } else if (c < 0) {
            low = mid + 1;
          } else {
            high = mid - 1;
          }
        }
        return null;
      }

      boolean hasSamePrefixes(Draft other) {
        if (routes().size() != other.routes().size()) {
          return false;
        }
        for (Route r : routes()) {
          if (other.route(r.prefix()) == null) {
            return false;
          }
        }
        return true;
      }

      void put(Route route) {
        writable().put(route.prefix(), route);
        entry = null;
      }

      void remove(PathPrefix prefix) {
        writable().remove(prefix);
        entry = null;
      }

      void clearRoutes() {
        routes = new LinkedHashMap<>();
        entry = null;
      }

      private Map<PathPrefix, Route> writable() {
        Map<PathPrefix, Route> map = routes;
        if (map == null) {
          map = new LinkedHashMap<>(Math.max(16, baseRoutes.size() * 2));
          for (Route r : baseRoutes) {
            map.put(r.prefix(), r);
          }
          routes = map;
        }
        return map;
      }

      /** The compiled entry (its routes in prefix order); made again only after a change. */
      HostEntry entry() {
        HostEntry e = entry;
        if (e == null) {
          e = HostEntry.of(host, status, routes());
          entry = e;
        }
        return e;
      }
    }
  }
}
