package dev.switchover;

import com.google.common.collect.Interner;
import com.google.common.collect.Interners;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The answer of {@link RoutingTable#resolve}: where a request goes and by which prefix, or why it
 * goes nowhere.
 *
 * <p>A resolution says what serving a request needs: the {@linkplain #workspace() workspace}, the
 * {@linkplain #prefix() prefix} that matched and whether the host matched by a {@linkplain
 * #isWildcard() wildcard}. It does not name the host or the {@link Route}: resolutions are made
 * ahead of time and shared by every route that answers alike, so that resolving allocates nothing
 * and the answers of a large table stay few and in cache. The route itself is the host's route
 * with this prefix ({@link RoutingTable#routes(HostName)}; for a wildcard match, the wildcard's).
 * Immutable and thread-safe; compare them with {@link #equals}.
 *
 * <pre>{@code
 * Resolution r = table.resolve("Shop.Example.com:443", "/api/orders");
 * if (r.isRouted()) {
 *   WorkspaceId target = r.workspace();
 *   PathPrefix matched = r.prefix(); // /api
 * }
 * }</pre>
 */
public final class Resolution {
  /** What a resolve found. */
  public enum Outcome {
    /** A route matched; {@link #workspace()} and {@link #prefix()} say where and how. */
    ROUTED,
    /** The table knows no host (or wildcard) by that name: an adapter answers 421. */
    UNKNOWN_HOST,
    /** The host is known but none of its prefixes matches the path: an adapter answers 404. */
    NO_ROUTE
  }

  static final Resolution UNKNOWN_HOST = new Resolution(Outcome.UNKNOWN_HOST);
  static final Resolution NO_ROUTE = new Resolution(Outcome.NO_ROUTE);

  /** The routes' resolutions, one of each: what lets a table of many hosts share them. */
  private static final Interner<Resolution> SHARED = Interners.newWeakInterner();

  private final Outcome outcome;
  /** The workspace that serves the request. */
  private final @Nullable WorkspaceId workspace;
  /** The matched route's own workspace: the same, unless a split's canary or a preview serves. */
  private final @Nullable WorkspaceId routeWorkspace;
  private final @Nullable PathPrefix prefix;
  private final boolean wildcard;
  /** The matched route's split. */
  private final @Nullable Split split;
  /** For the route's own side of a split route: the canary's side, made with it. */
  private final @Nullable Resolution canary;

  private Resolution(Outcome outcome) {
    this.outcome = outcome;
    this.workspace = null;
    this.routeWorkspace = null;
    this.prefix = null;
    this.wildcard = false;
    this.split = null;
    this.canary = null;
  }

  private Resolution(
      WorkspaceId workspace,
      WorkspaceId routeWorkspace,
      PathPrefix prefix,
      boolean wildcard,
      @Nullable Split split,
      @Nullable Resolution canary) {
    this.outcome = Outcome.ROUTED;
    this.workspace = workspace;
    this.routeWorkspace = routeWorkspace;
    this.prefix = prefix;
    this.wildcard = wildcard;
    this.split = split;
    this.canary = canary;
  }

  /** The shared resolution of a route, and for a split route its canary's side too. */
  static Resolution of(Route route) {
    boolean wildcard = route.host().isWildcard();
    Split split = route.splitOrNull();
    Resolution canary =
        split == null
            ? null
            : SHARED.intern(
                new Resolution(split.canary(), route.workspace(), route.prefix(), wildcard, split, null));
    return SHARED.intern(
        new Resolution(route.workspace(), route.workspace(), route.prefix(), wildcard, split, canary));
  }

  /** This routed resolution served by a preview token's workspace instead. Allocates. */
  Resolution previewOn(WorkspaceId previewWorkspace) {
    return new Resolution(previewWorkspace, routeWorkspace(), prefix(), wildcard, split, null);
  }

  /** What the resolve found. */
  public Outcome outcome() {
    return outcome;
  }

  /** Whether a route matched. */
  public boolean isRouted() {
    return workspace != null;
  }

  /**
   * The workspace that serves the request: the route's, its split's canary's (see {@link #choose}),
   * or a preview token's (see {@link Router#admit(CharSequence, CharSequence, PreviewTokens,
   * CharSequence)}).
   *
   * @throws IllegalStateException if no route matched
   */
  public WorkspaceId workspace() {
    if (workspace == null) {
      throw new IllegalStateException("no route matched: " + outcome);
    }
    return workspace;
  }

  /**
   * The prefix of the route that matched: the longest of the host's prefixes that the path starts
   * with on a segment boundary.
   *
   * @throws IllegalStateException if no route matched
   */
  public PathPrefix prefix() {
    if (prefix == null) {
      throw new IllegalStateException("no route matched: " + outcome);
    }
    return prefix;
  }

  /**
   * Whether the host matched by a wildcard domain ({@code *.example.com}) rather than by a name of
   * its own; false when no route matched.
   */
  public boolean isWildcard() {
    return wildcard;
  }

  private WorkspaceId routeWorkspace() {
    if (routeWorkspace == null) {
      throw new IllegalStateException("no route matched: " + outcome);
    }
    return routeWorkspace;
  }

  /**
   * Whether the matched route {@linkplain Route#split() splits} its traffic, so that {@link
   * #choose} may answer the canary's side.
   */
  public boolean isSplit() {
    return split != null;
  }

  /**
   * Whether a preview token sent this request to a workspace the route does not name (neither its
   * own nor its split's canary).
   */
  boolean isPreview() {
    WorkspaceId w = workspace;
    if (w == null || w.equals(routeWorkspace)) {
      return false;
    }
    Split s = split;
    return s == null || !s.canary().equals(w);
  }

  /**
   * The side of a split route a request with this sticky key takes: the canary's resolution when
   * the key's {@linkplain Split#bucketOf bucket} falls within the split's weight, otherwise this
   * one. Without a split (and on the canary's side already), this one. Allocates nothing.
   */
  public Resolution choose(CharSequence stickyKey) {
    if (stickyKey == null) {
      throw new NullPointerException("stickyKey");
    }
    Resolution c = canary;
    Split s = split;
    return c != null && s != null && s.choosesCanary(stickyKey) ? c : this;
  }

  /**
   * Equal when everything this resolution says is equal: outcome, workspace, the route's own
   * workspace, prefix, the host's kind and the split.
   */
  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Resolution r
        && outcome == r.outcome
        && wildcard == r.wildcard
        && Objects.equals(workspace, r.workspace)
        && Objects.equals(routeWorkspace, r.routeWorkspace)
        && Objects.equals(prefix, r.prefix)
        && Objects.equals(split, r.split)
        && (canary == null) == (r.canary == null);
  }

  @Override
  public int hashCode() {
    return Objects.hash(outcome, workspace, routeWorkspace, prefix, wildcard, split);
  }

  /**
   * For example {@code ROUTED /api -> green}, {@code UNKNOWN_HOST}, {@code ROUTED /
   * -> blue (wildcard)}, or for a request a preview token sent elsewhere {@code ROUTED / -> blue,
   * preview on green}, or for the canary's side of a split {@code ROUTED / -> blue, 10% to green, on
   * green}.
   */
  @Override
  public String toString() {
    if (workspace == null) {
      return outcome.toString();
    }
    StringBuilder b = new StringBuilder().append(outcome).append(' ');
    b.append(prefix).append(" -> ").append(routeWorkspace);
    if (split != null) {
      b.append(", ").append(split);
    }
    if (wildcard) {
      b.append(" (wildcard)");
    }
    if (!Objects.equals(workspace, routeWorkspace)) {
      boolean canarySide = split != null && split.canary().equals(workspace);
      b.append(canarySide ? ", on " : ", preview on ").append(workspace);
    }
    return b.toString();
  }
}
