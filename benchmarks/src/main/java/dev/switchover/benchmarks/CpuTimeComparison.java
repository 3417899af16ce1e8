package dev.switchover.benchmarks;

import dev.switchover.HostName;
import dev.switchover.Router;
import dev.switchover.RoutingTable;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntSupplier;
import org.jspecify.annotations.Nullable;

/**
 * A second view of the comparison for a busy machine: the same workload and contenders as the
 * JMH benchmarks, timed by the thread's CPU time (which leaves out the time the thread waits for
 * a core) and reported as the best of many rounds. It is not JMH (no forks, no blackholes, one
 * JIT profile for all), so use it next to the JMH numbers, not instead of them. Public, to be run
 * from the shaded jar:
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.switchover.benchmarks.CpuTimeComparison 1000 100000
 * </pre>
 */
public final class CpuTimeComparison {
  private static final int ROUNDS = 30;
  private static final int WARM_UP_ROUNDS = 5;
  private static final int PROMOTES_PER_ROUND = 10_000;
  /** The predicate list costs the table per request; beyond this many routes it is left out. */
  private static final int MAX_PREDICATE_ROUTES = 4_000;

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  /** Where each loop's result goes, so that the JIT cannot drop the loop. */
  static int sink;

  private CpuTimeComparison() {}

  /**
   * Runs the comparison.
   *
   * @param args table sizes in domains; 1000 and 100000 if none
   */
  public static void main(String[] args) {
    String[] sizes = args.length == 0 ? new String[] {"1000", "100000"} : args;
    System.out.println("thread CPU time, best of " + (ROUNDS - WARM_UP_ROUNDS) + " rounds, ns/op");
    for (String size : sizes) {
      run(Integer.parseInt(size));
    }
  }

  private static void run(int domains) {
    Workload w = Workload.of(domains);
    SwitchoverContender switchover = new SwitchoverContender(w);
    Agreement.Answers expected = new Agreement.Answers(w, switchover);
    JettyContender jetty = new JettyContender(w);
    Agreement.check("jettyStructures", w, expected, jetty, Integer.MAX_VALUE);
    UndertowContender undertow = new UndertowContender(w);
    Agreement.check("undertowStructures", w, expected, undertow, Integer.MAX_VALUE);
    Map<String, String> baseline = w.baselineMap();
    Agreement.checkBaseline(w, expected, baseline);
    String[] hosts = w.hosts;
    String[] paths = w.paths;
    String[] keys = w.baselineKeys;
    int n = w.requests();

    // One lambda per contender: each loop is its own method, with its own call-site profile.
    StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%,9d domains:", domains));
    line.append(result("hashMapBaseline", n, () -> {
      int sum = 0;
      for (int i = 0; i < n; i++) {
        sum += length(baseline.get(keys[i]));
      }
      return sum;
    }));
    line.append(result("switchover", n, () -> {
      int sum = 0;
      for (int i = 0; i < n; i++) {
        sum += length(switchover.find(hosts[i], paths[i]));
      }
      return sum;
    }));
    line.append(result("jettyStructures", n, () -> {
      int sum = 0;
      for (int i = 0; i < n; i++) {
        sum += length(jetty.find(hosts[i], paths[i]));
      }
      return sum;
    }));
    line.append(result("undertowStructures", n, () -> {
      int sum = 0;
      for (int i = 0; i < n; i++) {
        sum += length(undertow.find(hosts[i], paths[i]));
      }
      return sum;
    }));
    if (w.routes.size() <= MAX_PREDICATE_ROUTES) {
      PredicateListContender predicates = new PredicateListContender(w);
      Agreement.check("linearPredicates", w, expected, predicates, Integer.MAX_VALUE);
      line.append(result("linearPredicates", n, () -> {
        int sum = 0;
        for (int i = 0; i < n; i++) {
          sum += length(predicates.find(hosts[i], paths[i]));
        }
        return sum;
      }));
    }

    Router router = switchover.router();
    HostName domain = HostName.parse(w.domainNames.get(domains / 2));
    BlueGreen targets = new BlueGreen();
    line.append(result("promote", PROMOTES_PER_ROUND, () -> {
      int sum = 0;
      for (int i = 0; i < PROMOTES_PER_ROUND; i++) {
        sum += (int) router.promote(domain, targets.next()).revision();
      }
      return sum;
    }));
    RoutingTable[] table = {router.current()};
    line.append(result("promoteTable", PROMOTES_PER_ROUND, () -> {
      int sum = 0;
      for (int i = 0; i < PROMOTES_PER_ROUND; i++) {
        table[0] = table[0].toBuilder().pointHost(domain, targets.next()).build();
        sum += (int) table[0].revision();
      }
      return sum;
    }));
    System.out.println(line);
  }

  private static int length(@Nullable String s) {
    return s == null ? 0 : s.length();
  }

  /** The best per-operation CPU time over the rounds after warm-up, as {@code " name=123.4"}. */
  private static String result(String name, int operations, IntSupplier loop) {
    double best = Double.MAX_VALUE;
    for (int round = 0; round < ROUNDS; round++) {
      long start = THREADS.getCurrentThreadCpuTime();
      sink += loop.getAsInt();
      long end = THREADS.getCurrentThreadCpuTime();
      if (round >= WARM_UP_ROUNDS) {
        best = Math.min(best, (end - start) / (double) operations);
      }
    }
    return String.format(Locale.ROOT, " %s=%.1f", name, best);
  }
}
