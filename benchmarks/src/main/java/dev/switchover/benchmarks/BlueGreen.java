package dev.switchover.benchmarks;

import dev.switchover.WorkspaceId;

/** Green, blue, green, ...: the target of each promote, so that every promote changes the table. */
final class BlueGreen {
  private boolean green;

  WorkspaceId next() {
    green = !green;
    return green ? Workload.GREEN : Workload.BLUE;
  }
}
