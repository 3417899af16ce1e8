package dev.switchover.benchmarks;

import dev.switchover.HostName;
import dev.switchover.PreparedChange;
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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A release as it happens in a running server: one promote at a time, rare enough that its code is
 * not compiled and its code and data are no longer in the processor's caches. {@link
 * PromoteBenchmark} times the same call warm, a million times a second; this one times single
 * calls ({@link Mode#SingleShotTime}), and before each one reads and writes 64 MB of other data
 * ({@code sweepMegabytes}), as a server's traffic would between two releases. Each fork makes 60
 * promotes in all: too few for the JIT to compile most of the write path (it compiles a method
 * after a few hundred calls; building the 100,000-domain table in the setup compiles some of the
 * builder), as in the end-to-end benchmark, whose proxies promote about 170 times in a run.
 *
 * <ul>
 *   <li>{@code promoteByName}: {@link Router#promote(String, String)}, what an admin endpoint
 *       that receives names calls: the name is parsed and checked first.
 *   <li>{@code promote}: {@link Router#promote(HostName, WorkspaceId)}.
 *   <li>{@code commitPrepared}: {@link PreparedChange#commit()} of a promote prepared with {@link
 *       Router#preparePromote(HostName, WorkspaceId)} before the sweep, as a release staged ahead
 *       and switched later: the switch is then only the compare-and-set.
 * </ul>
 *
 * The first ten calls of each fork are left out (they load classes and link call sites once per
 * JVM); the result is the mean of the other fifty, and JMH's JSON keeps every call (its median
 * is steadier than the mean on a shared machine).
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar ColdPromoteBenchmark -rf json -rff cold.json
 * java -jar benchmarks/target/benchmarks.jar ColdPromoteBenchmark -p sweepMegabytes=0,16,64 -p domains=10
 * </pre>
 *
 * Public, as JMH requires.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 10, batchSize = 1)
@Measurement(iterations = 50, batchSize = 1)
@Fork(value = 5, jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
public class ColdPromoteBenchmark {
  /** A router over the workload's table, a domain in it, and data to push it out of the caches. */
  @State(Scope.Benchmark)
  @SuppressWarnings("NullAway.Init") // JMH calls @Setup before any @Benchmark method
  public abstract static class Base {
    @Param({"10", "100000"})
    public int domains;

    /**
     * Megabytes of other data read before each promote: 64, well past any last-level cache this
     * project has seen; 0 to time the same single calls with whatever the caches still hold.
     */
    @Param({"64"})
    public int sweepMegabytes;

    Router router;
    HostName domain;
    String domainName;
    final BlueGreen targets = new BlueGreen();
    byte[] other;
    /** The sum of the sweeps, kept so that the JIT cannot drop them. */
    long sink;

    @Setup(Level.Trial)
    public void setUp() {
      Workload workload = Workload.of(domains);
      router = Router.create(workload.table());
      domainName = workload.domainNames.get(domains / 2);
      domain = HostName.parse(domainName);
      other = new byte[sweepMegabytes << 20];
      Workload.settle();
    }

    /** Reads and writes a byte in every 64 of {@link #other} (each cache line). */
    final void sweep() {
      long sum = sink;
      byte[] o = other;
      for (int i = 0; i < o.length; i += 64) {
        sum += o[i];
        o[i] = (byte) sum;
      }
      sink = sum;
    }
  }

  /** For the direct promotes: the sweep before each call. */
  @State(Scope.Benchmark)
  public static class Tables extends Base {
    /** Before each promote. */
    @Setup(Level.Iteration)
    public void evict() {
      sweep();
    }
  }

  /** For the prepared promotes: before each call, the next promote is prepared, then the sweep. */
  @State(Scope.Benchmark)
  @SuppressWarnings("NullAway.Init") // JMH calls @Setup before any @Benchmark method
  public static class Staged extends Base {
    PreparedChange next;

    /** Before each commit. */
    @Setup(Level.Iteration)
    public void prepareThenEvict() {
      next = router.preparePromote(domain, targets.next());
      sweep();
    }
  }

  /** {@code router.promote(name, workspaceName)}, alternating blue and green. */
  @Benchmark
  public RoutingTable promoteByName(Tables t) {
    return t.router.promote(t.domainName, t.targets.next().toString());
  }

  /** {@code router.promote(domain, workspace)}, alternating blue and green. */
  @Benchmark
  public RoutingTable promote(Tables t) {
    return t.router.promote(t.domain, t.targets.next());
  }

  /** {@code prepared.commit()} of {@code router.preparePromote(domain, workspace)}, alternating blue and green. */
  @Benchmark
  public RoutingTable commitPrepared(Staged s) {
    return s.next.commit();
  }
}
