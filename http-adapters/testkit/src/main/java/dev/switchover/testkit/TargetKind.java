package dev.switchover.testkit;

/** The two kinds of workspace target every scenario runs against. */
public enum TargetKind {
  /** Workspaces are handlers inside the router's server. */
  IN_PROCESS,
  /** Workspaces are {@link WorkspaceServer}s the adapter proxies to. */
  UPSTREAM
}
