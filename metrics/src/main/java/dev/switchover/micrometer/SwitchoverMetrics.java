package dev.switchover.micrometer;

import static com.google.common.base.Preconditions.checkNotNull;

import dev.switchover.ChangeReason;
import dev.switchover.DomainStatus;
import dev.switchover.HostName;
import dev.switchover.RequestOutcome;
import dev.switchover.Router;
import dev.switchover.RoutingTable;
import dev.switchover.Subscription;
import dev.switchover.WorkspaceId;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Binds a {@link Router}'s counts to a Micrometer registry. Every meter reads what the router
 * already counts, so the request path pays nothing for metrics:
 *
 * <ul>
 *   <li>{@code switchover.requests} (function counter; tags {@code workspace}, {@code outcome}:
 *       {@code served}, {@code workspace_error} (the workspace's own 5xx), {@code unavailable} (503), {@code bad_gateway} (502), {@code
 *       gateway_timeout} (504); and with {@code workspace=none}, {@code unknown_host} (421) and
 *       {@code no_route} (404));
 *   <li>{@code switchover.requests.in.flight} (gauge; tag {@code workspace});
 *   <li>{@code switchover.switches} (counter; tag {@code kind}: {@code promote}, {@code swap},
 *       {@code rollback}, {@code edit}, {@code domain_status}) and {@code switchover.rollbacks}
 *       (counter), for tables published after binding, here or by a router sharing the store;
 *   <li>{@code switchover.table.revision} (gauge);
 *   <li>{@code switchover.verification.outcomes} (counter; tag {@code status}): each change of a
 *       domain's verification status seen in a published table.
 * </ul>
 *
 * <p>Workspaces declared later get their meters when the first table naming them is published.
 * Thread-safe; bind it to as many registries as you like, and {@link #close()} it to stop
 * listening to the router.
 *
 * <pre>{@code
 * SwitchoverMetrics metrics = SwitchoverMetrics.of(router);
 * metrics.bindTo(registry);
 * }</pre>
 */
public final class SwitchoverMetrics implements MeterBinder, AutoCloseable {
  /** The outcomes counted per workspace; the others belong to no workspace. */
  private static final List<RequestOutcome> WORKSPACE_OUTCOMES =
      List.of(
          RequestOutcome.SERVED,
          RequestOutcome.WORKSPACE_ERROR,
          RequestOutcome.UNAVAILABLE,
          RequestOutcome.BAD_GATEWAY,
          RequestOutcome.GATEWAY_TIMEOUT);

  private final Router router;
  private final List<Bound> bound = new CopyOnWriteArrayList<>();
  private final Subscription subscription;
  private volatile RoutingTable last;

  /** One registry and what has been registered in it. */
  private static final class Bound {
    final MeterRegistry registry;
    final Set<WorkspaceId> workspaces = new HashSet<>();
    final Map<ChangeReason, Counter> switches = new EnumMap<>(ChangeReason.class);
    final Counter rollbacks;

    Bound(MeterRegistry registry) {
      this.registry = registry;
      for (ChangeReason reason : ChangeReason.values()) {
        if (reason != ChangeReason.INITIAL) {
          switches.put(reason, Counter.builder("switchover.switches")
              .description("Routing tables published, by why they were made")
              .tag("kind", reason.name().toLowerCase(Locale.ROOT))
              .register(registry));
        }
      }
      rollbacks = Counter.builder("switchover.rollbacks").description("Rollbacks published").register(registry);
    }
  }

  private SwitchoverMetrics(Router router) {
    this.router = router;
    this.last = router.current();
    this.subscription = router.addListener(this::published);
  }

  /** Metrics of {@code router}; bind them with {@link #bindTo}. */
  public static SwitchoverMetrics of(Router router) {
    return new SwitchoverMetrics(checkNotNull(router, "router"));
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    checkNotNull(registry, "registry");
    Bound b = new Bound(registry);
    Gauge.builder("switchover.table.revision", router, r -> r.current().revision())
        .description("The revision of the routing table this router serves")
        .register(registry);
    for (RequestOutcome outcome : List.of(RequestOutcome.UNKNOWN_HOST, RequestOutcome.NO_ROUTE)) {
      FunctionCounter.builder("switchover.requests", router, r -> r.unroutedRequests(outcome))
          .description("Requests routed by this router, by workspace and how they ended")
          .tag("workspace", "none")
          .tag("outcome", outcome.name().toLowerCase(Locale.ROOT))
          .register(registry);
    }
    synchronized (b) {
      registerWorkspaces(b, router.current());
    }
    bound.add(b);
  }

  /** Stops following the router's tables; the meters already registered stay. */
  @Override
  public void close() {
    subscription.close();
  }

  private void registerWorkspaces(Bound b, RoutingTable table) {
    for (WorkspaceId w : table.workspaces()) {
      if (!b.workspaces.add(w)) {
        continue;
      }
      for (RequestOutcome outcome : WORKSPACE_OUTCOMES) {
        FunctionCounter.builder("switchover.requests", router, r -> r.requests(w, outcome))
            .description("Requests routed by this router, by workspace and how they ended")
            .tag("workspace", w.name())
            .tag("outcome", outcome.name().toLowerCase(Locale.ROOT))
            .register(b.registry);
      }
      Gauge.builder("switchover.requests.in.flight", router, r -> r.inFlight(w))
          .description("Requests in flight on the workspace now")
          .tag("workspace", w.name())
          .register(b.registry);
    }
  }

  /** A table published: count the switch, and meters for workspaces new to it. */
  private void published(RoutingTable table) {
    RoutingTable before = last;
    last = table;
    for (Bound b : bound) {
      synchronized (b) {
        Counter c = b.switches.get(table.reason());
        if (c != null) {
          c.increment();
        }
        if (table.reason() == ChangeReason.ROLLBACK) {
          b.rollbacks.increment();
        }
        registerWorkspaces(b, table);
        if (table.reason() == ChangeReason.DOMAIN_STATUS || table.reason() == ChangeReason.EDIT) {
          countStatusChanges(b, before, table);
        }
      }
    }
  }

  /** Each domain whose status differs from the table before: a verification outcome. */
  private static void countStatusChanges(Bound b, RoutingTable before, RoutingTable after) {
    Map<HostName, DomainStatus> old = before.domains();
    for (Map.Entry<HostName, DomainStatus> d : after.domains().entrySet()) {
      if (d.getValue() != old.get(d.getKey())) {
        Counter.builder("switchover.verification.outcomes")
            .description("Domains that reached a verification status")
            .tag("status", d.getValue().name().toLowerCase(Locale.ROOT))
            .register(b.registry)
            .increment();
      }
    }
  }

  @Override
  public String toString() {
    return "SwitchoverMetrics{revision=" + router.current().revision() + ", registries=" + bound.size() + "}";
  }
}
