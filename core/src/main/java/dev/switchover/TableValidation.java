package dev.switchover;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The rules a {@link RoutingTable} is built to. It collects every problem it finds, so that one
 * {@link InvalidTableException} lists them all.
 */
final class TableValidation {
  private final @Nullable HostName previewSuffix;
  private final Set<WorkspaceId> workspaces;
  /** Made at the first problem: a valid table, the usual case, allocates no list. */
  private @Nullable List<String> problems;

  TableValidation(@Nullable HostName previewSuffix, Set<WorkspaceId> workspaces) {
    this.previewSuffix = previewSuffix;
    this.workspaces = workspaces;
  }

  /** Whether {@code host} is a preview host: a name under {@code suffix}, not the suffix itself. */
  static boolean isPreview(HostName host, HostName suffix) {
    return host.isUnder(suffix) && !host.equals(suffix);
  }

  /**
   * The routes of a host, if it has any, need a verified domain (or a preview host) and declared
   * workspaces.
   */
  void checkHost(HostEntry entry) {
    if (entry.routes.isEmpty()) {
      return;
    }
    boolean preview = previewSuffix != null && isPreview(entry.host, previewSuffix);
    if (entry.status != DomainStatus.VERIFIED && !preview) {
      add(
          "routes for "
              + entry.host
              + " need a VERIFIED domain"
              + (entry.status == null ? ", but the domain is not declared" : ", but its status is " + entry.status)
              + (previewSuffix == null ? "" : " (and it is not under the preview suffix " + previewSuffix + ")"));
    }
    for (Route r : entry.routes) {
      if (!workspaces.contains(r.workspace())) {
        add(
            "route " + r + " points at workspace " + r.workspace()
                + ", which is not declared (declared: " + workspaces + ")");
      }
      Split split = r.splitOrNull();
      if (split != null && !workspaces.contains(split.canary())) {
        add(
            "route " + r + " splits to workspace " + split.canary()
                + ", which is not declared (declared: " + workspaces + ")");
      }
    }
  }

  /** A removed workspace must have no routes left. */
  void checkRemoved(WorkspaceId workspace, int routes) {
    if (routes > 0) {
      add(
          "workspace " + workspace + " cannot be removed: " + routes
              + (routes == 1 ? " route still points" : " routes still point") + " at it");
    }
  }

  /**
   * Throws if any check found a problem.
   *
   * @throws InvalidTableException listing every problem found
   */
  void throwIfInvalid() {
    if (problems != null) {
      throw new InvalidTableException(problems);
    }
  }

  private void add(String problem) {
    List<String> list = problems;
    if (list == null) {
      list = new ArrayList<>();
      problems = list;
    }
    list.add(problem);
  }
}
