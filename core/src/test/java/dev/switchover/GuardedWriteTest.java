package dev.switchover;

import static dev.switchover.RouterTest.BLUE;
import static dev.switchover.RouterTest.GREEN;
import static dev.switchover.RouterTest.SHOP;
import static dev.switchover.RouterTest.STAGING;
import static dev.switchover.RouterTest.blueGreen;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchover.spi.TableStore;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

final class GuardedWriteTest {
  @Test
  void rollback_expectedRevision_rollsBackTheChangeItSaw() {
    Router router = Router.create(blueGreen());
    router.promote(SHOP, GREEN);
    RoutingTable back = router.rollback(2);
    assertEquals(3, back.revision());
    assertEquals(ChangeReason.ROLLBACK, back.reason());
    assertEquals(BLUE, router.resolve("shop.example.com", "/").workspace());
  }

  @Test
  void rollback_acrossRevisionsThisRouterNeverSaw_isRefused() {
    // A store that hands the router a table three revisions on, as a fleet's router gets after
    // loading the whole state past a compaction.
    List<Consumer<RoutingTable>> watchers = new ArrayList<>();
    RoutingTable first = blueGreen();
    TableStore store =
        new TableStore() {
          RoutingTable current = first;

          @Override
          public RoutingTable load() {
            return current;
          }

          @Override
          public boolean compareAndSet(long expectedRevision, RoutingTable next) {
            if (current.revision() != expectedRevision) {
              return false;
            }
            current = next;
            watchers.forEach(w -> w.accept(next));
            return true;
          }

          @Override
          public Subscription watch(Consumer<RoutingTable> watcher) {
            watchers.add(watcher);
            return () -> watchers.remove(watcher);
          }
        };
    Router router = Router.builder().store(store).build();
    RoutingTable later =
        first.toBuilder().describe(first.revision() + 3, ChangeReason.PROMOTE, "made elsewhere").build();
    store.compareAndSet(first.revision(), later);
    assertEquals(later.revision(), router.current().revision());
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> router.rollback(later.revision()));
    assertTrue(String.valueOf(e.getMessage()).contains("did not see revisions 2 to 3"), e.getMessage());
    assertEquals(later.revision(), router.current().revision());
  }

  @Test
  void rollback_staleRevision_isRejectedAndChangesNothing() {
    Router router = Router.create(blueGreen());
    router.promote(SHOP, GREEN);
    router.promote(SHOP, PathPrefix.of("/api"), BLUE); // a change the operator never saw
    RoutingTable before = router.current();
    RevisionConflictException e = assertThrows(RevisionConflictException.class, () -> router.rollback(2));
    assertEquals(2, e.expectedRevision());
    assertEquals(3, e.actualRevision());
    assertSame(before, router.current());
  }

  @Test
  void restore_revisionInHistory_publishesItsRoutingAsANewRevision() {
    Router router = Router.create(blueGreen());
    router.promote(SHOP, GREEN);
    router.swap(SHOP, STAGING);
    RoutingTable restored = router.restore(3, 1);
    assertEquals(4, restored.revision());
    assertEquals(ChangeReason.ROLLBACK, restored.reason());
    assertEquals("restore the routing of revision 1", restored.description());
    assertEquals(blueGreen().routes(), restored.routes());
  }

  @Test
  void restore_staleRevision_isRejected() {
    Router router = Router.create(blueGreen());
    router.promote(SHOP, GREEN);
    RevisionConflictException e = assertThrows(RevisionConflictException.class, () -> router.restore(1, 1));
    assertEquals(1, e.expectedRevision());
    assertEquals(2, e.actualRevision());
    assertEquals(2, router.current().revision());
  }

  @Test
  void restore_revisionNotInHistory_isRefusedWithTheRangeItHolds() {
    Router router = Router.builder().initialTable(blueGreen()).historySize(1).build();
    router.promote(SHOP, GREEN);
    router.promote(SHOP, BLUE);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> router.restore(3, 1));
    assertTrue(String.valueOf(e.getMessage()).contains("revision 1 is not in the history (it holds revisions 2 to 2)"), e.getMessage());
    assertEquals(3, router.current().revision());
  }

  @Test
  void restore_currentRevision_isRefused() {
    Router router = Router.create(blueGreen());
    assertThrows(IllegalArgumentException.class, () -> router.restore(1, 1));
  }

  @Test
  void restore_acrossAStatusChange_isRefusedSoARevokedDomainStaysRevoked() {
    Router router = Router.create(blueGreen());
    router.setDomainStatus(STAGING, DomainStatus.REVOKED);
    router.promote(SHOP, GREEN);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> router.restore(3, 1));
    assertTrue(String.valueOf(e.getMessage()).contains("verification status changed"), e.getMessage());
    assertEquals(3, router.current().revision());
  }

  @Test
  void promoteAndSwap_expectedRevision_writeWhenCurrentAndRefuseWhenStale() {
    Router router = Router.create(blueGreen());
    assertEquals(2, router.promote(1, SHOP, PathPrefix.of("/api"), GREEN).revision());
    assertEquals(3, router.promote(2, SHOP, GREEN).revision());
    assertEquals(4, router.swap(3, SHOP, STAGING).revision());
    assertThrows(RevisionConflictException.class, () -> router.promote(3, SHOP, BLUE));
    assertThrows(RevisionConflictException.class, () -> router.promote(3, SHOP, PathPrefix.ROOT, BLUE));
    assertThrows(RevisionConflictException.class, () -> router.swap(3, SHOP, STAGING));
    assertEquals(4, router.current().revision());
  }
}
