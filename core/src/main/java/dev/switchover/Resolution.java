package dev.switchover;

import org.jspecify.annotations.Nullable;

/**
 * The answer of {@link RoutingTable#resolve}: the route a request matched, or why none did.
 *
 * <p>Resolutions are made ahead of time (one per route, and one for each kind of miss), so that
 * resolving allocates nothing. They are immutable and thread-safe.
 *
 * <pre>{@code
 * Resolution r = table.resolve("Shop.Example.com:443", "/api/orders");
 * if (r.isRouted()) {
 *   WorkspaceId target = r.workspace();
 * }
 * }</pre>
 */
public final class Resolution {
  /** What a resolve found. */
  public enum Outcome {
    /** A route matched; {@link #route()} says which. */
    ROUTED,
    /** The table knows no host (or wildcard) by that name: an adapter answers 421. */
    UNKNOWN_HOST,
    /** The host is known but none of its prefixes matches the path: an adapter answers 404. */
    NO_ROUTE
  }

  static final Resolution UNKNOWN_HOST = new Resolution(Outcome.UNKNOWN_HOST, null, null);
  static final Resolution NO_ROUTE = new Resolution(Outcome.NO_ROUTE, null, null);

  private final Outcome outcome;
  private final @Nullable Route route;
  // The route's workspace, kept here too: the caller of a resolve reads it without reading the
  // route, one memory access fewer on the hot path.
  private final @Nullable WorkspaceId workspace;
  /** For the route's own side of a split route: the canary's side, made with it. */
  private final @Nullable Resolution canary;
  /** The route's split, on the route's own side of a split route. */
  private final @Nullable Split split;

  Resolution(Outcome outcome, @Nullable Route route, @Nullable WorkspaceId workspace) {
    this.outcome = outcome;
    this.route = route;
    this.workspace = workspace;
    this.canary = null;
    this.split = null;
  }

  /** The resolution of a routed route, and for a split route its canary's side too. */
  static Resolution of(Route route) {
    Split split = route.splitOrNull();
    return split == null
        ? new Resolution(Outcome.ROUTED, route, route.workspace())
        : new Resolution(route, new Resolution(Outcome.ROUTED, route, split.canary()), split);
  }

  private Resolution(Route route, Resolution canary, Split split) {
    this.outcome = Outcome.ROUTED;
    this.route = route;
    this.workspace = route.workspace();
    this.canary = canary;
    this.split = split;
  }

  /** What the resolve found. */
  public Outcome outcome() {
    return outcome;
  }

  /** Whether a route matched. */
  public boolean isRouted() {
    return route != null;
  }

  /**
   * The route that matched.
   *
   * @throws IllegalStateException if none did
   */
  public Route route() {
    if (route == null) {
      throw new IllegalStateException("no route matched: " + outcome);
    }
    return route;
  }

  /**
   * The workspace that serves the request: the route's, or a preview token's (see {@link
   * Router#admit(CharSequence, CharSequence, PreviewTokens, CharSequence)}).
   *
   * @throws IllegalStateException if none did
   */
  public WorkspaceId workspace() {
    if (workspace == null) {
      throw new IllegalStateException("no route matched: " + outcome);
    }
    return workspace;
  }

  /**
   * Whether the matched route {@linkplain Route#split() splits} its traffic, so that {@link
   * #choose} may answer the canary's side.
   */
  public boolean isSplit() {
    Route r = route;
    return r != null && r.splitOrNull() != null;
  }

  /**
   * Whether a preview token sent this request to a workspace the route does not name (neither its
   * own nor its split's canary).
   */
  boolean isPreview() {
    Route r = route;
    if (r == null || r.workspace().equals(workspace)) {
      return false;
    }
    Split s = r.splitOrNull();
    return s == null || !s.canary().equals(workspace);
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
   * For example {@code ROUTED shop.example.com/api -> green}, {@code UNKNOWN_HOST}, or for a
   * request a preview token sent elsewhere {@code ROUTED shop.example.com/ -> blue, preview on green},
   * or for the canary's side of a split {@code ROUTED shop.example.com/ -> blue, 10% to green, on
   * green}.
   */
  @Override
  public String toString() {
    if (route == null) {
      return outcome.toString();
    }
    if (route.workspace().equals(workspace)) {
      return outcome + " " + route;
    }
    Split split = route.splitOrNull();
    boolean canarySide = split != null && split.canary().equals(workspace);
    return outcome + " " + route + (canarySide ? ", on " : ", preview on ") + workspace;
  }
}
