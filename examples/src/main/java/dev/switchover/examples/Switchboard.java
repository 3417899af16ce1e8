package dev.switchover.examples;

import dev.switchover.HostName;
import dev.switchover.Resolution;
import dev.switchover.Route;
import dev.switchover.Router;
import dev.switchover.RoutingTable;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Makes the demo's switches through the {@link Router}, one at a time, times each router call, and
 * remembers which workspace serves the watched host after each one, so that the load can check
 * every answer.
 *
 * <p>Switch {@code k} (counted from 1) is noted as begun before its router call and as returned
 * after it. A request sent after switch {@code c} returned, whose answer came before switch {@code
 * s + 1} began, was routed by one of the tables of switches {@code c..s}: it must have been served
 * by the workspace one of them gave the watched host; when no switch began meanwhile ({@code s ==
 * c}), exactly by that of switch {@code c}. Thread-safe.
 */
final class Switchboard {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private final Router router;
  private final HostName watched;
  private final AtomicLong begun = new AtomicLong();
  private final AtomicLong returned = new AtomicLong();
  private final Map<Long, String> servingAfter = new ConcurrentHashMap<>();
  private final List<Switch> switches = new ArrayList<>();

  Switchboard(Router router, HostName watched) {
    this.router = router;
    this.watched = watched;
    servingAfter.put(0L, serving(router.current()));
    warmUp(router.current());
  }

  /**
   * Runs each kind of switch once on a scratch router, so that the times measured on the real one
   * are those of a switch, not of loading its classes the first time.
   */
  private static void warmUp(RoutingTable table) {
    try (Router scratch = Router.create(table)) {
      for (Route r : table.routes()) {
        scratch.promote(r.host(), r.workspace());
      }
      scratch.rollback();
      List<HostName> hosts = List.copyOf(table.routedHosts());
      if (hosts.size() >= 2) {
        scratch.swap(hosts.get(0), hosts.get(1));
      }
    }
  }

  Router router() {
    return router;
  }

  /** Points every route of {@code domain} at {@code workspace}. */
  Switch promote(String domain, String workspace) {
    return make(() -> router.promote(domain, workspace));
  }

  /** Trades the workspaces behind two domains. */
  Switch swap(String a, String b) {
    return make(() -> router.swap(a, b));
  }

  /** Publishes the routing before the last change again. */
  Switch rollback() {
    return make(router::rollback);
  }

  /** The switches made so far, oldest first. */
  synchronized List<Switch> switches() {
    return List.copyOf(switches);
  }

  /** How many switches had returned: read before a request is sent. */
  long returned() {
    return returned.get();
  }

  /** How many switches had begun: read once an answer arrived. */
  long begun() {
    return begun.get();
  }

  /** The workspace the watched host had after switch {@code k} (0: before any). */
  String servingAfter(long k) {
    return servingAfter.getOrDefault(k, "?");
  }

  /**
   * Whether {@code workspace} may have served a request sent after switch {@code returnedBefore}
   * returned and answered before switch {@code begunAfter + 1} began.
   */
  boolean mayHaveServed(String workspace, long returnedBefore, long begunAfter) {
    // A switch that has begun may already route requests before its router call returns (the
    // table is published inside the call); what it routes to is known once the call returns,
    // which is a matter of microseconds.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (returned.get() < begunAfter && System.nanoTime() - deadline < 0) {
      LockSupport.parkNanos(1_000);
    }
    for (long k = returnedBefore; k <= begunAfter; k++) {
      if (workspace.equals(servingAfter.get(k))) {
        return true;
      }
    }
    return false;
  }

  /**
   * Makes one switch. A refused write (an unknown workspace, nothing to roll back to) changes
   * nothing and is rethrown; it still counts as a switch that kept the routing as it was.
   */
  private synchronized Switch make(Supplier<RoutingTable> write) {
    long k = begun.get() + 1;
    begun.set(k);
    RoutingTable table;
    long nanos;
    long cpuNanos;
    try {
      long cpuStart = THREADS.getCurrentThreadCpuTime();
      long start = System.nanoTime();
      table = write.get();
      nanos = System.nanoTime() - start;
      cpuNanos = THREADS.getCurrentThreadCpuTime() - cpuStart;
    } catch (RuntimeException refused) {
      servingAfter.put(k, serving(router.current()));
      returned.set(k);
      throw refused;
    }
    servingAfter.put(k, serving(table));
    returned.set(k);
    Switch made = new Switch(table.revision(), table.description(), nanos, cpuNanos, serving(table));
    switches.add(made);
    return made;
  }

  private String serving(RoutingTable table) {
    Resolution r = table.resolve(watched.toString(), "/");
    return r.isRouted() ? r.workspace().name() : "-";
  }

  /**
   * One published switch: the revision it made, the router's account of it, how long the router
   * call took (wall-clock and CPU nanoseconds: on a busy machine the first includes time the
   * thread waited for a core), and the workspace serving the watched host afterwards.
   */
  record Switch(long revision, String description, long nanos, long cpuNanos, String watchedHostOn) {
    /** The router call's wall-clock time in microseconds, to one decimal. */
    String micros() {
      return String.format(Locale.ROOT, "%.1f µs", nanos / 1000.0);
    }

    /** The router call's CPU time in microseconds, to one decimal; "?" if the JVM cannot tell. */
    String cpuMicros() {
      return cpuNanos < 0 ? "?" : String.format(Locale.ROOT, "%.1f µs", cpuNanos / 1000.0);
    }
  }
}
