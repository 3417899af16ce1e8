package dev.switchover.guard;

import dev.switchover.RoutingTable;

/**
 * Hears what a guarded release does: the switch once published, and how the watch after it ended
 * (held, rolled back and why, or a rollback refused because another write came in). Called on the
 * guard's threads; one that throws is logged and does not stop the others or the guard.
 */
@FunctionalInterface
public interface ReleaseListener {
  /**
   * The guarded switch was published (its probes passed), or for a canary each of its steps; the
   * watch of it begins.
   */
  default void switched(RoutingTable table) {}

  /** The watch ended; {@link ReleaseOutcome#reason()} says why. */
  void ended(ReleaseOutcome outcome);
}
