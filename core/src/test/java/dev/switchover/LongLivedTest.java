package dev.switchover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

final class LongLivedTest {
  private static final HostName SHOP = RouterTest.SHOP;
  private static final WorkspaceId BLUE = RouterTest.BLUE;
  private static final WorkspaceId GREEN = RouterTest.GREEN;
  private static final Duration GRACE = Duration.ofMillis(300);

  private static Router router(Duration grace) {
    return Router.builder().initialTable(RouterTest.blueGreen()).longLivedGrace(grace).build();
  }

  /** A closer that records when it was called, and ends its connection as a real one would. */
  private static final class Closer implements Runnable {
    final CompletableFuture<Long> calledAtNanos = new CompletableFuture<>();
    final AtomicInteger calls = new AtomicInteger();
    volatile @Nullable LongLivedConnection connection;

    @Override
    public void run() {
      long now = System.nanoTime();
      calls.incrementAndGet();
      LongLivedConnection c = connection;
      if (c != null) {
        c.close(); // before telling the test, which may count the connections next
      }
      calledAtNanos.complete(now);
    }

    LongLivedConnection open(Router router) {
      connection = router.admit("shop.example.com", "/ws").longLived(this);
      return connection;
    }
  }

  @Test
  void longLived_isCountedApartFromRequests() {
    Router router = router(GRACE);
    Admission request = router.admit("shop.example.com", "/");
    Admission upgrade = router.admit("shop.example.com", "/ws");
    assertEquals(2, router.inFlight(BLUE));

    LongLivedConnection ws = upgrade.longLived(() -> {});

    assertEquals(1, router.inFlight(BLUE));
    assertEquals(1, router.longLived(BLUE));
    assertEquals(BLUE, ws.workspace());
    assertEquals(1, router.requests(BLUE, RequestOutcome.SERVED)); // the upgrade was answered
    upgrade.close(); // harmless: the connection holds the place now
    assertEquals(1, router.longLived(BLUE));
    ws.close();
    request.close();
    assertEquals(0, router.inFlight(BLUE));
    assertEquals(0, router.longLived(BLUE));
    assertEquals(2, router.requests(BLUE, RequestOutcome.SERVED));
  }

  @Test
  void routerClose_stopsTheGraceTimers() throws Exception {
    Router router = router(GRACE);
    Closer closer = new Closer();
    LongLivedConnection connection = closer.open(router);
    router.promote(SHOP, GREEN); // blue's grace starts
    router.close();
    assertThrows(
        java.util.concurrent.TimeoutException.class,
        () -> closer.calledAtNanos.get(GRACE.toMillis() * 3, java.util.concurrent.TimeUnit.MILLISECONDS),
        "a closed router closes nothing for a grace");
    connection.close();
  }

  /** A closer that blocks does not hold up the others. */
  @Test
  void aBlockingCloser_doesNotHoldUpTheOthers() throws Exception {
    Router router = router(Duration.ZERO);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    LongLivedConnection blocking =
        router.admit("shop.example.com", "/ws").longLived(() -> {
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    Closer other = new Closer();
    other.open(router);
    router.promote(SHOP, GREEN);
    other.calledAtNanos.get(10, java.util.concurrent.TimeUnit.SECONDS);
    release.countDown();
    blocking.close();
    router.close();
  }

  @Test
  void close_twice_countsOutOnce() {
    Router router = router(GRACE);
    LongLivedConnection a = router.admit("shop.example.com", "/ws").longLived(() -> {});
    LongLivedConnection b = router.admit("shop.example.com", "/ws").longLived(() -> {});
    a.close();
    a.close();
    assertEquals(1, router.longLived(BLUE));
    b.close();
    assertEquals(0, router.longLived(BLUE));
    assertEquals(0, router.inFlight(BLUE));
  }

  @Test
  void longLived_unroutedOrClosedAdmission_isRefused() {
    Router router = router(GRACE);
    Admission unrouted = router.admit("nowhere.example.com", "/");
    assertThrows(IllegalStateException.class, () -> unrouted.longLived(() -> {}));
    Admission closed = router.admit("shop.example.com", "/");
    closed.close();
    assertThrows(IllegalStateException.class, () -> closed.longLived(() -> {}));
    Admission upgraded = router.admit("shop.example.com", "/");
    upgraded.longLived(() -> {});
    assertThrows(IllegalStateException.class, () -> upgraded.longLived(() -> {}));
  }

  @Test
  void switchAway_closesWhenTheGraceEnds_notBefore() throws Exception {
    Router router = router(GRACE);
    List<Closer> closers = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      Closer c = new Closer();
      c.open(router);
      closers.add(c);
    }
    Closer onGreen = new Closer();
    long switchedAt = System.nanoTime(); // the grace starts with the publication, after this
    router.promote(SHOP, GREEN);
    LongLivedConnection greenConnection = onGreen.open(router);
    assertEquals(20, router.longLived(BLUE));
    assertEquals(1, router.longLived(GREEN));

    for (Closer c : closers) {
      long calledAt = c.calledAtNanos.get(10, TimeUnit.SECONDS);
      assertTrue(calledAt - switchedAt >= GRACE.toNanos(), "closed before its grace ended");
      assertEquals(1, c.calls.get());
    }
    assertEquals(1, router.longLived(GREEN));
    assertFalse(onGreen.calledAtNanos.isDone());
    greenConnection.close();
  }

  @Test
  void rollbackWithinTheGrace_leavesTheConnectionsOpen() throws Exception {
    Duration grace = Duration.ofSeconds(1); // the rollback must come within it, on a busy machine too
    Router router = router(grace);
    Closer c = new Closer();
    c.open(router);
    router.promote(SHOP, GREEN);
    router.rollback(); // blue is routed again before its grace ends
    assertEquals(1, router.longLived(BLUE));

    // The cancelled grace never closes it: only a new switch's grace, counted from that switch.
    long secondSwitchAt = System.nanoTime();
    router.promote(SHOP, GREEN);
    long calledAt = c.calledAtNanos.get(10, TimeUnit.SECONDS);
    assertTrue(calledAt - secondSwitchAt >= grace.toNanos(), "the rolled-back grace closed the connection");
    assertEquals(1, c.calls.get());
  }

  @Test
  void awaitDrained_completesAfterTheLastLongLivedConnectionEnds() throws Exception {
    Router router = router(Duration.ofDays(1));
    LongLivedConnection first = router.admit("shop.example.com", "/ws").longLived(() -> {});
    LongLivedConnection second = router.admit("shop.example.com", "/ws").longLived(() -> {});
    router.promote(SHOP, GREEN);
    CompletableFuture<Void> drained = router.awaitDrained(BLUE);
    assertEquals(0, router.inFlight(BLUE));
    assertFalse(drained.isDone());
    first.close();
    assertFalse(drained.isDone());
    second.close();
    drained.get(10, TimeUnit.SECONDS);
  }

  @Test
  void awaitDrained_graceEnds_completesOnceTheClosedConnectionsEnd() throws Exception {
    Router router = router(GRACE);
    List<Closer> closers = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      Closer c = new Closer();
      c.open(router);
      closers.add(c);
    }
    router.promote(SHOP, GREEN);
    router.awaitDrained(BLUE).get(10, TimeUnit.SECONDS);
    for (Closer c : closers) {
      assertEquals(1, c.calls.get());
    }
    assertEquals(0, router.longLived(BLUE));
  }

  @Test
  void closerThatThrows_isLoggedAndCountedOut() throws Exception {
    Router router = router(Duration.ZERO);
    CountDownLatch thrown = new CountDownLatch(1);
    router.admit("shop.example.com", "/ws").longLived(() -> {
      thrown.countDown();
      throw new IllegalStateException("the socket is gone");
    });
    Closer wellBehaved = new Closer();
    wellBehaved.open(router);
    router.promote(SHOP, GREEN);
    assertTrue(thrown.await(10, TimeUnit.SECONDS));
    router.awaitDrained(BLUE).get(10, TimeUnit.SECONDS);
    assertEquals(0, router.longLived(BLUE));
    assertEquals(1, wellBehaved.calls.get()); // the throwing closer did not stop the others
  }

  @Test
  void connectionMadeAfterTheGraceEnded_isClosedAtOnce() throws Exception {
    Router router = router(Duration.ZERO);
    Admission admittedBeforeTheSwitch = router.admit("shop.example.com", "/ws");
    Closer early = new Closer();
    early.open(router);
    router.promote(SHOP, GREEN);
    early.calledAtNanos.get(10, TimeUnit.SECONDS); // blue's grace has ended

    Closer late = new Closer();
    LongLivedConnection connection = admittedBeforeTheSwitch.longLived(late);
    late.calledAtNanos.get(10, TimeUnit.SECONDS);
    connection.close(); // the closer may run before the handle is stored: end it here
    router.awaitDrained(BLUE).get(10, TimeUnit.SECONDS);
  }

  @Test
  void admittedBeforeASwitch_upgradedAfter_getsAGraceThenCloses() throws Exception {
    Router router = router(GRACE);
    Admission admitted = router.admit("shop.example.com", "/ws"); // no connection on blue yet
    long switchedAt = System.nanoTime(); // the grace starts with the publication, after this
    router.promote(SHOP, GREEN);
    Closer c = new Closer();
    LongLivedConnection connection = admitted.longLived(c);
    c.connection = connection;
    long calledAt = c.calledAtNanos.get(10, TimeUnit.SECONDS);
    assertTrue(calledAt - switchedAt >= GRACE.toNanos(), "closed before its grace ended");
    router.awaitDrained(BLUE).get(10, TimeUnit.SECONDS);
  }

  @Test
  void routedAgainAfterTheGraceEnded_newConnectionsStayOpen() throws Exception {
    Router router = router(Duration.ZERO);
    Closer first = new Closer();
    first.open(router);
    router.promote(SHOP, GREEN);
    first.calledAtNanos.get(10, TimeUnit.SECONDS);
    router.promote(SHOP, BLUE);
    LongLivedConnection again = router.admit("shop.example.com", "/ws").longLived(() -> {
      throw new AssertionError("closed although blue is routed");
    });
    assertEquals(1, router.longLived(BLUE));
    assertFalse(again.isClosing());
    again.close();
  }

  @Test
  void previewOnAWorkspaceNoTableRoutes_isNotClosedByOtherPublications() throws Exception {
    Router router = router(Duration.ZERO);
    router.promote(SHOP, GREEN); // blue is routed no more, with no connection on it
    PreviewTokens previews = PreviewTokens.builder().signingKey("k1", new byte[32]).build();
    String token = previews.mint(SHOP, BLUE, Duration.ofMinutes(5));
    AtomicLong closes = new AtomicLong();
    LongLivedConnection preview =
        router.admit("shop.example.com", "/ws", previews, token).longLived(closes::incrementAndGet);
    assertEquals(BLUE, preview.workspace());
    Closer marker = new Closer();
    marker.open(router); // on green

    router.update(router.current().revision(), b -> b.workspace("red")); // blue still not routed
    router.update(
        router.current().revision(), b -> b.pointHost(SHOP, WorkspaceId.of("red")).pointHost(RouterTest.STAGING, WorkspaceId.of("red")));

    // Closers run one at a time in the order their graces end: had the first publication retired
    // blue, its closer would have run before green's.
    marker.calledAtNanos.get(10, TimeUnit.SECONDS);
    assertEquals(0, closes.get());
    assertEquals(1, router.longLived(BLUE));
    preview.close();
  }

  @Test
  void longLivedGrace_badValues_areRefused() {
    Router.Builder builder = Router.builder().initialTable(RouterTest.blueGreen());
    assertThrows(IllegalArgumentException.class, () -> builder.longLivedGrace(Duration.ofMillis(-1)));
    assertThrows(IllegalArgumentException.class, () -> builder.longLivedGrace(Duration.ofDays(2)));
    builder.longLivedGrace(Duration.ofSeconds(5));
    assertThrows(IllegalStateException.class, () -> builder.longLivedGrace(Duration.ofSeconds(5)));
  }
}
