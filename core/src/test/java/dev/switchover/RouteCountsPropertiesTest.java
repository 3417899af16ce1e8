package dev.switchover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.generators.Generate.frequency;
import static org.quicktheories.generators.Generate.pick;

import com.google.common.collect.HashMultiset;
import com.google.common.collect.Multiset;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.quicktheories.api.Pair;
import org.quicktheories.core.Gen;

/**
 * Random sequences of every builder method, one per revision or several in one builder, checked
 * after every build: the table's count of routes per workspace ({@link RoutingTable#routesTo},
 * which drains and {@code removeWorkspace} rely on) agrees with its routes, and every route's
 * workspace is declared. A refused call or an invalid table leaves the previous table as it was.
 * Each example is up to 30 builds, so the property runs a tenth of {@link PropertyRun#EXAMPLES}
 * (1,000 in the build).
 */
final class RouteCountsPropertiesTest {
  private static final List<HostName> HOSTS =
      hosts(
          "shop.example.com",
          "staging.example.com",
          "api.example.com",
          "www.example.com",
          "*.apps.example.com",
          "blue.preview.localhost",
          "green.preview.localhost",
          "undeclared.example.org");
  private static final List<PathPrefix> PREFIXES =
      List.of(PathPrefix.of("/"), PathPrefix.of("/api"), PathPrefix.of("/api/v2"), PathPrefix.of("/static"));
  private static final List<WorkspaceId> WORKSPACES =
      List.of(WorkspaceId.of("blue"), WorkspaceId.of("green"), WorkspaceId.of("red"), WorkspaceId.of("purple"));
  private static final List<HostName> SUFFIXES = hosts("preview.localhost", "preview.example.net");
  private static final List<String> KINDS =
      List.of(
          "workspace",
          "removeWorkspace",
          "domain",
          "removeDomain",
          "route",
          "removeRoute",
          "removeRoutes",
          "pointHost",
          "pointRoute",
          "swapRouting",
          "previewSuffix",
          "previewHost");

  /** One builder call: kind, two hosts, a prefix, a workspace, a status, a suffix (each kind uses what it needs). */
  record Op(String kind, HostName host, HostName other, PathPrefix prefix, WorkspaceId workspace, DomainStatus status, HostName suffix) {}

  @Test
  void routeCounts_agreeWithRoutes_afterEveryBuild() {
    PropertyRun run = PropertyRun.of(0x4ce6536029e9L, PropertyRun.EXAMPLES / 10);
    Multiset<List<String>> ops = HashMultiset.create();
    Multiset<List<String>> opsInBatch = HashMultiset.create();
    run.check(steps(), steps -> routeCountsAgreeWithRoutes(steps, ops, opsInBatch));
    for (String kind : KINDS) {
      run.assertSeen(List.of(kind, "built"), ops);
    }
    run.assertSeen(List.of("swapRouting", "built"), opsInBatch);
  }

  /** Counts each call as its kind and "refused", "invalid" or "built", alone or in a batch. */
  private static void routeCountsAgreeWithRoutes(
      List<List<Op>> steps, Multiset<List<String>> ops, Multiset<List<String>> opsInBatch) {
    RoutingTable table = initial();
    checkCounts(table, "initial table");
    for (List<Op> step : steps) {
      List<Route> routesBefore = table.routes();
      Set<WorkspaceId> workspacesBefore = table.workspaces();
      RoutingTable.Builder b = table.toBuilder();
      boolean[] refused = new boolean[step.size()];
      for (int i = 0; i < step.size(); i++) {
        try {
          apply(b, step.get(i));
        } catch (IllegalArgumentException | IllegalStateException e) {
          // A builder method checks its arguments before it changes anything: in a batch, the
          // builder goes on without the refused call.
          refused[i] = true;
        }
      }
      RoutingTable next = null;
      if (step.size() > 1 || !refused[0]) {
        try {
          next = b.build();
        } catch (InvalidTableException e) {
          // the table as a whole is not valid: the previous one stays
        }
      }
      for (int i = 0; i < step.size(); i++) {
        (step.size() == 1 ? ops : opsInBatch)
            .add(List.of(step.get(i).kind(), refused[i] ? "refused" : next == null ? "invalid" : "built"));
      }
      // The previous table is immutable: neither its builder nor a refused change touched it.
      assertEquals(routesBefore, table.routes(), step.toString());
      assertEquals(workspacesBefore, table.workspaces(), step.toString());
      if (next != null) {
        table = next;
        checkCounts(table, step.toString());
      }
    }
  }

  private static void checkCounts(RoutingTable table, String after) {
    List<Route> routes = table.routes();
    for (WorkspaceId ws : WORKSPACES) {
      boolean routed = routes.stream().anyMatch(r -> r.workspace().equals(ws));
      assertEquals(routed, table.routesTo(ws), ws + " after " + after + "; routes " + routes);
    }
    for (Route r : routes) {
      assertTrue(table.workspaces().contains(r.workspace()), r + " after " + after + "; workspaces " + table.workspaces());
    }
  }

  private static void apply(RoutingTable.Builder b, Op op) {
    switch (op.kind()) {
      case "workspace" -> b.workspace(op.workspace());
      case "removeWorkspace" -> b.removeWorkspace(op.workspace());
      case "domain" -> b.domain(op.host(), op.status());
      case "removeDomain" -> b.removeDomain(op.host());
      case "route" -> b.route(op.host(), op.prefix(), op.workspace());
      case "removeRoute" -> b.removeRoute(op.host(), op.prefix());
      case "removeRoutes" -> b.removeRoutes(op.host());
      case "pointHost" -> b.pointHost(op.host(), op.workspace());
      case "pointRoute" -> b.pointRoute(op.host(), op.prefix(), op.workspace());
      case "swapRouting" -> b.swapRouting(op.host(), op.other());
      case "previewSuffix" -> b.previewSuffix(op.suffix());
      case "previewHost" -> b.previewHost(op.host(), op.workspace());
      default -> throw new AssertionError(op.kind());
    }
  }

  /** Three of the four workspaces, five verified domains (one a wildcard), routes and a preview host. */
  private static RoutingTable initial() {
    return RoutingTable.builder()
        .workspace("blue")
        .workspace("green")
        .workspace("red")
        .previewSuffix("preview.localhost")
        .domain("shop.example.com", DomainStatus.VERIFIED)
        .domain("staging.example.com", DomainStatus.VERIFIED)
        .domain("api.example.com", DomainStatus.VERIFIED)
        .domain("www.example.com", DomainStatus.VERIFIED)
        .domain("*.apps.example.com", DomainStatus.VERIFIED)
        .route("shop.example.com", "/", "blue")
        .route("shop.example.com", "/api", "blue")
        .route("shop.example.com", "/static", "green")
        .route("staging.example.com", "/", "green")
        .route("api.example.com", "/api", "red")
        .route("api.example.com", "/api/v2", "red")
        .route("*.apps.example.com", "/", "red")
        .previewHost("blue.preview.localhost", "blue")
        .build();
  }

  private static List<HostName> hosts(String... names) {
    return Arrays.stream(names).map(HostName::parse).toList();
  }

  private static Gen<List<List<Op>>> steps() {
    Gen<String> kinds = pick(KINDS);
    Gen<HostName> hosts = pick(HOSTS);
    Gen<PathPrefix> prefixes = pick(PREFIXES);
    Gen<WorkspaceId> workspaces = pick(WORKSPACES);
    Gen<DomainStatus> statuses = pick(List.of(DomainStatus.VERIFIED, DomainStatus.VERIFIED, DomainStatus.PENDING, DomainStatus.REVOKED));
    Gen<HostName> suffixes = pick(SUFFIXES);
    Gen<Op> op = in -> new Op(
        kinds.generate(in),
        hosts.generate(in),
        hosts.generate(in),
        prefixes.generate(in),
        workspaces.generate(in),
        statuses.generate(in),
        suffixes.generate(in));
    Gen<List<Op>> step = frequency(Pair.of(3, op.map(o -> List.of(o))), Pair.of(1, ShrinkingLists.of(op, 2, 5)));
    return ShrinkingLists.of(step, 0, 30);
  }
}
