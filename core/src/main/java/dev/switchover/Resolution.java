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

  Resolution(Outcome outcome, @Nullable Route route, @Nullable WorkspaceId workspace) {
    this.outcome = outcome;
    this.route = route;
    this.workspace = workspace;
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
   * For example {@code ROUTED shop.example.com/api -> green}, {@code UNKNOWN_HOST}, or for a
   * request a preview token sent elsewhere {@code ROUTED shop.example.com/ -> blue, preview on green}.
   */
  @Override
  public String toString() {
    if (route == null) {
      return outcome.toString();
    }
    return outcome + " " + route + (route.workspace().equals(workspace) ? "" : ", preview on " + workspace);
  }
}
