package dev.switchover.benchmarks;

import dev.switchover.HostName;
import dev.switchover.Router;
import dev.switchover.RoutingTable;
import java.util.concurrent.TimeUnit;
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
 * The write path at each table size: one promote of one domain per operation, alternating
 * between blue and green so that every operation changes the table, and one swap of two domains.
 *
 * <ul>
 *   <li>{@code promote}: {@link Router#promote(HostName, dev.switchover.WorkspaceId)}, all of it —
 *       the lock, the new table, validation, publication to the store, history, the in-flight
 *       bookkeeping and the INFO log line (to slf4j-nop, the benchmarks' binding, so it formats
 *       nothing but the description is still built).
 *   <li>{@code promoteTable}: the table alone, {@code table.toBuilder().pointHost(..).build()}.
 *   <li>{@code swap}: {@link Router#swap(HostName, HostName)} of two domains, back and forth.
 * </ul>
 *
 * Public, as JMH requires.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 2)
// A fixed, pre-touched heap: otherwise the first pass through a heap grown for the 100,000-domain
// table pays a page fault every few allocations (seconds of it), which is the JVM warming up,
// not the code under test.
@Fork(value = 2, jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
public class PromoteBenchmark {
  /** A router over the workload's table, and the two domains written to. */
  @State(Scope.Benchmark)
  @SuppressWarnings("NullAway.Init") // JMH calls @Setup before any @Benchmark method
  public static class Tables {
    @Param({"10", "1000", "100000"})
    public int domains;

    Router router;
    RoutingTable table;
    HostName domain;
    HostName other;
    final BlueGreen targets = new BlueGreen();

    @Setup(Level.Trial)
    public void setUp() {
      Workload workload = Workload.of(domains);
      table = workload.table();
      router = Router.create(table);
      // two exact domains in the middle of the table (the workload's wildcards are every tenth)
      domain = HostName.parse(workload.domainNames.get(domains / 2));
      other = HostName.parse(workload.domainNames.get(domains / 2 + 1));
      Workload.settle();
    }
  }

  /** {@code router.promote(domain, workspace)}, alternating blue and green. */
  @Benchmark
  public RoutingTable promote(Tables t) {
    return t.router.promote(t.domain, t.targets.next());
  }

  /** {@code table.toBuilder().pointHost(domain, workspace).build()}, alternating blue and green. */
  @Benchmark
  public RoutingTable promoteTable(Tables t) {
    t.table = t.table.toBuilder().pointHost(t.domain, t.targets.next()).build();
    return t.table;
  }

  /** {@code router.swap(domain, other)}: each call trades their routing back. */
  @Benchmark
  public RoutingTable swap(Tables t) {
    return t.router.swap(t.domain, t.other);
  }
}
