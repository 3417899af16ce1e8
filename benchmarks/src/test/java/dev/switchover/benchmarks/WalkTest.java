package dev.switchover.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The walk through the requests, and the chained benchmark's use of it. */
final class WalkTest {
  private static final Workload WORKLOAD = Workload.of(10, 8, 1L, false);

  @Test
  void next_walksEveryRequestInTurn_andWrapsAround() {
    Walk walk = new Walk(WORKLOAD);
    int first = walk.next();
    for (int k = 1; k <= 16; k++) {
      assertEquals((first + k) & 7, walk.next());
    }
  }

  @Test
  void nextWithSkip_zero_isTheSameWalkAsNext() {
    Walk plain = new Walk(WORKLOAD);
    Walk chained = new Walk(WORKLOAD);
    for (int k = 0; k < 20; k++) {
      assertEquals(plain.next(), chained.next(0));
    }
  }

  @Test
  void nextWithSkip_movesThatManyMore() {
    Walk walk = new Walk(WORKLOAD);
    int first = walk.next();
    assertEquals((first + 1 + 3) & 7, walk.next(3));
  }

  @Test
  void chainedBenchmark_walksTheSameRequests_andCarriesNothing() {
    ChainedResolveBenchmark.Tables tables = new ChainedResolveBenchmark.Tables();
    tables.domains = 10;
    tables.setUp();
    ChainedResolveBenchmark.Chain chain = new ChainedResolveBenchmark.Chain();
    chain.setUp(tables);
    ChainedResolveBenchmark benchmark = new ChainedResolveBenchmark();
    Walk plain = new Walk(tables.workload); // same thread, so the same starting request
    for (int k = 0; k < 100; k++) {
      int i = plain.next();
      assertEquals(tables.switchover.find(plain.hosts[i], plain.paths[i]), benchmark.switchover(tables, chain));
      assertEquals(0, chain.carry);
      assertEquals(tables.map.get(plain.baselineKeys[plain.next()]), benchmark.hashMapBaseline(tables, chain));
      assertEquals(0, chain.carry);
      int u = plain.next();
      assertEquals(tables.undertow.find(plain.hosts[u], plain.paths[u]), benchmark.undertowStructures(tables, chain));
      assertEquals(0, chain.carry);
    }
  }
}
