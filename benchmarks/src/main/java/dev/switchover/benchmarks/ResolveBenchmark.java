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
 * The hot path, one request per operation, for each contender and table size. The requests are
 * made before anything is timed and walked by index (see {@link Workload}); every contender is
 * checked against Switchover on them in its setup. Public, as JMH requires.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 2)
// A fixed, pre-touched heap: otherwise the first pass through a heap grown for the 100,000-domain
// table pays a page fault every few allocations (seconds of it), which is the JVM warming up,
// not the code under test.
@Fork(value = 2, jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
public class ResolveBenchmark {
  /** The predicate list costs the table's size per request: check it on a sample at large sizes. */
  private static final int PREDICATE_CHECK_ROUTES = 4_000_000;

  /** The workload of one table size, and Switchover's answers to it. */
  @State(Scope.Benchmark)
  @SuppressWarnings("NullAway.Init") // JMH calls @Setup before any @Benchmark method
  public static class Requests {
    @Param({"10", "1000", "100000"})
    public int domains;

    Workload workload;
    SwitchoverContender switchover;
    Agreement.Answers expected;

    @Setup(Level.Trial)
    public void setUp() {
      workload = Workload.of(domains);
      switchover = new SwitchoverContender(workload);
      expected = new Agreement.Answers(workload, switchover);
      Workload.settle();
    }
  }

  /** One thread's walk through the requests. */
  @State(Scope.Thread)
  @SuppressWarnings("NullAway.Init")
  public static class Cursor {
    Walk walk;

    @Setup(Level.Trial)
    public void setUp(Requests requests) {
      walk = new Walk(requests.workload);
    }
  }

  /** The floor: a {@code HashMap} of host to workspace, with keys already lower-cased and hashed. */
  @State(Scope.Benchmark)
  @SuppressWarnings("NullAway.Init")
  public static class Baseline {
    Map<String, String> map;
    int keyHashes;

    @Setup(Level.Trial)
    public void setUp(Requests requests) {
      map = requests.workload.baselineMap();
      for (String key : requests.workload.baselineKeys) {
        keyHashes += key.hashCode(); // a String caches its hash: the floor hashes nothing when timed
      }
      Agreement.checkBaseline(requests.workload, requests.expected, map);
      Workload.settle();
    }
  }

  /** Jetty's structures. */
  @State(Scope.Benchmark)
  @SuppressWarnings("NullAway.Init")
  public static class Jetty {
    JettyContender contender;

    @Setup(Level.Trial)
    public void setUp(Requests requests) {
      contender = new JettyContender(requests.workload);
      Agreement.check("jettyStructures", requests.workload, requests.expected, contender, Integer.MAX_VALUE);
      Workload.settle();
    }
  }

  /** Undertow's structures. */
  @State(Scope.Benchmark)
  @SuppressWarnings("NullAway.Init")
  public static class Undertow {
    UndertowContender contender;

    @Setup(Level.Trial)
    public void setUp(Requests requests) {
      contender = new UndertowContender(requests.workload);
      Agreement.check("undertowStructures", requests.workload, requests.expected, contender, Integer.MAX_VALUE);
      Workload.settle();
    }
  }

  /** The list of predicates. */
  @State(Scope.Benchmark)
  @SuppressWarnings("NullAway.Init")
  public static class Predicates {
    PredicateListContender contender;

    @Setup(Level.Trial)
    public void setUp(Requests requests) {
      contender = new PredicateListContender(requests.workload);
      int sample = Math.max(1024, PREDICATE_CHECK_ROUTES / requests.workload.routes.size());
      Agreement.check("linearPredicates", requests.workload, requests.expected, contender, sample);
      Workload.settle();
    }
  }

  /** {@code Router.resolve}, then the workspace's name. */
  @Benchmark
  public @Nullable String switchover(Requests requests, Cursor cursor) {
    Walk w = cursor.walk;
    int i = w.next();
    return requests.switchover.find(w.hosts[i], w.paths[i]);
  }

  /** {@code HashMap.get} of the lower-case host alone: no port, no case, no path, no wildcard. */
  @Benchmark
  public @Nullable String hashMapBaseline(Baseline baseline, Cursor cursor) {
    Walk w = cursor.walk;
    return baseline.map.get(w.baselineKeys[w.next()]);
  }

  /**
   * A diagnostic, outside the targets and the agreement checks: every character of the request's
   * host and path read once through {@code charAt}, and nothing else. An exact lookup must read at
   * least these (the floor's keys come already lower-cased and hashed), so this is the part of
   * {@link #switchover}'s time that no layout of the table can take away.
   */
  @Benchmark
  public int readRequest(Cursor cursor) {
    Walk w = cursor.walk;
    int i = w.next();
    String host = w.hosts[i];
    String path = w.paths[i];
    int seen = 0;
    for (int k = 0; k < host.length(); k++) {
      seen |= host.charAt(k);
    }
    for (int k = 0; k < path.length(); k++) {
      seen |= path.charAt(k);
    }
    return seen;
  }

  /** Jetty's {@code HostPort}, {@code Index} and {@code PathMappings}. */
  @Benchmark
  public @Nullable String jettyStructures(Jetty jetty, Cursor cursor) {
    Walk w = cursor.walk;
    int i = w.next();
    return jetty.contender.find(w.hosts[i], w.paths[i]);
  }

  /** Undertow's host map and {@code PathMatcher}. */
  @Benchmark
  public @Nullable String undertowStructures(Undertow undertow, Cursor cursor) {
    Walk w = cursor.walk;
    int i = w.next();
    return undertow.contender.find(w.hosts[i], w.paths[i]);
  }

  /** Predicates tested in order. */
  @Benchmark
  public @Nullable String linearPredicates(Predicates predicates, Cursor cursor) {
    Walk w = cursor.walk;
    int i = w.next();
    return predicates.contender.find(w.hosts[i], w.paths[i]);
  }
}
