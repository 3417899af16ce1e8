package dev.switchover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchover.spi.TableStore;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

final class RouterTest {
  static final HostName SHOP = HostName.parse("shop.example.com");
  static final HostName STAGING = HostName.parse("staging.example.com");
  static final WorkspaceId BLUE = WorkspaceId.of("blue");
  static final WorkspaceId GREEN = WorkspaceId.of("green");

  static RoutingTable blueGreen() {
    return RoutingTable.builder()
        .workspace(BLUE)
        .workspace(GREEN)
        .domain(SHOP, DomainStatus.VERIFIED)
        .domain(STAGING, DomainStatus.VERIFIED)
        .route(SHOP, PathPrefix.ROOT, BLUE)
        .route(SHOP, PathPrefix.of("/api"), BLUE)
        .route(STAGING, PathPrefix.ROOT, GREEN)
        .build();
  }

  @Test
  void promote_wholeDomain_pointsEveryRouteAndBumpsTheRevision() {
    Router router = Router.create(blueGreen());
    RoutingTable t = router.promote(SHOP, GREEN);
    assertEquals(2, t.revision());
    assertEquals(ChangeReason.PROMOTE, t.reason());
    assertEquals("promote shop.example.com -> green", t.description());
    assertSame(t, router.current());
    assertEquals(GREEN, router.resolve("shop.example.com", "/").workspace());
    assertEquals(GREEN, router.resolve("shop.example.com", "/api/x").workspace());
  }

  @Test
  void promote_onePrefix_leavesTheOthers() {
    Router router = Router.create(blueGreen());
    router.promote(SHOP, PathPrefix.of("/api"), GREEN);
    assertEquals(BLUE, router.resolve("shop.example.com", "/").workspace());
    assertEquals(GREEN, router.resolve("shop.example.com", "/api").workspace());
  }

  @Test
  void promote_invalid_isRefusedAndChangesNothing() {
    Router router = Router.create(blueGreen());
    RoutingTable before = router.current();
    assertThrows(InvalidTableException.class, () -> router.promote("shop.example.com", "red"));
    assertThrows(IllegalArgumentException.class, () -> router.promote("nowhere.example.com", "green"));
    assertThrows(IllegalArgumentException.class, () -> router.promote(SHOP, PathPrefix.of("/nope"), GREEN));
    assertSame(before, router.current());
    assertTrue(router.history().isEmpty());
  }

  @Test
  void update_staleRevision_isRejectedNamingBothRevisions() {
    Router router = Router.create(blueGreen());
    router.promote(SHOP, GREEN);
    RoutingTable before = router.current();
    RevisionConflictException e = assertThrows(
        RevisionConflictException.class, () -> router.update(1, b -> b.pointHost(SHOP, BLUE)));
    assertEquals(1, e.expectedRevision());
    assertEquals(2, e.actualRevision());
    assertTrue(e.getMessage().contains("expected revision 1 but the current revision is 2"), e.getMessage());
    assertSame(before, router.current());
  }

  @Test
  void update_currentRevision_publishesAnEdit() {
    Router router = Router.create(blueGreen());
    RoutingTable t = router.update(1, b -> b.route(SHOP, PathPrefix.of("/static"), GREEN));
    assertEquals(ChangeReason.EDIT, t.reason());
    assertEquals(GREEN, router.resolve("shop.example.com", "/static/app.js").workspace());
  }

  @Test
  void swap_tradesWorkspacesOfTwoDomains() {
    Router router = Router.create(blueGreen());
    router.swap("shop.example.com", "staging.example.com");
    assertEquals(GREEN, router.resolve("shop.example.com", "/").workspace());
    assertEquals(BLUE, router.resolve("staging.example.com", "/").workspace());
    assertEquals(BLUE, router.resolve("staging.example.com", "/api").workspace());
    assertThrows(IllegalArgumentException.class, () -> router.swap(SHOP, SHOP));
  }

  @Test
  void rollback_twice_returnsToWhereYouWere() {
    Router router = Router.create(blueGreen());
    RoutingTable promoted = router.promote(SHOP, GREEN);
    RoutingTable back = router.rollback();
    assertEquals(3, back.revision());
    assertEquals(ChangeReason.ROLLBACK, back.reason());
    assertTrue(back.sameRoutingAs(blueGreen()));
    RoutingTable again = router.rollback();
    assertEquals(4, again.revision());
    assertTrue(again.sameRoutingAs(promoted));
  }

  @Test
  void rollback_withAReason_saysWhyInTheTable_andIsGuardedByTheRevision() {
    Router router = Router.create(blueGreen());
    RoutingTable promoted = router.promote(SHOP, GREEN);
    RoutingTable back = router.rollback(promoted.revision(), "green failed 12 of 20 requests");
    assertEquals("rollback to the routing of revision 1: green failed 12 of 20 requests", back.description());
    assertTrue(back.sameRoutingAs(blueGreen()));
    assertThrows(RevisionConflictException.class, () -> router.rollback(promoted.revision(), "again"));
    assertThrows(IllegalArgumentException.class, () -> router.rollback(back.revision(), " "));
    assertThrows(IllegalArgumentException.class, () -> router.rollback(back.revision(), "x".repeat(501)));
    assertEquals(back.revision(), router.current().revision(), "a refused rollback changes nothing");
  }

  @Test
  void rollback_withoutHistory_isRefused() {
    Router router = Router.create(blueGreen());
    IllegalStateException e = assertThrows(IllegalStateException.class, router::rollback);
    assertTrue(String.valueOf(e.getMessage()).contains("nothing to roll back"), e.getMessage());
  }

  @Test
  void rollback_afterARevocation_isRefusedSoTheDomainStaysRevoked() {
    Router router = Router.create(blueGreen());
    router.setDomainStatus(STAGING, DomainStatus.REVOKED);
    assertEquals(Resolution.Outcome.UNKNOWN_HOST, router.resolve("staging.example.com", "/").outcome());
    RoutingTable before = router.current();
    assertThrows(IllegalStateException.class, router::rollback);
    assertSame(before, router.current());
  }

  @Test
  void setDomainStatus_notVerified_removesTheRoutesInOneRevision() {
    Router router = Router.create(blueGreen());
    RoutingTable t = router.setDomainStatus(SHOP, DomainStatus.EXPIRED);
    assertEquals(2, t.revision());
    assertEquals(ChangeReason.DOMAIN_STATUS, t.reason());
    assertTrue(t.routes(SHOP).isEmpty());
    assertEquals(DomainStatus.EXPIRED, t.domainStatus(SHOP).orElseThrow());
    assertEquals(Resolution.Outcome.UNKNOWN_HOST, router.resolve("shop.example.com", "/").outcome());
  }

  @Test
  void history_isBoundedAndNewestFirst() {
    Router router = Router.builder().initialTable(blueGreen()).historySize(3).build();
    for (int i = 0; i < 10; i++) {
      router.promote(SHOP, i % 2 == 0 ? GREEN : BLUE);
    }
    List<Long> revisions = new ArrayList<>();
    router.history().forEach(t -> revisions.add(t.revision()));
    assertEquals(List.of(10L, 9L, 8L), revisions);
  }

  @Test
  void listeners_hearEveryTableInRevisionOrder_evenWhenOneThrows() throws Exception {
    Router router = Router.create(blueGreen());
    List<Long> heard = Collections.synchronizedList(new ArrayList<>());
    router.addListener(t -> {
      throw new IllegalStateException("a broken listener");
    });
    router.addListener(t -> heard.add(t.revision()));
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> writes = new ArrayList<>();
      for (int w = 0; w < 4; w++) {
        int writer = w;
        writes.add(pool.submit(() -> {
          for (int i = 0; i < 200; i++) {
            router.promote(SHOP, (i + writer) % 2 == 0 ? GREEN : BLUE);
          }
        }));
      }
      for (Future<?> f : writes) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    List<Long> expected = new ArrayList<>();
    for (long r = 2; r <= 801; r++) {
      expected.add(r);
    }
    assertEquals(expected, heard);
  }

  @Test
  void listener_closed_hearsNothingMore() {
    Router router = Router.create(blueGreen());
    List<Long> heard = new ArrayList<>();
    Subscription s = router.addListener(t -> heard.add(t.revision()));
    router.promote(SHOP, GREEN);
    s.close();
    s.close();
    router.promote(SHOP, BLUE);
    assertEquals(List.of(2L), heard);
  }

  @Test
  void listener_writingFromInsideAListener_keepsRevisionOrder() {
    Router router = Router.create(blueGreen());
    List<Long> heard = new ArrayList<>();
    router.addListener(t -> {
      if (t.revision() == 2) {
        router.promote(SHOP, BLUE);
      }
    });
    router.addListener(t -> heard.add(t.revision()));
    router.promote(SHOP, GREEN);
    assertEquals(List.of(2L, 3L), heard);
  }

  @Test
  void writes_namesAsText_actAsTheValuesDo() {
    Router byText = Router.create(blueGreen());
    Router byValue = Router.create(blueGreen());

    byText.promote("Shop.Example.com", "/api", "green");
    byValue.promote(SHOP, PathPrefix.of("/api"), GREEN);
    assertTrue(byText.current().sameRoutingAs(byValue.current()));
    byText.preparePromote("shop.example.com.", "/api", "blue").commit();
    byValue.preparePromote(SHOP, PathPrefix.of("/api"), BLUE).commit();
    assertTrue(byText.current().sameRoutingAs(byValue.current()));
    byText.setDomainStatus("STAGING.example.com", DomainStatus.REVOKED);
    byValue.setDomainStatus(STAGING, DomainStatus.REVOKED);
    assertTrue(byText.current().sameRoutingAs(byValue.current()));
    assertEquals(byValue.current().description(), byText.current().description());
    assertThrows(IllegalArgumentException.class, () -> byText.promote("shop.example.com", "/api/", "green"));
  }

  @Test
  void rollback_fromAStoreWatcherInsideAWrite_isHeardAfterItInRevisionOrder() {
    TableStore store = TableStore.inMemory(blueGreen());
    Router router = Router.builder().store(store).build();
    List<Long> heard = new ArrayList<>();
    router.addListener(t -> heard.add(t.revision()));
    store.watch(
        t -> {
          if (t.revision() == 2) {
            router.rollback(); // on the writing thread, inside its compare-and-set
          }
        });

    router.promote(SHOP, GREEN);

    assertEquals(List.of(2L, 3L), heard);
    assertEquals(ChangeReason.ROLLBACK, router.current().reason());
    assertEquals(BLUE, router.resolve("shop.example.com", "/").workspace());
  }

  @Test
  void sharedStore_tablesWrittenByAnotherRouter_areSeenAndHeard() {
    TableStore store = TableStore.inMemory(blueGreen());
    Router a = Router.builder().store(store).build();
    Router b = Router.builder().store(store).build();
    List<Long> heardByB = new ArrayList<>();
    b.addListener(t -> heardByB.add(t.revision()));
    a.promote(SHOP, GREEN);
    assertEquals(2, b.current().revision());
    assertEquals(GREEN, b.resolve("shop.example.com", "/").workspace());
    assertEquals(List.of(2L), heardByB);
    // b's own write now starts from revision 2.
    b.promote(SHOP, BLUE);
    assertEquals(3, a.current().revision());
  }

  @Test
  void sharedStore_concurrentWritersOnTwoRouters_convergeWithoutDeadlock() throws Exception {
    TableStore store = TableStore.inMemory(blueGreen());
    Router a = Router.builder().store(store).build();
    Router b = Router.builder().store(store).build();
    List<Long> heardByA = Collections.synchronizedList(new ArrayList<>());
    a.addListener(t -> heardByA.add(t.revision()));
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<Integer>> writers = new ArrayList<>();
      for (Router r : List.of(a, b)) {
        writers.add(pool.submit(() -> {
          int succeeded = 0;
          for (int i = 0; i < 500; i++) {
            try {
              r.promote(SHOP, i % 2 == 0 ? GREEN : BLUE);
              succeeded++;
            } catch (RevisionConflictException e) {
              // the other router wrote first; this router has caught up and tries again
            }
          }
          return succeeded;
        }));
      }
      int total = 0;
      for (Future<Integer> f : writers) {
        total += f.get(60, TimeUnit.SECONDS);
      }
      assertEquals(1 + total, store.load().revision());
      assertSame(store.load(), a.current());
      assertSame(store.load(), b.current());
      // A hears every table once, in order, whoever wrote it.
      List<Long> expected = new ArrayList<>();
      for (long r = 2; r <= 1 + total; r++) {
        expected.add(r);
      }
      assertEquals(expected, heardByA);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void sharedStore_missedWrite_isCaughtUpOnTheNextConflict() {
    TableStore store = TableStore.inMemory(blueGreen());
    Router a = Router.builder().store(store).build();
    a.close(); // a no longer hears the store
    Router b = Router.builder().store(store).build();
    b.promote(SHOP, GREEN);
    assertEquals(1, a.current().revision());
    assertThrows(RevisionConflictException.class, () -> a.promote(SHOP, BLUE));
    assertEquals(2, a.current().revision());
    a.promote(SHOP, BLUE);
    assertEquals(3, store.load().revision());
  }

  @Test
  void builder_settersRefuseBeingSetTwice() {
    assertThrows(IllegalStateException.class, () -> Router.builder().historySize(2).historySize(3));
    assertThrows(IllegalArgumentException.class, () -> Router.builder().historySize(0));
    assertThrows(IllegalStateException.class, () -> Router.builder().initialTable(blueGreen()).store(TableStore.inMemory(blueGreen())));
    assertThrows(IllegalStateException.class, () -> Router.builder().build());
  }
}
