package dev.switchover;

import static com.google.common.base.Preconditions.checkNotNull;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One routing rule: requests for a host (or a wildcard) whose path starts with a prefix go to a
 * workspace.
 *
 * <p>Routes are values: equal when host, prefix and workspace are equal. They are immutable and
 * thread-safe; {@link RoutingTable#resolve} answers with the route that matched.
 *
 * <pre>{@code
 * Route api = Route.of(HostName.parse("shop.example.com"), PathPrefix.of("/api"),
 *     WorkspaceId.of("green"));
 * }</pre>
 */
public final class Route {
  private final HostName host;
  private final PathPrefix prefix;
  private final WorkspaceId workspace;

  private Route(HostName host, PathPrefix prefix, WorkspaceId workspace) {
    this.host = host;
    this.prefix = prefix;
    this.workspace = workspace;
  }

  /** Returns the route from {@code host} and {@code prefix} to {@code workspace}. */
  public static Route of(HostName host, PathPrefix prefix, WorkspaceId workspace) {
    return new Route(
        checkNotNull(host, "host"), checkNotNull(prefix, "prefix"), checkNotNull(workspace, "workspace"));
  }

  /** The host or wildcard this route is for. */
  public HostName host() {
    return host;
  }

  /** The path prefix this route matches. */
  public PathPrefix prefix() {
    return prefix;
  }

  /** The workspace requests are sent to. */
  public WorkspaceId workspace() {
    return workspace;
  }

  /** The same host and prefix, to another workspace. */
  public Route withWorkspace(WorkspaceId newWorkspace) {
    return newWorkspace.equals(workspace) ? this : of(host, prefix, newWorkspace);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Route other
        && host.equals(other.host) && prefix.equals(other.prefix) && workspace.equals(other.workspace);
  }

  @Override
  public int hashCode() {
    return Objects.hash(host, prefix, workspace);
  }

  /** For example {@code shop.example.com/api -> green}. */
  @Override
  public String toString() {
    return host + (prefix.equals(PathPrefix.ROOT) ? "/" : prefix.toString()) + " -> " + workspace;
  }
}
