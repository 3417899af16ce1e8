package dev.switchover.benchmarks;

import dev.switchover.DomainStatus;
import dev.switchover.Router;
import dev.switchover.RoutingTable;
import dev.switchover.etcd.EtcdTableStore;
import dev.switchover.etcd.local.LocalEtcd;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A fleet through etcd, measured end to end (not JMH: the times are of etcd round trips and of
 * watches between routers, milliseconds, not of code on one thread). Starts a local 3-member etcd
 * cluster and three routers, each with its own store and client, in this JVM:
 *
 * <ul>
 *   <li>promote: the time a promote on router A takes at its caller, through etcd;
 *   <li>propagation: from that promote returning on A to the new table being current on both B and
 *       C (negative when both had it before A's call returned);
 *   <li>bootstrap and cold load of a large table: the first store writes it whole, a second store
 *       loads it whole.
 * </ul>
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.switchover.benchmarks.FleetBench [promotes] [domains]
 * </pre>
 */
public final class FleetBench {
  private FleetBench() {}

  public static void main(String[] args) throws Exception {
    int promotes = args.length > 0 ? Integer.parseInt(args[0]) : 1_000;
    int domains = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
    System.out.println("load before: " + load());
    try (LocalEtcd etcd = LocalEtcd.start(3)) {
      propagation(etcd, promotes);
      bigTable(etcd, domains);
    }
    System.out.println("load after: " + load());
  }

  private static void propagation(LocalEtcd etcd, int promotes) throws InterruptedException {
    String prefix = "/bench/" + UUID.randomUUID() + "/";
    List<AutoCloseable> open = new ArrayList<>();
    try {
      EtcdTableStore sa = store(etcd, prefix, table(10));
      EtcdTableStore sb = store(etcd, prefix, null);
      EtcdTableStore sc = store(etcd, prefix, null);
      open.addAll(List.of(sa, sb, sc));
      Router a = Router.builder().store(sa).build();
      Router b = Router.builder().store(sb).build();
      Router c = Router.builder().store(sc).build();
      open.addAll(List.of(a, b, c));
      ConcurrentHashMap<Long, Long> seenB = new ConcurrentHashMap<>();
      ConcurrentHashMap<Long, Long> seenC = new ConcurrentHashMap<>();
      b.addListener(t -> seenB.put(t.revision(), System.nanoTime()));
      c.addListener(t -> seenC.put(t.revision(), System.nanoTime()));
      int warmup = Math.min(200, promotes);
      long[] promote = new long[promotes];
      long[] propagate = new long[promotes];
      for (int i = -warmup; i < promotes; i++) {
        String ws = (i & 1) == 0 ? "green" : "blue";
        long start = System.nanoTime();
        long revision = a.promote("shop.example.com", ws).revision();
        long returned = System.nanoTime();
        long deadline = returned + TimeUnit.SECONDS.toNanos(10);
        while (!(seenB.containsKey(revision) && seenC.containsKey(revision))) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("revision " + revision + " did not reach B and C in 10 s");
          }
          Thread.onSpinWait();
        }
        if (i >= 0) {
          promote[i] = returned - start;
          propagate[i] = Math.max(seenB.get(revision), seenC.get(revision)) - returned;
        }
      }
      report("promote through etcd, at the caller (" + promotes + ")", promote);
      report("propagation, A's promote returned -> current on B and C (" + promotes + ")", propagate);
    } finally {
      closeAll(open);
    }
  }

  private static void bigTable(LocalEtcd etcd, int domains) {
    String prefix = "/bench/" + UUID.randomUUID() + "/";
    RoutingTable table = table(domains);
    List<AutoCloseable> open = new ArrayList<>();
    try {
      long start = System.nanoTime();
      EtcdTableStore first = store(etcd, prefix, table);
      long wrote = System.nanoTime() - start;
      open.add(first);
      start = System.nanoTime();
      EtcdTableStore cold = store(etcd, prefix, null);
      long loaded = System.nanoTime() - start;
      open.add(cold);
      if (!cold.load().routes().equals(table.routes())) {
        throw new IllegalStateException("the table loaded is not the table written");
      }
      System.out.printf(Locale.ROOT, "bootstrap of %,d domains (write whole): %.2f s%n", domains, wrote / 1e9);
      System.out.printf(Locale.ROOT, "cold load of %,d domains (a new store): %.2f s%n", domains, loaded / 1e9);
      Router a = Router.builder().store(first).build();
      open.add(a);
      long[] promote = new long[200];
      for (int i = -50; i < promote.length; i++) {
        long s = System.nanoTime();
        a.promote("d" + Math.floorMod(i, domains) + ".example.com", (i & 1) == 0 ? "green" : "blue");
        if (i >= 0) {
          promote[i] = System.nanoTime() - s;
        }
      }
      report(String.format(Locale.ROOT, "promote at %,d domains, at the caller (200)", domains), promote);
    } finally {
      closeAll(open);
    }
  }

  private static EtcdTableStore store(LocalEtcd etcd, String prefix, @Nullable RoutingTable initial) {
    EtcdTableStore.Builder b = EtcdTableStore.builder().endpoints(etcd.endpoints()).keyPrefix(prefix).loadTimeout(java.time.Duration.ofSeconds(60));
    if (initial != null) {
      b.initialTable(initial);
    }
    return b.build();
  }

  private static RoutingTable table(int domains) {
    RoutingTable.Builder b =
        RoutingTable.builder()
            .workspace("blue")
            .workspace("green")
            .domain("shop.example.com", DomainStatus.VERIFIED)
            .route("shop.example.com", "/", "blue");
    for (int i = 0; i < domains; i++) {
      b.domain("d" + i + ".example.com", DomainStatus.VERIFIED).route("d" + i + ".example.com", "/", "blue");
    }
    return b.build();
  }

  private static void report(String what, long[] nanos) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    System.out.printf(
        Locale.ROOT,
        "%s: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms%n",
        what,
        at(sorted, 0.50) / 1e6,
        at(sorted, 0.90) / 1e6,
        at(sorted, 0.99) / 1e6,
        sorted[sorted.length - 1] / 1e6);
  }

  private static long at(long[] sorted, double quantile) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(quantile * sorted.length) - 1)];
  }

  private static String load() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException e) {
      return String.format(Locale.ROOT, "%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }
  }

  private static void closeAll(List<AutoCloseable> open) {
    for (int i = open.size() - 1; i >= 0; i--) {
      try {
        open.get(i).close();
      } catch (Exception e) {
        System.err.println("could not close " + open.get(i) + ": " + e);
      }
    }
  }
}
