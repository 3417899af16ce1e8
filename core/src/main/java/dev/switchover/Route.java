package dev.switchover;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One routing rule: requests for a host (or a wildcard) whose path starts with a prefix go to a
 * workspace, or, when the route carries a {@link Split}, are shared between that workspace and a
 * canary by weight.
 *
 * <p>Routes are values: equal when host, prefix, workspace and split are equal. They are immutable
 * and thread-safe; {@link RoutingTable#resolve} answers with the workspace and prefix of the route that matched.
 *
 * <pre>{@code
 * Route api = Route.of(HostName.parse("shop.example.com"), PathPrefix.of("/api"),
 *     WorkspaceId.of("blue"));
 * Route canary = api.withSplit(Split.ofPercent(WorkspaceId.of("green"), 10));
 * }</pre>
 */
public final class Route {
  private final HostName host;
  private final PathPrefix prefix;
  private final WorkspaceId workspace;
  private final @Nullable Split split;

  private Route(HostName host, PathPrefix prefix, WorkspaceId workspace, @Nullable Split split) {
    this.host = host;
    this.prefix = prefix;
    this.workspace = workspace;
    this.split = split;
  }

  /** Returns the route from {@code host} and {@code prefix} to {@code workspace}. */
  public static Route of(HostName host, PathPrefix prefix, WorkspaceId workspace) {
    return new Route(
        checkNotNull(host, "host"), checkNotNull(prefix, "prefix"), checkNotNull(workspace, "workspace"), null);
  }

  /** The host or wildcard this route is for. */
  public HostName host() {
    return host;
  }

  /** The path prefix this route matches. */
  public PathPrefix prefix() {
    return prefix;
  }

  /** The workspace requests are sent to, apart from a split's share. */
  public WorkspaceId workspace() {
    return workspace;
  }

  /** The share of this route's traffic sent to a canary, if any. */
  public Optional<Split> split() {
    return Optional.ofNullable(split);
  }

  /** The split, or null; for the lookup's compiler, which must not allocate an Optional per route. */
  @Nullable Split splitOrNull() {
    return split;
  }

  /**
   * The same host and prefix, all to another workspace: a promote. A split the route had ends, as
   * the whole of its traffic now goes to {@code newWorkspace}.
   */
  public Route withWorkspace(WorkspaceId newWorkspace) {
    return newWorkspace.equals(workspace) && split == null ? this : of(host, prefix, newWorkspace);
  }

  /**
   * The same route with a share of its traffic sent to a canary.
   *
   * @throws IllegalArgumentException if the canary is this route's own workspace
   */
  public Route withSplit(Split newSplit) {
    checkNotNull(newSplit, "split");
    checkArgument(
        !newSplit.canary().equals(workspace),
        "route %s cannot split to its own workspace %s",
        this,
        workspace);
    return newSplit.equals(split) ? this : new Route(host, prefix, workspace, newSplit);
  }

  /** The same route without a split: all of its traffic to its workspace. */
  public Route withoutSplit() {
    return split == null ? this : of(host, prefix, workspace);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Route other
        && host.equals(other.host)
        && prefix.equals(other.prefix)
        && workspace.equals(other.workspace)
        && Objects.equals(split, other.split);
  }

  @Override
  public int hashCode() {
    return Objects.hash(host, prefix, workspace, split);
  }

  /** For example {@code shop.example.com/api -> green}, or {@code shop.example.com/ -> blue, 10% to green}. */
  @Override
  public String toString() {
    return host + (prefix.equals(PathPrefix.ROOT) ? "/" : prefix.toString()) + " -> " + workspace
        + (split == null ? "" : ", " + split);
  }
}
