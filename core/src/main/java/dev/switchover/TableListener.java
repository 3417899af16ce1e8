package dev.switchover;

/**
 * Hears about each routing table a {@link Router} publishes, after it is published, in revision
 * order. Listeners run on a writer's thread and should be quick; one that throws is logged and
 * does not stop the others or the writer.
 */
@FunctionalInterface
public interface TableListener {
  /** Called once for each published table, in increasing revision order. */
  void published(RoutingTable table);
}
