package dev.switchover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

final class DrainTest {
  private static final HostName SHOP = RouterTest.SHOP;
  private static final WorkspaceId BLUE = RouterTest.BLUE;
  private static final WorkspaceId GREEN = RouterTest.GREEN;

  @Test
  void awaitDrained_completesOnlyAfterTheLastInFlightRequestLeaves() throws Exception {
    Router router = Router.create(RouterTest.blueGreen());
    Admission first = router.admit("shop.example.com", "/");
    Admission second = router.admit("shop.example.com", "/api");
    assertEquals(2, router.inFlight(BLUE));
    router.promote(SHOP, GREEN);
    CompletableFuture<Void> drained = router.awaitDrained(BLUE);
    assertFalse(drained.isDone());
    first.close();
    first.close(); // closing twice counts once
    assertEquals(1, router.inFlight(BLUE));
    assertFalse(drained.isDone());
    second.close();
    drained.get(10, TimeUnit.SECONDS);
    assertEquals(0, router.inFlight(BLUE));
  }

  @Test
  void awaitDrained_lastRequestLeaves_dependentActionsRunOffTheLeavingThread() throws Exception {
    Router router = Router.create(RouterTest.blueGreen());
    Admission last = router.admit("shop.example.com", "/");
    router.promote(SHOP, GREEN);
    CountDownLatch stopMayEnd = new CountDownLatch(1);
    CompletableFuture<Thread> stoppedOn =
        router.awaitDrained(BLUE).thenApply(done -> {
          try {
            stopMayEnd.await(); // the owner stops blue: slow, blocking work
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return Thread.currentThread();
        });

    last.close(); // returns although the dependent action blocks: it does not run here

    assertFalse(stoppedOn.isDone());
    stopMayEnd.countDown();
    Thread t = stoppedOn.get(10, TimeUnit.SECONDS);
    assertNotSame(Thread.currentThread(), t);
    assertTrue(t.isDaemon(), t::toString);
  }

  @Test
  void awaitDrained_completedByThisCallOrAWrite_completesOnTheCallersThread() {
    Router router = Router.create(RouterTest.blueGreen());
    CompletableFuture<Thread> byWrite = router.awaitDrained(BLUE).thenApply(done -> Thread.currentThread());
    router.promote(SHOP, GREEN);
    assertSame(Thread.currentThread(), byWrite.getNow(null));
    CompletableFuture<Thread> byCall = router.awaitDrained(BLUE).thenApply(done -> Thread.currentThread());
    assertSame(Thread.currentThread(), byCall.getNow(null));
  }

  @Test
  void awaitDrained_requestThatFails_stillLeaves() throws Exception {
    Router router = Router.create(RouterTest.blueGreen());
    CompletableFuture<Void> drained;
    try (Admission a = router.admit("shop.example.com", "/")) {
      router.promote(SHOP, GREEN);
      drained = router.awaitDrained(BLUE);
      assertThrows(IllegalStateException.class, () -> failingHandler(a));
      assertFalse(drained.isDone());
    }
    drained.get(10, TimeUnit.SECONDS);
  }

  private static void failingHandler(Admission a) {
    throw new IllegalStateException("the workspace failed serving " + a);
  }

  @Test
  void awaitDrained_workspaceStillRouted_waitsForTheSwitch() {
    Router router = Router.create(RouterTest.blueGreen());
    CompletableFuture<Void> drained = router.awaitDrained(BLUE);
    assertFalse(drained.isDone());
    router.promote(SHOP, GREEN);
    assertTrue(drained.isDone());
  }

  @Test
  void awaitDrained_idleAndUnrouted_completesAtOnce() {
    Router router = Router.create(RouterTest.blueGreen());
    router.promote(SHOP, GREEN);
    assertTrue(router.awaitDrained(BLUE).isDone());
    assertTrue(router.awaitDrained(WorkspaceId.of("never-used")).isDone());
  }

  @Test
  void admit_againstATableOlderThanTheDrain_isResolvedAgainOnTheNewTable() {
    Router router = Router.create(RouterTest.blueGreen());
    router.promote(SHOP, GREEN);
    assertTrue(router.awaitDrained(BLUE).isDone());
    // Blue is closed: a request can no longer enter it, and the current table sends it to green.
    try (Admission a = router.admit("shop.example.com", "/")) {
      assertEquals(GREEN, a.workspace());
    }
    // A rollback routes to blue again and reopens it.
    router.rollback();
    try (Admission a = router.admit("shop.example.com", "/")) {
      assertEquals(BLUE, a.workspace());
      assertEquals(1, router.inFlight(BLUE));
    }
  }

  @Test
  void admit_missesAreNotCounted() {
    Router router = Router.create(RouterTest.blueGreen());
    try (Admission a = router.admit("nowhere.example.com", "/")) {
      assertFalse(a.isRouted());
      assertEquals(Resolution.Outcome.UNKNOWN_HOST, a.resolution().outcome());
    }
    assertEquals(0, router.inFlight(BLUE));
  }

  @Test
  void awaitDrained_underLoadWithSwitches_completesOnlyWhenNoRequestIsOnTheOldWorkspace() throws Exception {
    // Only the production domain: whichever workspace it leaves is routed by nothing.
    Router router = Router.create(RoutingTable.builder()
        .workspace(BLUE).workspace(GREEN)
        .domain(SHOP, DomainStatus.VERIFIED)
        .route(SHOP, PathPrefix.ROOT, BLUE)
        .build());
    // The clients' own count of requests being served on each workspace, kept apart from the
    // router's: raised after admission, lowered before the admission closes.
    AtomicInteger servingBlue = new AtomicInteger();
    AtomicInteger servingGreen = new AtomicInteger();
    AtomicBoolean running = new AtomicBoolean(true);
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      List<Future<?>> clients = new ArrayList<>();
      for (int c = 0; c < 3; c++) {
        clients.add(pool.submit(() -> {
          while (running.get()) {
            try (Admission a = router.admit("shop.example.com", "/")) {
              AtomicInteger n = a.workspace().equals(BLUE) ? servingBlue : servingGreen;
              n.incrementAndGet();
              LockSupport.parkNanos(20_000); // a request takes a moment: switches land mid-request
              n.decrementAndGet();
            }
          }
        }));
      }
      for (int i = 0; i < 300; i++) {
        WorkspaceId old = router.current().resolve("shop.example.com", "/").workspace();
        router.promote(SHOP, old.equals(BLUE) ? GREEN : BLUE);
        router.awaitDrained(old).get(10, TimeUnit.SECONDS);
        assertEquals(0, (old.equals(BLUE) ? servingBlue : servingGreen).get(), "a request was still being served on " + old + " after its drain");
      }
      running.set(false);
      for (Future<?> client : clients) {
        client.get(10, TimeUnit.SECONDS);
      }
    } finally {
      running.set(false);
      pool.shutdownNow();
    }
  }
}
