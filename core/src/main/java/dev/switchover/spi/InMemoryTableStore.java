package dev.switchover.spi;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import dev.switchover.RoutingTable;
import dev.switchover.Subscription;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The in-memory {@link TableStore}: one reference, replaced under this object's lock. Watchers are
 * called after the lock is let go (so that a watcher may write to the store, or wait on a lock of
 * its own, without deadlock), one table at a time, in revision order.
 */
final class InMemoryTableStore implements TableStore {
  private static final Logger log = LoggerFactory.getLogger(InMemoryTableStore.class);

  private final CopyOnWriteArrayList<Consumer<RoutingTable>> watchers = new CopyOnWriteArrayList<>();
  private final ConcurrentLinkedQueue<RoutingTable> undelivered = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean delivering = new AtomicBoolean();
  private volatile RoutingTable table;

  InMemoryTableStore(RoutingTable initial) {
    this.table = checkNotNull(initial, "initial");
  }

  @Override
  public RoutingTable load() {
    return table;
  }

  @Override
  public boolean compareAndSet(long expectedRevision, RoutingTable next) {
    checkNotNull(next, "next");
    synchronized (this) {
      if (table.revision() != expectedRevision) {
        return false;
      }
      checkArgument(
          next.revision() > expectedRevision,
          "the next table's revision %s must be greater than %s",
          next.revision(),
          expectedRevision);
      table = next;
      undelivered.add(next);
    }
    deliver();
    return true;
  }

  @Override
  public Subscription watch(Consumer<RoutingTable> watcher) {
    checkNotNull(watcher, "watcher");
    watchers.add(watcher);
    return () -> watchers.remove(watcher);
  }

  private void deliver() {
    while (!undelivered.isEmpty()) {
      if (!delivering.compareAndSet(false, true)) {
        return; // the delivering thread looks at the queue again after letting go
      }
      try {
        RoutingTable next;
        while ((next = undelivered.poll()) != null) {
          for (Consumer<RoutingTable> w : watchers) {
            try {
              w.accept(next);
            } catch (RuntimeException e) {
              log.warn("store watcher {} failed on revision {}", w, next.revision(), e);
            }
          }
        }
      } finally {
        delivering.set(false);
      }
    }
  }
}
