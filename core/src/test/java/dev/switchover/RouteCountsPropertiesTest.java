package dev.switchover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;

/**
 * Random sequences of every builder method, one per revision or several in one builder, checked
 * after every build: the table's count of routes per workspace ({@link RoutingTable#routesTo},
 * which drains and {@code removeWorkspace} rely on) agrees with its routes, and every route's
 * workspace is declared. A refused call or an invalid table leaves the previous table as it was.
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

  @Property(tries = 1000)
  void routeCounts_agreeWithRoutes_afterEveryBuild(@ForAll("steps") List<List<Op>> steps) {
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
      String label = step.size() == 1 ? "op" : "op in batch";
      for (int i = 0; i < step.size(); i++) {
        Statistics.label(label).collect(step.get(i).kind(), refused[i] ? "refused" : next == null ? "invalid" : "built");
      }
      // The previous table is immutable: neither its builder nor a refused change touched it.
      assertEquals(routesBefore, table.routes(), step.toString());
      assertEquals(workspacesBefore, table.workspaces(), step.toString());
      if (next != null) {
        table = next;
        checkCounts(table, step.toString());
      }
    }
    Statistics.label("op").coverage(c -> KINDS.forEach(k -> c.check(k, "built").count(n -> n > 0)));
    Statistics.label("op in batch").coverage(c -> c.check("swapRouting", "built").count(n -> n > 0));
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

  @Provide
  Arbitrary<List<List<Op>>> steps() {
    Arbitrary<Op> op =
        Combinators.combine(
                Arbitraries.of(KINDS),
                Arbitraries.of(HOSTS),
                Arbitraries.of(HOSTS),
                Arbitraries.of(PREFIXES),
                Arbitraries.of(WORKSPACES),
                Arbitraries.of(DomainStatus.VERIFIED, DomainStatus.VERIFIED, DomainStatus.PENDING, DomainStatus.REVOKED),
                Arbitraries.of(SUFFIXES))
            .as(Op::new)
            // edge cases would crowd out the kinds between the first and the last
            .withoutEdgeCases();
    Arbitrary<List<Op>> step =
        Arbitraries.frequencyOf(
            Tuple.of(3, op.list().ofSize(1)), Tuple.of(1, op.list().ofMinSize(2).ofMaxSize(5)));
    return step.list().ofMaxSize(30);
  }
}
