package dev.switchover.benchmarks;

import dev.switchover.Admission;
import dev.switchover.DomainStatus;
import dev.switchover.RequestOutcome;
import dev.switchover.Router;
import dev.switchover.RoutingTable;
import dev.switchover.WorkspaceId;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What an adapter pays per request for the router's counts (in flight, and requests by workspace
 * and outcome, which metrics read): one admission, routed or not, opened and closed. Run it with
 * {@code -prof gc}: the counts must allocate nothing ({@code gc.alloc.rate.norm} near 0, beyond
 * the {@link Admission} itself on a routed request). Public, as JMH requires.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class AdmitBenchmark {
  /** A router over a small table and its counters, already made. */
  @State(Scope.Benchmark)
  @SuppressWarnings("NullAway.Init") // JMH calls @Setup before any @Benchmark method
  public static class Routers {
    Router router;

    @Setup(Level.Trial)
    public void setUp() {
      RoutingTable table = RoutingTable.builder()
          .workspace("blue")
          .domain("shop.example.com", DomainStatus.VERIFIED)
          .route("shop.example.com", "/", "blue")
          .build();
      router = Router.create(table);
      router.admit("shop.example.com", "/").close(); // the workspace's counter, made once
    }

    @TearDown(Level.Trial)
    public void check() {
      if (router.requests(WorkspaceId.of("blue"), RequestOutcome.SERVED) == 0
          || router.unroutedRequests(RequestOutcome.UNKNOWN_HOST) == 0) {
        throw new IllegalStateException("the benchmark counted nothing");
      }
      router.close();
    }
  }

  /** A routed request: resolve, enter the in-flight count, leave it and count it as served. */
  @Benchmark
  public long routed(Routers r) {
    Admission a = r.router.admit("shop.example.com", "/cart");
    a.close();
    return a.isRouted() ? 1 : 0;
  }

  /** An unknown host: resolve and count the 421. */
  @Benchmark
  public long unknownHost(Routers r) {
    Admission a = r.router.admit("nowhere.example.com", "/");
    a.close();
    return a.isRouted() ? 1 : 0;
  }
}
