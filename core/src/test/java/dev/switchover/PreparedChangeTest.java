package dev.switchover;

import static dev.switchover.RouterTest.BLUE;
import static dev.switchover.RouterTest.GREEN;
import static dev.switchover.RouterTest.SHOP;
import static dev.switchover.RouterTest.STAGING;
import static dev.switchover.RouterTest.blueGreen;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchover.spi.TableStore;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

final class PreparedChangeTest {
  static final HostName CHECKOUT = HostName.parse("checkout.example.com");

  @Test
  void preparePromote_publishesNothingUntilCommitted() {
    Router router = Router.create(blueGreen());
    List<Long> heard = new ArrayList<>();
    router.addListener(t -> heard.add(t.revision()));
    RoutingTable before = router.current();

    PreparedChange release = router.preparePromote(SHOP, GREEN);

    assertSame(before, router.current());
    assertEquals(BLUE, router.resolve("shop.example.com", "/api").workspace());
    assertTrue(router.history().isEmpty());
    assertTrue(heard.isEmpty());
    assertFalse(release.isCommitted());
    assertEquals(1, release.baseRevision());
    assertEquals("promote shop.example.com -> green", release.description());
    RoutingTable staged = release.table();
    assertEquals(2, staged.revision());
    assertEquals(ChangeReason.PROMOTE, staged.reason());
    assertEquals(GREEN, staged.resolve("shop.example.com", "/").workspace());
    assertEquals(GREEN, staged.resolve("shop.example.com", "/api/x").workspace());
  }

  @Test
  void commit_atTheBaseRevision_publishesThePreparedTableItself() {
    Router router = Router.create(blueGreen());
    List<RoutingTable> heard = new ArrayList<>();
    router.addListener(heard::add);
    RoutingTable before = router.current();
    PreparedChange release = router.preparePromote("Shop.Example.com.", "green");

    RoutingTable published = release.commit();

    assertSame(release.table(), published);
    assertSame(published, router.current());
    assertTrue(release.isCommitted());
    assertEquals(List.of(published), heard);
    assertEquals(List.of(before), router.history());
    assertEquals(GREEN, router.resolve("shop.example.com", "/api").workspace());
    assertEquals(router.current().revision(), published.revision());
  }

  @Test
  void commit_equalsTheDirectCall() {
    RoutingTable direct = Router.create(blueGreen()).promote(SHOP, PathPrefix.of("/api"), GREEN);
    RoutingTable prepared = Router.create(blueGreen()).preparePromote(SHOP, PathPrefix.of("/api"), GREEN).commit();
    assertEquals(direct.revision(), prepared.revision());
    assertEquals(direct.reason(), prepared.reason());
    assertEquals(direct.description(), prepared.description());
    assertEquals(direct.routes(), prepared.routes());
    assertEquals(BLUE, prepared.resolve("shop.example.com", "/").workspace());
    assertEquals(GREEN, prepared.resolve("shop.example.com", "/api").workspace());
  }

  @Test
  void commit_afterAnotherWrite_appliesTheChangeToTheCurrentTable() {
    Router router = Router.create(withCheckout());
    PreparedChange release = router.preparePromote(SHOP, GREEN);
    RoutingTable other = router.promote(CHECKOUT, GREEN); // published in between

    RoutingTable published = release.commit();

    assertNotSame(release.table(), published);
    assertEquals(other.revision() + 1, published.revision());
    assertEquals("promote shop.example.com -> green", published.description());
    assertEquals(GREEN, router.resolve("shop.example.com", "/").workspace());
    assertEquals(GREEN, router.resolve("checkout.example.com", "/").workspace()); // not undone
    assertSame(other, router.history().get(0));
    assertTrue(release.isCommitted());
  }

  @Test
  void commit_afterAWriteThatUndoesItsGround_isRefusedAndChangesNothing() {
    Router router = Router.create(blueGreen());
    PreparedChange release = router.preparePromote(SHOP, GREEN);
    RoutingTable afterEdit = router.update(1, b -> b.removeRoutes(SHOP)); // SHOP loses its routes

    assertThrows(IllegalArgumentException.class, release::commit);
    assertSame(afterEdit, router.current());
    assertFalse(release.isCommitted());

    router.update(afterEdit.revision(), b -> b.route(SHOP, PathPrefix.ROOT, BLUE));
    RoutingTable published = release.commit(); // may be committed once its ground is back
    assertEquals(GREEN, published.resolve("shop.example.com", "/").workspace());
  }

  @Test
  void commit_afterItsWorkspaceWasRemoved_isInvalidAndChangesNothing() {
    Router router = Router.create(blueGreen().toBuilder().workspace("red").build());
    PreparedChange release = router.preparePromote("shop.example.com", "red");
    router.update(router.current().revision(), b -> b.removeWorkspace(WorkspaceId.of("red")));
    RoutingTable before = router.current();

    assertThrows(InvalidTableException.class, release::commit);
    assertSame(before, router.current());
    assertFalse(release.isCommitted());
  }

  @Test
  void commit_twice_isRefusedAndChangesNothing() {
    Router router = Router.create(blueGreen());
    PreparedChange release = router.preparePromote(SHOP, GREEN);
    release.commit();
    RoutingTable after = router.current();

    IllegalStateException e = assertThrows(IllegalStateException.class, release::commit);
    assertTrue(String.valueOf(e.getMessage()).contains("already committed"), e.getMessage());
    assertTrue(String.valueOf(e.getMessage()).contains("promote shop.example.com -> green"), e.getMessage());
    assertSame(after, router.current());
  }

  @Test
  void prepare_refusesWhatTheDirectCallRefuses_andChangesNothing() {
    Router router = Router.create(blueGreen());
    RoutingTable before = router.current();
    assertThrows(InvalidTableException.class, () -> router.preparePromote("shop.example.com", "red"));
    assertThrows(IllegalArgumentException.class, () -> router.preparePromote(CHECKOUT, GREEN));
    assertThrows(IllegalArgumentException.class, () -> router.preparePromote(SHOP, PathPrefix.of("/nope"), GREEN));
    assertThrows(IllegalArgumentException.class, () -> router.prepareSwap(SHOP, SHOP));
    assertThrows(IllegalArgumentException.class, () -> router.preparePromote("not a host", "green"));
    assertSame(before, router.current());
    assertTrue(router.history().isEmpty());
  }

  @Test
  void prepareSwap_commitTradesTheRouting() {
    Router router = Router.create(blueGreen());
    PreparedChange swap = router.prepareSwap(SHOP, STAGING);
    assertEquals(BLUE, router.resolve("shop.example.com", "/").workspace());
    RoutingTable published = swap.commit();
    assertEquals(ChangeReason.SWAP, published.reason());
    assertEquals(GREEN, router.resolve("shop.example.com", "/").workspace());
    assertEquals(GREEN, router.resolve("shop.example.com", "/api").workspace());
    assertEquals(BLUE, router.resolve("staging.example.com", "/").workspace());
    assertTrue(published.routesTo(BLUE));
    assertTrue(published.routesTo(GREEN));
  }

  @Test
  void commit_thenRollback_returnsToTheBase() {
    Router router = Router.create(blueGreen());
    router.preparePromote(SHOP, GREEN).commit();
    router.rollback();
    assertEquals(BLUE, router.resolve("shop.example.com", "/").workspace());
    assertEquals(3, router.current().revision());
  }

  @Test
  void commit_letsTheOldWorkspaceDrain() throws Exception {
    Router router = Router.create(blueGreen());
    Admission admission = router.admit("shop.example.com", "/");
    assertEquals(BLUE, admission.workspace());
    PreparedChange release = router.preparePromote(SHOP, GREEN);
    assertTrue(router.current().routesTo(BLUE));
    release.commit();
    assertFalse(router.current().routesTo(BLUE));
    CompletableFuture<Void> drained = router.awaitDrained(BLUE);
    assertFalse(drained.isDone());
    admission.close();
    drained.get(10, TimeUnit.SECONDS);
    assertEquals(0, router.inFlight(BLUE));
  }

  @Test
  void commit_whenAnotherRouterSharingTheStoreWroteFirst_isAConflictAndMayBeCommittedAgain() {
    TableStore store = TableStore.inMemory(blueGreen());
    Router a = Router.builder().store(store).build();
    a.close(); // a no longer hears the store, so it learns of b's write only at its compare-and-set
    Router b = Router.builder().store(store).build();
    PreparedChange release = a.preparePromote(SHOP, PathPrefix.of("/api"), GREEN);
    b.promote(STAGING, BLUE);

    assertThrows(RevisionConflictException.class, release::commit);
    assertFalse(release.isCommitted());
    assertEquals(2, a.current().revision()); // caught up

    RoutingTable published = release.commit();
    assertEquals(3, published.revision());
    assertSame(published, store.load());
    assertEquals(GREEN, published.resolve("shop.example.com", "/api").workspace());
    assertEquals(BLUE, published.resolve("staging.example.com", "/").workspace());
  }

  @Test
  void concurrentCommitsOfOneChange_publishItOnce() throws Exception {
    Router router = Router.create(blueGreen());
    PreparedChange release = router.preparePromote(SHOP, GREEN);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Boolean>> results = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        results.add(
            pool.submit(
                () -> {
                  start.await();
                  try {
                    release.commit();
                    return true;
                  } catch (IllegalStateException e) {
                    return false;
                  }
                }));
      }
      start.countDown();
      int won = 0;
      for (Future<Boolean> r : results) {
        won += r.get(10, TimeUnit.SECONDS) ? 1 : 0;
      }
      assertEquals(1, won);
      assertEquals(2, router.current().revision());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void commit_fromAWatcherInsideTheSameCommit_isRefusedAndPublishesOnce() {
    TableStore store = TableStore.inMemory(blueGreen());
    Router router = Router.builder().store(store).build();
    PreparedChange release = router.preparePromote(SHOP, GREEN);
    List<Throwable> inner = new ArrayList<>();
    store.watch(
        t -> {
          try {
            release.commit(); // on the committing thread, inside its compare-and-set
          } catch (RuntimeException e) {
            inner.add(e);
          }
        });

    RoutingTable published = release.commit();

    assertEquals(2, published.revision());
    assertSame(published, router.current());
    assertSame(published, store.load());
    assertEquals(1, inner.size());
    assertTrue(inner.get(0) instanceof IllegalStateException, inner.toString());
    assertTrue(String.valueOf(inner.get(0).getMessage()).contains("being committed"), inner.toString());
    assertTrue(release.isCommitted());
  }

  @Test
  void preparedSwap_afterTheSameSwapMadeDirectly_isAConflictAndChangesNothing() {
    Router router = Router.create(blueGreen());
    List<Long> heard = new ArrayList<>();
    router.addListener(t -> heard.add(t.revision()));
    PreparedChange swap = router.prepareSwap("shop.example.com", "staging.example.com");
    RoutingTable swapped = router.swap(SHOP, STAGING);
    List<RoutingTable> history = router.history();

    assertThrows(RevisionConflictException.class, swap::commit); // it would trade them back
    assertSame(swapped, router.current());
    assertEquals(history, router.history());
    assertEquals(List.of(2L), heard);
    assertFalse(swap.isCommitted());
    assertEquals(GREEN, router.resolve("shop.example.com", "/").workspace());
  }

  @Test
  void preparedSwap_afterAWriteToAnotherHost_isAppliedAgain() {
    Router router = Router.create(withCheckout());
    PreparedChange swap = router.prepareSwap(SHOP, STAGING);
    router.promote(CHECKOUT, GREEN);

    RoutingTable published = swap.commit();

    assertEquals(swap.baseRevision() + 2, published.revision());
    assertTrue(published.sameRoutingAs(swap.table().toBuilder().pointHost(CHECKOUT, GREEN).build()));
    assertEquals(GREEN, router.resolve("shop.example.com", "/api").workspace());
    assertEquals(BLUE, router.resolve("staging.example.com", "/").workspace());
  }

  @Test
  void commit_appliedAgain_listenersHearBothWritesOnceInOrder() {
    Router router = Router.create(withCheckout());
    List<String> heard = new ArrayList<>();
    router.addListener(t -> heard.add(t.revision() + " " + t.description()));
    PreparedChange release = router.preparePromote(SHOP, GREEN);
    router.promote(CHECKOUT, GREEN);
    release.commit();
    long base = release.baseRevision();
    assertEquals(
        List.of((base + 1) + " promote checkout.example.com -> green", (base + 2) + " promote shop.example.com -> green"),
        heard);
  }

  @Test
  void refusedCommit_leavesHistoryAndListenersAlone() {
    Router router = Router.create(blueGreen().toBuilder().workspace("red").build());
    List<Long> heard = new ArrayList<>();
    router.addListener(t -> heard.add(t.revision()));
    PreparedChange release = router.preparePromote("shop.example.com", "red");
    router.update(router.current().revision(), b -> b.removeWorkspace(WorkspaceId.of("red")));
    List<RoutingTable> history = router.history();
    List<Long> heardBefore = List.copyOf(heard);

    assertThrows(InvalidTableException.class, release::commit);
    assertEquals(history, router.history());
    assertEquals(heardBefore, heard);
  }

  @Test
  void commitsRacingDirectWrites_eachLandOnceInOneLineOfRevisions() throws Exception {
    Router router = Router.create(withCheckout());
    long first = router.current().revision();
    List<Long> heard = Collections.synchronizedList(new ArrayList<>());
    router.addListener(t -> heard.add(t.revision()));
    int rounds = 300;
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      CountDownLatch start = new CountDownLatch(1);
      Future<Integer> staged =
          pool.submit(
              () -> {
                start.await();
                int asPrepared = 0;
                for (int i = 0; i < rounds; i++) {
                  PreparedChange release = router.preparePromote(SHOP, i % 2 == 0 ? GREEN : BLUE);
                  RoutingTable published = release.commit();
                  assertTrue(release.isCommitted());
                  asPrepared += published == release.table() ? 1 : 0;
                }
                return asPrepared;
              });
      Future<?> direct =
          pool.submit(
              () -> {
                start.await();
                for (int i = 0; i < rounds; i++) {
                  router.promote(CHECKOUT, i % 2 == 0 ? GREEN : BLUE);
                }
                return null;
              });
      start.countDown();
      staged.get(30, TimeUnit.SECONDS);
      direct.get(30, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
    assertEquals(first + 2L * rounds, router.current().revision());
    assertEquals(BLUE, router.resolve("shop.example.com", "/").workspace()); // the last of each was blue
    assertEquals(BLUE, router.resolve("checkout.example.com", "/").workspace());
    List<Long> expected = new ArrayList<>();
    for (long r = first + 1; r <= first + 2L * rounds; r++) {
      expected.add(r);
    }
    assertEquals(expected, heard);
  }

  @Test
  void prepareSwap_byNames_refusesNullsAndBadNames() {
    Router router = Router.create(blueGreen());
    assertThrows(IllegalArgumentException.class, () -> router.prepareSwap("shop.example.com", "not a host"));
    assertEquals("swap shop.example.com <-> staging.example.com", router.prepareSwap("shop.example.com", "staging.example.com").description());
  }

  @Test
  void toString_namesTheChangeAndItsState() {
    PreparedChange release = Router.create(blueGreen()).preparePromote(SHOP, GREEN);
    assertEquals(
        "PreparedChange{change=promote shop.example.com -> green, baseRevision=1, committed=false}",
        release.toString());
  }

  private static RoutingTable withCheckout() {
    return blueGreen().toBuilder()
        .domain(CHECKOUT, DomainStatus.VERIFIED)
        .route(CHECKOUT, PathPrefix.ROOT, BLUE)
        .build();
  }
}
