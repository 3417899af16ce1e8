package dev.switchover.spi;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import dev.switchover.RoutingTable;
import dev.switchover.Subscription;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The in-memory {@link TableStore}: one reference, replaced under this object's lock. */
final class InMemoryTableStore implements TableStore {
  private static final Logger log = LoggerFactory.getLogger(InMemoryTableStore.class);

  private final CopyOnWriteArrayList<Consumer<RoutingTable>> watchers = new CopyOnWriteArrayList<>();
  private volatile RoutingTable table;

  InMemoryTableStore(RoutingTable initial) {
    this.table = checkNotNull(initial, "initial");
  }

  @Override
  public RoutingTable load() {
    return table;
  }

  @Override
  public synchronized boolean compareAndSet(long expectedRevision, RoutingTable next) {
    checkNotNull(next, "next");
    if (table.revision() != expectedRevision) {
      return false;
    }
    checkArgument(
        next.revision() > expectedRevision,
        "the next table's revision %s must be greater than %s",
        next.revision(),
        expectedRevision);
    table = next;
    for (Consumer<RoutingTable> w : watchers) {
      try {
        w.accept(next);
      } catch (RuntimeException e) {
        log.warn("store watcher {} failed on revision {}", w, next.revision(), e);
      }
    }
    return true;
  }

  @Override
  public Subscription watch(Consumer<RoutingTable> watcher) {
    checkNotNull(watcher, "watcher");
    watchers.add(watcher);
    return () -> watchers.remove(watcher);
  }
}
