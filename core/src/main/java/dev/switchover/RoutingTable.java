package dev.switchover;

import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import com.google.common.collect.ImmutableSortedMap;
import com.google.common.collect.ImmutableSortedSet;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * An immutable, validated snapshot of the routing: which workspaces exist, which domains are
 * declared and with what verification status, which routes send a host and a path prefix to a
 * workspace, and which preview hosts (under the platform-owned preview suffix) reach a workspace
 * without verification.
 *
 * <p>A table is made by a {@link Builder} and validated when built: every route's host is a
 * {@link DomainStatus#VERIFIED} domain or a preview host, every route's workspace is declared, no
 * two routes share a host and a prefix. A table that fails validation is never made. Each table
 * carries a {@link #revision()} and the {@link #reason()} it was made; the {@link Router}
 * publishes revisions in increasing order.
 *
 * <p>{@link #resolve} is the hot path: it allocates nothing, takes no lock, and costs the length
 * of the host and the depth of the path, whatever the number of routes. The next revision, made
 * by {@link #toBuilder()}, shares every host it does not change with this one, so that a write
 * costs what it changes, not the size of the table. Tables are thread-safe.
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
  /** The longest {@link #actor()} a table takes. */
  static final int MAX_ACTOR_LENGTH = 256;

  private final long revision;
  private final ChangeReason reason;
  private final String description;
  private final @Nullable String actor;
  // The rest is also read by TableBuilder, which makes the next revision from it.
  final HostTable exact;
  final HostTable wildcards;
  final @Nullable HostName previewSuffix;
  final ImmutableSortedSet<WorkspaceId> workspaces;
  /** The number of routes to each workspace that has any. */
  final ImmutableMap<WorkspaceId, Integer> routeCounts;
  /** The number of routes that {@linkplain Route#split() split} their traffic. */
  final int splitRoutes;
  /** Counts the changes of any domain's status; a rollback may not cross one. */
  final long statusEpoch;
  /** The revision of the table this one was built from; 0 for a first table. */
  private final long baseRevision;
  /** The hosts changed from the base table; null for a first table, where every host is new. */
  private final @Nullable ImmutableSet<HostName> changedHosts;

  RoutingTable(
      long revision,
      ChangeReason reason,
      String description,
      @Nullable String actor,
      HostTable exact,
      HostTable wildcards,
      @Nullable HostName previewSuffix,
      ImmutableSortedSet<WorkspaceId> workspaces,
      ImmutableMap<WorkspaceId, Integer> routeCounts,
      int splitRoutes,
      long statusEpoch,
      long baseRevision,
      @Nullable ImmutableSet<HostName> changedHosts) {
    this.revision = revision;
    this.reason = reason;
    this.description = description;
    this.actor = actor;
    this.exact = exact;
    this.wildcards = wildcards;
    this.previewSuffix = previewSuffix;
    this.workspaces = workspaces;
    this.routeCounts = routeCounts;
    this.splitRoutes = splitRoutes;
    this.statusEpoch = statusEpoch;
    this.baseRevision = baseRevision;
    this.changedHosts = changedHosts;
  }

  /** A builder for a first table: no workspaces, no domains, no routes, revision 1. */
  public static Builder builder() {
    return new TableBuilder(null);
  }

  /**
   * A builder that starts from this table and makes the next revision; unchanged hosts are shared
   * with this table, and only what changes is validated again.
   */
  public Builder toBuilder() {
    return new TableBuilder(this);
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
   * Who made this revision, if its writer said so: the name an operator acted under (an admin
   * token's name, say), set by {@link Router#actingAs} or {@link Builder#describe(long,
   * ChangeReason, String, String)}. A store shared by a fleet keeps it with the revision, so that
   * every router of the fleet tells who made it. Empty for a table built without one.
   */
  public Optional<String> actor() {
    return Optional.ofNullable(actor);
  }

  /** This table, said to be made by {@code who}; shares everything else with this one. */
  RoutingTable madeBy(@Nullable String who) {
    if (Objects.equals(who, actor)) {
      return this;
    }
    return new RoutingTable(
        revision, reason, description, who, exact, wildcards, previewSuffix, workspaces, routeCounts,
        splitRoutes, statusEpoch, baseRevision, changedHosts);
  }

  /**
   * The revision of the table this one was built from by {@link #toBuilder()}, or 0 for a table
   * built from {@link #builder()}. With {@link #changedHosts()} it tells a store what to write:
   * the change, not the whole table.
   */
  public long baseRevision() {
    return baseRevision;
  }

  /**
   * The hosts (and wildcards) whose status or routes may differ from the table this one was built
   * from ({@link #baseRevision()}); every other host is exactly as that table has it. For a table
   * built from {@link #builder()}, every host, which costs the size of the table; otherwise the
   * size of the change. A host named here may also be unchanged (set to what it was), or gone.
   */
  public Set<HostName> changedHosts() {
    ImmutableSet<HostName> changed = changedHosts;
    if (changed != null) {
      return changed;
    }
    ImmutableSet.Builder<HostName> all = ImmutableSet.builder();
    forEachEntry(e -> all.add(e.host));
    return all.build();
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
    // A port is one to five digits after the last ':', so a name that does not end in a digit
    // has none, and the ':' of one that does is among its last six characters. A ':' before
    // those stays in the name, which then matches no key: names hold no ':'.
    int end = n;
    char last = host.charAt(n - 1);
    if (last >= '0' && last <= '9') {
      for (int i = n - 2, stop = Math.max(1, n - 6); i >= stop; i--) {
        char c = host.charAt(i);
        if (c == ':') {
          if (!HostName.isPort(host, i + 1, n)) {
            return Resolution.UNKNOWN_HOST;
          }
          end = i;
          break;
        }
        if (c < '0' || c > '9') {
          break;
        }
      }
    } else if (last == ':') {
      return Resolution.UNKNOWN_HOST; // an empty port
    }
    if (host.charAt(end - 1) == '.') {
      end--;
    }
    if (end == 0 || end > HostName.MAX_LENGTH) {
      return Resolution.UNKNOWN_HOST;
    }
    Resolution r = exact.resolve(host, 0, end, path);
    if (r != null) {
      return r;
    }
    // the wildcard's name is looked for only when the exact one misses
    if (wildcards.size() > 0) {
      int firstDot = indexOf(host, '.', end);
      if (firstDot > 0 && isLabel(host, 0, firstDot)) {
        r = wildcards.resolve(host, firstDot + 1, end, path);
        if (r != null) {
          return r;
        }
      }
    }
    return Resolution.UNKNOWN_HOST;
  }

  /** The first {@code c} in {@code s[0, end)}, or -1. */
  private static int indexOf(CharSequence s, char c, int end) {
    for (int i = 0; i < end; i++) {
      if (s.charAt(i) == c) {
        return i;
      }
    }
    return -1;
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

  /**
   * Whether any route of this table {@linkplain Route#split() splits} its traffic with a canary.
   * One field read.
   */
  public boolean hasSplits() {
    return splitRoutes > 0;
  }

  /** Whether any route of this table sends requests to the workspace (as its own or as a canary). */
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
  boolean sameRoutingAs(RoutingTable other) {
    return workspaces.equals(other.workspaces)
        && routes().equals(other.routes())
        && domains().equals(other.domains())
        && previewSuffix().equals(other.previewSuffix());
  }

  @Nullable HostEntry entry(HostName host) {
    return (host.isWildcard() ? wildcards : exact).getKey(host.lookupKey(), host.lookupHash());
  }

  private void forEachEntry(Consumer<HostEntry> action) {
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
        + (actor == null ? "" : ", actor=" + actor)
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
   * table is independent of later changes to the builder. Adding n routes to one host costs about
   * n log n, not n². Each method that takes a host, a prefix or a workspace also takes them as text
   * ({@link HostName#parse}, {@link PathPrefix#of}, {@link WorkspaceId#of}).
   */
  public abstract static sealed class Builder permits TableBuilder {
    // Abstract only to keep this, the public contract, apart from its one implementation
    // (TableBuilder), with no extra object or call on the write path.
    Builder() {}

    /** Declares a workspace that routes may point at. Declaring one twice is harmless. */
    public abstract Builder workspace(WorkspaceId workspace);

    /** Declares a workspace by name; see {@link WorkspaceId#of}. */
    public final Builder workspace(String name) {
      return workspace(WorkspaceId.of(name));
    }

    /**
     * Withdraws a workspace. {@link #build()} refuses the table if a route still points at it.
     *
     * @throws IllegalArgumentException if the workspace is not declared
     */
    public abstract Builder removeWorkspace(WorkspaceId workspace);

    /** Withdraws a workspace by name; see {@link #removeWorkspace(WorkspaceId)}. */
    public final Builder removeWorkspace(String name) {
      return removeWorkspace(WorkspaceId.of(name));
    }

    /**
     * Declares a domain (or a wildcard) with a verification status, or changes its status. Routes
     * need the domain {@link DomainStatus#VERIFIED}; to withdraw a domain's routes along with its
     * status, see {@link #removeRoutes}.
     */
    public abstract Builder domain(HostName domain, DomainStatus status);

    /** Declares a domain by name; see {@link HostName#parse}. */
    public final Builder domain(String domain, DomainStatus status) {
      checkNotNull(status, "status");
      return domain(HostName.parse(domain), status);
    }

    /**
     * Forgets a domain: its status and all its routes.
     *
     * @throws IllegalArgumentException if the domain is neither declared nor routed
     */
    public abstract Builder removeDomain(HostName domain);

    /** Forgets a domain by name; see {@link #removeDomain(HostName)}. */
    public final Builder removeDomain(String domain) {
      return removeDomain(HostName.parse(domain));
    }

    /**
     * Adds a route from a host and a prefix to a workspace.
     *
     * @throws IllegalArgumentException if the host already has a route for this prefix
     */
    public abstract Builder route(HostName host, PathPrefix prefix, WorkspaceId workspace);

    /** Adds a route by names; see {@link #route(HostName, PathPrefix, WorkspaceId)}. */
    public final Builder route(String host, String prefix, String workspace) {
      checkNotNull(host, "host");
      checkNotNull(prefix, "prefix");
      checkNotNull(workspace, "workspace");
      return route(HostName.parse(host), PathPrefix.of(prefix), WorkspaceId.of(workspace));
    }

    /**
     * Adds a route as it is, with its {@linkplain Route#split() split} if it has one.
     *
     * @throws IllegalArgumentException if the host already has a route for this prefix
     */
    public abstract Builder route(Route route);

    /**
     * Sends a share of every route of a host to a canary workspace, replacing any split they had.
     * A {@linkplain #pointHost promote} ends the split; so does {@link #removeSplits}.
     *
     * @throws IllegalArgumentException if the host has no routes, or one of them already points at
     *     the canary
     */
    public abstract Builder splitHost(HostName host, Split split);

    /**
     * Sends a share of the route of a host for one prefix to a canary workspace, replacing any split
     * it had.
     *
     * @throws IllegalArgumentException if there is no such route, or it already points at the canary
     */
    public abstract Builder splitRoute(HostName host, PathPrefix prefix, Split split);

    /**
     * Ends every split of a host's routes: all of each route's traffic goes to its own workspace
     * again.
     *
     * @throws IllegalArgumentException if the host is not in the table, or none of its routes splits
     */
    public abstract Builder removeSplits(HostName host);

    /**
     * Ends the split of the route of a host for one prefix.
     *
     * @throws IllegalArgumentException if there is no such route, or it does not split
     */
    public abstract Builder removeSplit(HostName host, PathPrefix prefix);

    /**
     * Removes the route of a host for one prefix.
     *
     * @throws IllegalArgumentException if there is no such route
     */
    public abstract Builder removeRoute(HostName host, PathPrefix prefix);

    /** Removes a route by names; see {@link #removeRoute(HostName, PathPrefix)}. */
    public final Builder removeRoute(String host, String prefix) {
      checkNotNull(host, "host");
      checkNotNull(prefix, "prefix");
      return removeRoute(HostName.parse(host), PathPrefix.of(prefix));
    }

    /** Removes every route of a host, keeping its domain status. A host with no routes is fine. */
    public abstract Builder removeRoutes(HostName host);

    /** Removes every route of a host by name; see {@link #removeRoutes(HostName)}. */
    public final Builder removeRoutes(String host) {
      return removeRoutes(HostName.parse(host));
    }

    /**
     * Points every route of a host at one workspace: the promote of a whole domain.
     *
     * @throws IllegalArgumentException if the host has no routes
     */
    public abstract Builder pointHost(HostName host, WorkspaceId workspace);

    /** Points a host by names; see {@link #pointHost(HostName, WorkspaceId)}. */
    public final Builder pointHost(String host, String workspace) {
      checkNotNull(host, "host");
      checkNotNull(workspace, "workspace");
      return pointHost(HostName.parse(host), WorkspaceId.of(workspace));
    }

    /**
     * Points the route of a host for one prefix at a workspace.
     *
     * @throws IllegalArgumentException if there is no such route
     */
    public abstract Builder pointRoute(HostName host, PathPrefix prefix, WorkspaceId workspace);

    /** Points a route by names; see {@link #pointRoute(HostName, PathPrefix, WorkspaceId)}. */
    public final Builder pointRoute(String host, String prefix, String workspace) {
      checkNotNull(host, "host");
      checkNotNull(prefix, "prefix");
      checkNotNull(workspace, "workspace");
      return pointRoute(HostName.parse(host), PathPrefix.of(prefix), WorkspaceId.of(workspace));
    }

    /**
     * Trades the workspaces behind two hosts: production takes staging's and staging production's.
     * When both hosts have the same prefixes, the workspaces trade places prefix by prefix;
     * otherwise each host must send all its routes to one workspace, and the two workspaces trade
     * places while each host keeps its own prefixes.
     *
     * @throws IllegalArgumentException if the hosts are the same, either has no routes, their
     *     prefixes differ while one of them splits its paths between several workspaces, or a route
     *     of either {@linkplain Route#split() splits its traffic} with a canary
     */
    public abstract Builder swapRouting(HostName a, HostName b);

    /** Swaps by names; see {@link #swapRouting(HostName, HostName)}. */
    public final Builder swapRouting(String a, String b) {
      checkNotNull(a, "a");
      checkNotNull(b, "b");
      return swapRouting(HostName.parse(a), HostName.parse(b));
    }

    /**
     * Sets the platform-owned suffix (such as {@code preview.example.net}) under which hosts may
     * carry routes without being verified domains.
     *
     * @throws IllegalArgumentException if the suffix is a wildcard or a public suffix
     */
    public abstract Builder previewSuffix(HostName suffix);

    /** Sets the preview suffix by name; see {@link HostName#parse}. */
    public final Builder previewSuffix(String suffix) {
      return previewSuffix(HostName.parse(suffix));
    }

    /**
     * Sends every path of a preview host (a name under the preview suffix) to a workspace,
     * replacing the host's routes.
     *
     * @throws IllegalStateException if no preview suffix is set
     * @throws IllegalArgumentException if the host is not under it
     */
    public abstract Builder previewHost(HostName host, WorkspaceId workspace);

    /** Adds a preview host by names; see {@link #previewHost(HostName, WorkspaceId)}. */
    public final Builder previewHost(String host, String workspace) {
      checkNotNull(host, "host");
      checkNotNull(workspace, "workspace");
      return previewHost(HostName.parse(host), WorkspaceId.of(workspace));
    }

    /**
     * Sets the revision, reason and description of the table to build. The {@link Router} sets
     * them on each of its writes; a {@link dev.switchover.spi.TableStore} that rebuilds a table
     * another router wrote sets them to what that router published, so that every router of a
     * fleet names the same table by the same revision.
     *
     * @throws IllegalArgumentException if the revision is less than 1
     */
    public abstract Builder describe(long revision, ChangeReason reason, String description);

    /**
     * Sets the revision, reason and description of the table to build, and who made it (see
     * {@link RoutingTable#actor()}; null for no one named). A store that rebuilds a table another
     * router wrote passes on the actor that router stored with it.
     *
     * @throws IllegalArgumentException if the revision is less than 1, or the actor is empty,
     *     longer than 256 characters or holds a control character
     */
    public abstract Builder describe(
        long revision, ChangeReason reason, String description, @Nullable String actor);

    /**
     * Validates and builds the table.
     *
     * @throws InvalidTableException listing every problem, if the table is not valid
     */
    public abstract RoutingTable build();
  }
}
