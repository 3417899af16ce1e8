package dev.switchover.benchmarks;

import dev.switchover.HostName;
import dev.switchover.Resolution;
import dev.switchover.Router;
import dev.switchover.RoutingTable;
import dev.switchover.WorkspaceId;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
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
 * Resolve throughput while the table changes under it: two threads resolve the workload's
 * requests through one router while a third promotes a domain back and forth without pause.
 * JMH reports the group and each part: {@code resolve} (both readers together) and {@code
 * promote}. On a machine with fewer than three cores the threads also compete for the CPU.
 * Public, as JMH requires.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 2)
// A fixed, pre-touched heap: otherwise the first pass through a heap grown for the 100,000-domain
// table pays a page fault every few allocations (seconds of it), which is the JVM warming up,
// not the code under test.
@Fork(value = 2, jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
public class ResolveUnderWriteBenchmark {
  /** The router all three threads share, and the domain the writer promotes. */
  @State(Scope.Group)
  @SuppressWarnings("NullAway.Init") // JMH calls @Setup before any @Benchmark method
  public static class Shared {
    @Param({"10", "1000", "100000"})
    public int domains;

    Workload workload;
    Router router;
    HostName domain;
    final BlueGreen targets = new BlueGreen();

    @Setup(Level.Trial)
    public void setUp() {
      workload = Workload.of(domains);
      router = Router.create(workload.table());
      domain = HostName.parse(workload.domainNames.get(domains / 2));
      Workload.settle();
    }
  }

  /** One reader's walk through the requests. */
  @State(Scope.Thread)
  @SuppressWarnings("NullAway.Init")
  public static class Reader {
    Walk walk;

    @Setup(Level.Trial)
    public void setUp(Shared shared) {
      walk = new Walk(shared.workload);
    }
  }

  /** {@code Router.resolve}, on two threads. */
  @Benchmark
  @Group("underWrite")
  @GroupThreads(2)
  public @Nullable WorkspaceId resolve(Shared shared, Reader reader) {
    Walk w = reader.walk;
    int i = w.next();
    Resolution r = shared.router.resolve(w.hosts[i], w.paths[i]);
    return r.isRouted() ? r.workspace() : null;
  }

  /** {@code Router.promote}, alternating blue and green, on one thread. */
  @Benchmark
  @Group("underWrite")
  @GroupThreads(1)
  public RoutingTable promote(Shared shared) {
    return shared.router.promote(shared.domain, shared.targets.next());
  }
}
