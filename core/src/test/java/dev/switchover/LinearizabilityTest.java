package dev.switchover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Many threads resolve while others promote and swap. Every answer must come from a revision no
 * older than the last write that completed before the resolve began, must be what that revision
 * says, and must never show a swap half done.
 */
final class LinearizabilityTest {
  private static final HostName PROD = HostName.parse("shop.example.com");
  private static final HostName STAGING = HostName.parse("staging.example.com");
  private static final HostName OTHER = HostName.parse("other.example.com");
  private static final WorkspaceId BLUE = WorkspaceId.of("blue");
  private static final WorkspaceId GREEN = WorkspaceId.of("green");
  private static final int WRITES_PER_WRITER = Integer.getInteger("switchover.linearizability.writes", 2_000);

  /** What a reader saw: the floor it read before resolving, and what it got. */
  record Observation(long floor, long revision, WorkspaceId prod, WorkspaceId staging, WorkspaceId other) {}

  @Test
  void resolve_underConcurrentPromotesAndSwaps_isLinearizable() throws Exception {
    Router router = Router.create(RoutingTable.builder()
        .workspace(BLUE).workspace(GREEN)
        .domain(PROD, DomainStatus.VERIFIED).domain(STAGING, DomainStatus.VERIFIED).domain(OTHER, DomainStatus.VERIFIED)
        .route(PROD, PathPrefix.ROOT, BLUE)
        .route(STAGING, PathPrefix.ROOT, GREEN)
        .route(OTHER, PathPrefix.ROOT, BLUE)
        .build());
    // Every published table, by revision, recorded by a listener (which hears each one).
    Map<Long, RoutingTable> published = new ConcurrentHashMap<>();
    published.put(1L, router.current());
    router.addListener(t -> published.put(t.revision(), t));
    AtomicLong lastCompleted = new AtomicLong(1);
    AtomicBoolean writing = new AtomicBoolean(true);
    int readers = 4;
    ExecutorService pool = Executors.newFixedThreadPool(readers + 3);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<List<Observation>>> reads = new ArrayList<>();
      for (int r = 0; r < readers; r++) {
        reads.add(pool.submit(() -> {
          List<Observation> seen = new ArrayList<>();
          start.await();
          while (writing.get() || seen.size() < 1_000) {
            long floor = lastCompleted.get();
            // An adapter pins one table per request; a reader pins one per observation.
            RoutingTable t = router.current();
            seen.add(new Observation(
                floor,
                t.revision(),
                t.resolve("SHOP.example.com", "/").workspace(),
                t.resolve("staging.example.com:443", "/x").workspace(),
                t.resolve("other.example.com", "/").workspace()));
          }
          return seen;
        }));
      }
      Runnable swapper = () -> write(lastCompleted, () -> router.swap(PROD, STAGING));
      Runnable promoter = () -> write(lastCompleted, () -> {
        WorkspaceId now = router.current().resolve("other.example.com", "/").workspace();
        return router.promote(OTHER, now.equals(BLUE) ? GREEN : BLUE);
      });
      // A third writer uses compare-and-set on the revision it read, and loses some races.
      AtomicLong casWins = new AtomicLong();
      Runnable editor = () -> {
        for (int i = 0; i < WRITES_PER_WRITER; i++) {
          long expected = router.current().revision();
          try {
            RoutingTable t = router.update(expected, b -> b.pointHost(OTHER, BLUE));
            lastCompleted.accumulateAndGet(t.revision(), Math::max);
            casWins.incrementAndGet();
          } catch (RevisionConflictException e) {
            assertEquals(expected, e.expectedRevision());
            assertTrue(e.actualRevision() > expected);
          }
        }
      };
      Future<?> w1 = pool.submit(() -> { await(start); swapper.run(); });
      Future<?> w2 = pool.submit(() -> { await(start); promoter.run(); });
      Future<?> w3 = pool.submit(() -> { await(start); editor.run(); });
      start.countDown();
      w1.get(2, TimeUnit.MINUTES);
      w2.get(2, TimeUnit.MINUTES);
      w3.get(2, TimeUnit.MINUTES);
      writing.set(false);
      long total = 0;
      for (Future<List<Observation>> f : reads) {
        long lastSeen = 0;
        for (Observation o : f.get(2, TimeUnit.MINUTES)) {
          total++;
          assertTrue(o.revision() >= o.floor(), () -> "stale read: " + o);
          // One thread's reads only move forward.
          assertTrue(o.revision() >= lastSeen, () -> "a reader went back in time: " + o);
          lastSeen = o.revision();
          RoutingTable t = published.get(o.revision());
          if (t == null) {
            throw new AssertionError("a reader saw a revision that was never published: " + o);
          }
          assertEquals(t.resolve("shop.example.com", "/").workspace(), o.prod(), o::toString);
          assertEquals(t.resolve("staging.example.com", "/").workspace(), o.staging(), o::toString);
          assertEquals(t.resolve("other.example.com", "/").workspace(), o.other(), o::toString);
          // A swap is seen entirely or not at all: production and staging never share a workspace.
          assertTrue(!o.prod().equals(o.staging()), () -> "half a swap: " + o);
        }
      }
      assertEquals(1 + 2L * WRITES_PER_WRITER + casWins.get(), router.current().revision());
      assertTrue(total > 0);
    } finally {
      pool.shutdownNow();
    }
  }

  private static void write(AtomicLong lastCompleted, java.util.function.Supplier<RoutingTable> op) {
    for (int i = 0; i < WRITES_PER_WRITER; i++) {
      RoutingTable t = op.get();
      lastCompleted.accumulateAndGet(t.revision(), Math::max);
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
