package dev.switchover.spi;

import dev.switchover.RoutingTable;
import dev.switchover.Subscription;
import java.util.function.Consumer;

/**
 * Where a {@link dev.switchover.Router} keeps its routing table: load it, replace it by
 * compare-and-set on the revision, and watch for tables written by others.
 *
 * <p>The default keeps the table in memory ({@link #inMemory}). A store shared by a fleet of
 * routers (backed by a distributed engine) implements the same three operations; the router
 * needs nothing else. Implementations must be thread-safe.
 *
 * <p>A store outside core writes the change rather than the table ({@link
 * RoutingTable#baseRevision()}, {@link RoutingTable#changedHosts()}), reads a table whole through
 * its public accessors, and rebuilds the tables others wrote with {@link RoutingTable#toBuilder()}
 * and {@link RoutingTable.Builder#describe}, so that they carry the writer's revision.
 */
public interface TableStore {
  /** The current table. */
  RoutingTable load();

  /**
   * Replaces the current table with {@code next} if, and only if, the current table's revision is
   * {@code expectedRevision}. Implementations must refuse a {@code next} whose revision is not
   * greater than the current one: the router relies on a revision naming one table of a store.
   *
   * @return whether the table was replaced
   */
  boolean compareAndSet(long expectedRevision, RoutingTable next);

  /**
   * Calls {@code watcher} with each table this store publishes from now on, in revision order,
   * whoever wrote it.
   */
  Subscription watch(Consumer<RoutingTable> watcher);

  /** A store that keeps the table in this process's memory, starting with {@code initial}. */
  static TableStore inMemory(RoutingTable initial) {
    return new InMemoryTableStore(initial);
  }
}
