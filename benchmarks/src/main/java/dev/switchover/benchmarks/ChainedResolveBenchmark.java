package dev.switchover.benchmarks;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A diagnostic, outside the resolve targets: the contenders of {@link ResolveBenchmark}
 * with each request made to wait for the answer to the one before it.
 *
 * <p>In {@link ResolveBenchmark} the requests are independent, so a processor that runs out of
 * order may start the memory reads of the next lookups while the current one still waits for
 * its own. A short lookup such as {@code HashMap.get} (a few dozen instructions) gets several
 * lookups in flight at once that way and reports a fraction of its latency; a lookup of several
 * hundred instructions cannot reach the next one. Here the index of each request depends on the
 * previous answer (through {@link Chain#zero}, a field the JIT cannot fold, always 0), so every
 * contender pays its full latency per request: the difference between the two benchmarks is
 * how much a contender gained from overlapping requests. Same workload, same checks, same forks
 * as {@link ResolveBenchmark}. Public, as JMH requires.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
public class ChainedResolveBenchmark {
  /** The workload of one table size, its Switchover contender and its HashMap floor. */
  @State(Scope.Benchmark)
  @SuppressWarnings("NullAway.Init") // JMH calls @Setup before any @Benchmark method
  public static class Tables {
    @Param({"1000", "100000"})
    public int domains;

    Workload workload;
    SwitchoverContender switchover;
    Map<String, String> map;
    UndertowContender undertow;
    int keyHashes;

    @Setup(Level.Trial)
    public void setUp() {
      workload = Workload.of(domains);
      switchover = new SwitchoverContender(workload);
      Agreement.Answers expected = new Agreement.Answers(workload, switchover);
      map = workload.baselineMap();
      for (String key : workload.baselineKeys) {
        keyHashes += key.hashCode(); // cached in the string, as in ResolveBenchmark's floor
      }
      Agreement.checkBaseline(workload, expected, map);
      undertow = new UndertowContender(workload);
      Agreement.check("undertowStructures", workload, expected, undertow, Integer.MAX_VALUE);
      Workload.settle();
    }
  }

  /** One thread's walk, and what carries each answer into the next request's index. */
  @State(Scope.Thread)
  @SuppressWarnings("NullAway.Init")
  public static class Chain {
    Walk walk;
    /** Always 0; a field, so the JIT must read it and cannot drop the dependence on the answer. */
    int zero;
    /** The last answer's contribution to the next index: always 0, known only once it is in. */
    int carry;

    @Setup(Level.Trial)
    public void setUp(Tables tables) {
      walk = new Walk(tables.workload);
    }

    int next() {
      return walk.next(carry);
    }

    @Nullable String carry(@Nullable String answer) {
      carry = (answer == null ? 1 : answer.length()) & zero;
      return answer;
    }
  }

  /** {@code Router.resolve}, one request after the other. */
  @Benchmark
  public @Nullable String switchover(Tables tables, Chain chain) {
    int i = chain.next();
    Walk w = chain.walk;
    return chain.carry(tables.switchover.find(w.hosts[i], w.paths[i]));
  }

  /** {@code HashMap.get} of the lower-case host, one request after the other. */
  @Benchmark
  public @Nullable String hashMapBaseline(Tables tables, Chain chain) {
    int i = chain.next();
    return chain.carry(tables.map.get(chain.walk.baselineKeys[i]));
  }

  /** Undertow's host map and {@code PathMatcher}, one request after the other. */
  @Benchmark
  public @Nullable String undertowStructures(Tables tables, Chain chain) {
    int i = chain.next();
    Walk w = chain.walk;
    return chain.carry(tables.undertow.find(w.hosts[i], w.paths[i]));
  }
}
