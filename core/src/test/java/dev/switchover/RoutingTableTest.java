package dev.switchover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class RoutingTableTest {
  private static final HostName SHOP = HostName.parse("shop.example.com");
  private static final WorkspaceId BLUE = WorkspaceId.of("blue");
  private static final WorkspaceId GREEN = WorkspaceId.of("green");

  private static RoutingTable.Builder twoWorkspaces() {
    return RoutingTable.builder().workspace(BLUE).workspace(GREEN);
  }

  private static RoutingTable shop() {
    return twoWorkspaces()
        .domain(SHOP, DomainStatus.VERIFIED)
        .route("shop.example.com", "/", "blue")
        .route("shop.example.com", "/api", "green")
        .build();
  }

  @Test
  void build_first_hasRevisionOneAndReasonInitial() {
    RoutingTable table = shop();
    assertEquals(1, table.revision());
    assertEquals(ChangeReason.INITIAL, table.reason());
    RoutingTable next = table.toBuilder().pointHost(SHOP, GREEN).build();
    assertEquals(2, next.revision());
    assertEquals(ChangeReason.EDIT, next.reason());
  }

  @Test
  void route_duplicateHostAndPrefix_isRefusedAtOnce() {
    RoutingTable.Builder b = twoWorkspaces().domain(SHOP, DomainStatus.VERIFIED).route("shop.example.com", "/api", "blue");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> b.route("SHOP.example.com.", "/api", "green"));
    assertTrue(String.valueOf(e.getMessage()).contains("duplicate route"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"PENDING", "FAILED", "EXPIRED", "REVOKED"})
  void build_routeForUnverifiedDomain_isRefusedNamingDomainAndStatus(String status) {
    RoutingTable.Builder b = twoWorkspaces().domain(SHOP, DomainStatus.valueOf(status)).route("shop.example.com", "/", "blue");
    InvalidTableException e = assertThrows(InvalidTableException.class, b::build);
    assertEquals(
        List.of("routes for shop.example.com need a VERIFIED domain, but its status is " + status), e.problems());
  }

  @Test
  void build_routeForUndeclaredDomain_isRefused() {
    InvalidTableException e =
        assertThrows(InvalidTableException.class, () -> twoWorkspaces().route("shop.example.com", "/", "blue").build());
    assertTrue(e.getMessage().contains("not declared"), e.getMessage());
  }

  @Test
  void build_routeToUndeclaredWorkspace_isRefusedListingTheDeclaredOnes() {
    InvalidTableException e = assertThrows(
        InvalidTableException.class,
        () -> twoWorkspaces().domain(SHOP, DomainStatus.VERIFIED).route("shop.example.com", "/", "grene").build());
    assertEquals(
        List.of("route shop.example.com/ -> grene points at workspace grene, which is not declared (declared: [blue, green])"),
        e.problems());
  }

  @Test
  void build_everyProblem_isListed() {
    InvalidTableException e = assertThrows(
        InvalidTableException.class,
        () -> twoWorkspaces()
            .domain(SHOP, DomainStatus.PENDING)
            .route("shop.example.com", "/", "red")
            .route("other.example.com", "/", "blue")
            .build());
    assertEquals(3, e.problems().size(), e.problems().toString());
  }

  @Test
  void removeWorkspace_stillRouted_isRefused() {
    InvalidTableException e =
        assertThrows(InvalidTableException.class, () -> shop().toBuilder().removeWorkspace(GREEN).build());
    assertEquals(List.of("workspace green cannot be removed: 1 route still points at it"), e.problems());
    RoutingTable without = shop().toBuilder().pointHost(SHOP, BLUE).removeWorkspace(GREEN).build();
    assertEquals(List.of(BLUE), List.copyOf(without.workspaces()));
  }

  @Test
  void toBuilder_workspaceChanges_touchNeitherTheBaseNorTablesBuiltBefore() {
    RoutingTable base = shop();
    RoutingTable.Builder b = base.toBuilder().pointHost(SHOP, BLUE);
    RoutingTable unchanged = b.build();
    assertEquals(List.of(BLUE, GREEN), List.copyOf(unchanged.workspaces()));
    RoutingTable withRed = b.workspace("red").build();
    RoutingTable withoutGreen = b.removeWorkspace(GREEN).build(); // the builder's own set by now
    assertThrows(IllegalArgumentException.class, () -> b.removeWorkspace(GREEN));
    assertEquals(List.of(BLUE, WorkspaceId.of("red")), List.copyOf(b.build().workspaces()));
    assertEquals(List.of(BLUE, GREEN), List.copyOf(base.workspaces()));
    assertEquals(List.of(BLUE, GREEN), List.copyOf(unchanged.workspaces()));
    assertEquals(List.of(BLUE, GREEN, WorkspaceId.of("red")), List.copyOf(withRed.workspaces()));
    assertEquals(List.of(BLUE, WorkspaceId.of("red")), List.copyOf(withoutGreen.workspaces()));
    // declaring a workspace twice is harmless, and removing one that is gone is refused
    assertEquals(List.of(BLUE, GREEN), List.copyOf(base.toBuilder().workspace(GREEN).build().workspaces()));
    assertSame(base.workspaces(), unchanged.workspaces(), "shared while no workspace changes");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> base.toBuilder().removeWorkspace(WorkspaceId.of("red")));
    assertEquals("workspace red is not declared (declared: [blue, green])", e.getMessage());
  }

  @Test
  void swapRouting_hostsWithDifferentPrefixes_countsEachWorkspacesRoutesAgain() {
    HostName a = HostName.parse("a.example.com");
    HostName b = HostName.parse("b.example.com");
    RoutingTable table = twoWorkspaces()
        .domain(a, DomainStatus.VERIFIED)
        .domain(b, DomainStatus.VERIFIED)
        .route("a.example.com", "/", "blue")
        .route("a.example.com", "/api", "blue")
        .route("b.example.com", "/", "green")
        .build();
    // a's two routes go to green, b's one to blue: blue now has one route, green two
    Router router = Router.create(table);
    router.swap(a, b);
    assertEquals(GREEN, router.current().resolve("a.example.com", "/api").workspace());
    assertEquals(BLUE, router.current().resolve("b.example.com", "/").workspace());
    router.promote(b, GREEN);
    RoutingTable now = router.current();
    assertFalse(now.routesTo(BLUE), "no route points at blue any more");
    assertTrue(router.awaitDrained(BLUE).isDone(), "so blue is drained at once");
    assertEquals(List.of(GREEN), List.copyOf(now.toBuilder().removeWorkspace(BLUE).build().workspaces()));
  }

  @Test
  void builder_oneHostWithManyRoutes_keepsEveryPrefixAndItsChanges() {
    RoutingTable.Builder b = twoWorkspaces().domain(SHOP, DomainStatus.VERIFIED).route("shop.example.com", "/", "blue");
    for (int i = 0; i < 5_000; i++) {
      b.route("shop.example.com", "/t/" + i, i % 2 == 0 ? "blue" : "green");
    }
    RoutingTable table = b.build();
    assertEquals(5_001, table.routes().size());
    assertEquals(GREEN, table.resolve("shop.example.com", "/t/4999/orders").workspace());
    assertEquals(BLUE, table.resolve("shop.example.com", "/t/4998").workspace());
    assertEquals(BLUE, table.resolve("shop.example.com", "/t/5000").workspace(), "no such prefix: the root");
    RoutingTable next = table.toBuilder()
        .pointRoute(SHOP, PathPrefix.of("/t/4999"), BLUE)
        .removeRoute(SHOP, PathPrefix.of("/t/4998"))
        .route(SHOP, PathPrefix.of("/t/4998/new"), GREEN)
        .build();
    assertEquals(BLUE, next.resolve("shop.example.com", "/t/4999/orders").workspace());
    assertEquals(BLUE, next.resolve("shop.example.com", "/t/4998").workspace(), "back to the root");
    assertEquals(GREEN, next.resolve("shop.example.com", "/t/4998/new/x").workspace());
    assertEquals(GREEN, table.resolve("shop.example.com", "/t/4999/orders").workspace(), "the base is unchanged");
  }

  @Test
  void builder_namesAsText_editAsTheValuesDo() {
    HostName staging = HostName.parse("staging.example.com");
    RoutingTable base =
        shop().toBuilder()
            .workspace("gray")
            .domain(staging, DomainStatus.VERIFIED)
            .route(staging, PathPrefix.ROOT, GREEN)
            .route(staging, PathPrefix.of("/api"), GREEN)
            .build();
    assertTrue(
        base.toBuilder().pointHost("Shop.Example.com", "green").build()
            .sameRoutingAs(base.toBuilder().pointHost(SHOP, GREEN).build()));
    assertTrue(
        base.toBuilder().pointRoute("shop.example.com.", "/api", "blue").build()
            .sameRoutingAs(base.toBuilder().pointRoute(SHOP, PathPrefix.of("/api"), BLUE).build()));
    assertTrue(
        base.toBuilder().swapRouting("shop.example.com", "staging.example.com").build()
            .sameRoutingAs(base.toBuilder().swapRouting(SHOP, staging).build()));
    assertTrue(
        base.toBuilder().removeRoute("shop.example.com", "/api").build()
            .sameRoutingAs(base.toBuilder().removeRoute(SHOP, PathPrefix.of("/api")).build()));
    assertTrue(
        base.toBuilder().removeRoutes("staging.example.com").build()
            .sameRoutingAs(base.toBuilder().removeRoutes(staging).build()));
    assertTrue(
        base.toBuilder().removeDomain("staging.example.com").build()
            .sameRoutingAs(base.toBuilder().removeDomain(staging).build()));
    assertTrue(
        base.toBuilder().removeWorkspace("gray").build()
            .sameRoutingAs(base.toBuilder().removeWorkspace(WorkspaceId.of("gray")).build()));
    assertThrows(IllegalArgumentException.class, () -> base.toBuilder().pointRoute("shop.example.com", "api", "blue"));
  }

  @Test
  void builder_buildsAgainAfterEachChange_earlierTablesKeepTheirRouting() {
    RoutingTable.Builder b = shop().toBuilder();
    RoutingTable first = b.pointRoute(SHOP, PathPrefix.of("/api"), BLUE).build();
    RoutingTable second = b.pointRoute(SHOP, PathPrefix.of("/api"), GREEN).route(SHOP, PathPrefix.of("/static"), BLUE).build();
    RoutingTable third = b.domain(SHOP, DomainStatus.VERIFIED).build(); // no change: the same routing
    RoutingTable fourth = b.removeRoute(SHOP, PathPrefix.of("/static")).build();
    assertEquals(BLUE, first.resolve("shop.example.com", "/api").workspace());
    assertEquals(Resolution.Outcome.ROUTED, first.resolve("shop.example.com", "/static/a.js").outcome());
    assertEquals(BLUE, first.resolve("shop.example.com", "/static/a.js").workspace(), "the root's");
    assertEquals(GREEN, second.resolve("shop.example.com", "/api").workspace());
    assertEquals(3, second.routes().size());
    assertTrue(third.sameRoutingAs(second));
    assertEquals(2, fourth.routes().size());
    assertEquals(3, second.routes().size(), "unchanged by the later removal");
  }

  @Test
  void toBuilder_failedBuild_leavesTheBaseTableAsItWas() {
    RoutingTable table = shop();
    assertThrows(InvalidTableException.class, () -> table.toBuilder().domain(SHOP, DomainStatus.REVOKED).build());
    assertEquals(DomainStatus.VERIFIED, table.domainStatus(SHOP).orElseThrow());
    assertEquals("green", table.resolve("shop.example.com", "/api").workspace().name());
  }

  @Test
  void previewHosts_needNoVerification_underTheSuffixOnly() {
    RoutingTable table = twoWorkspaces()
        .previewSuffix("preview.localhost")
        .previewHost("green.preview.localhost", "green")
        .previewHost("*.blue.preview.localhost", "blue")
        .build();
    assertEquals(GREEN, table.resolve("GREEN.preview.localhost:8080", "/any/path").workspace());
    assertEquals(BLUE, table.resolve("pr-17.blue.preview.localhost", "/").workspace());
    assertEquals(Resolution.Outcome.UNKNOWN_HOST, table.resolve("preview.localhost", "/").outcome());
    IllegalArgumentException e = assertThrows(
        IllegalArgumentException.class, () -> table.toBuilder().previewHost("green.example.com", "green"));
    assertTrue(String.valueOf(e.getMessage()).contains("preview suffix"), e.getMessage());
    assertThrows(IllegalStateException.class, () -> twoWorkspaces().previewHost("a.preview.localhost", "blue"));
  }

  @Test
  void previewSuffix_publicSuffix_isRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> twoWorkspaces().previewSuffix("com"));
    assertTrue(String.valueOf(e.getMessage()).contains("public suffix"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> twoWorkspaces().previewSuffix("github.io"));
  }

  @Test
  void previewSuffix_changed_hostsOutsideTheNewSuffixAreRefused() {
    RoutingTable table = twoWorkspaces().previewSuffix("preview.localhost").previewHost("green.preview.localhost", "green").build();
    InvalidTableException e =
        assertThrows(InvalidTableException.class, () -> table.toBuilder().previewSuffix("preview.example.net").build());
    assertTrue(e.getMessage().contains("green.preview.localhost"), e.getMessage());
  }

  @Test
  void resolve_exactHostBeatsWildcard_evenWhenItsPathsDoNotMatch() {
    RoutingTable table = twoWorkspaces()
        .domain("*.example.com", DomainStatus.VERIFIED)
        .domain(SHOP, DomainStatus.VERIFIED)
        .route("*.example.com", "/", "blue")
        .route("shop.example.com", "/api", "green")
        .build();
    assertEquals(GREEN, table.resolve("shop.example.com", "/api/x").workspace());
    assertEquals(Resolution.Outcome.NO_ROUTE, table.resolve("shop.example.com", "/other").outcome());
    assertEquals(BLUE, table.resolve("news.example.com", "/other").workspace());
    assertEquals(Resolution.Outcome.UNKNOWN_HOST, table.resolve("example.com", "/").outcome());
    assertEquals(Resolution.Outcome.UNKNOWN_HOST, table.resolve("a.news.example.com", "/").outcome());
  }

  @Test
  void resolve_declaredDomainWithoutRoutes_fallsBackToTheWildcard() {
    RoutingTable table = twoWorkspaces()
        .domain("*.example.com", DomainStatus.VERIFIED)
        .domain(SHOP, DomainStatus.PENDING)
        .route("*.example.com", "/", "blue")
        .build();
    assertEquals(BLUE, table.resolve("shop.example.com", "/").workspace());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "", "[::1]", "[::1]:8080", "1.2.3.4", "example.com:abc", "a..b.example.com", "*.example.com",
      "shop.example.com:", "shop.example.com:99999999", "shop.example.com..", "shöp.example.com",
      "shop.example.com\u0000", " shop.example.com", "shop.example.com/", "sh*p.example.com",
      "-a.example.com", "a_b.example.com",
  })
  void resolve_malformedHosts_areUnknownAndNeverThrow(String host) {
    RoutingTable table = twoWorkspaces()
        .domain("*.example.com", DomainStatus.VERIFIED)
        .domain(SHOP, DomainStatus.VERIFIED)
        .route("*.example.com", "/", "blue")
        .route("shop.example.com", "/", "green")
        .build();
    assertEquals(Resolution.Outcome.UNKNOWN_HOST, table.resolve(host, "/").outcome());
  }

  @Test
  void resolve_hugeInputs_neverThrow() {
    RoutingTable table = shop();
    assertEquals(Resolution.Outcome.UNKNOWN_HOST, table.resolve("x".repeat(10_000), "/").outcome());
    assertEquals(BLUE, table.resolve("shop.example.com", "/" + "a/".repeat(10_000)).workspace());
    assertEquals(GREEN, table.resolve("shop.example.com", "/api/" + "\u0000\uFFFF".repeat(5_000)).workspace());
  }

  @Test
  void resolve_paths_longestPrefixOnSegmentBoundaries() {
    RoutingTable table = twoWorkspaces()
        .domain(SHOP, DomainStatus.VERIFIED)
        .route("shop.example.com", "/api", "blue")
        .route("shop.example.com", "/api/v2", "green")
        .build();
    assertEquals(BLUE, table.resolve("shop.example.com", "/api").workspace());
    assertEquals(BLUE, table.resolve("shop.example.com", "/api/").workspace());
    assertEquals(BLUE, table.resolve("shop.example.com", "/api/v20").workspace());
    assertEquals(GREEN, table.resolve("shop.example.com", "/api/v2").workspace());
    assertEquals(GREEN, table.resolve("shop.example.com", "/api/v2/x/y").workspace());
    assertEquals(Resolution.Outcome.NO_ROUTE, table.resolve("shop.example.com", "/apix").outcome());
    assertEquals(Resolution.Outcome.NO_ROUTE, table.resolve("shop.example.com", "/").outcome());
    assertEquals(Resolution.Outcome.NO_ROUTE, table.resolve("shop.example.com", "").outcome());
    assertEquals(Resolution.Outcome.NO_ROUTE, table.resolve("shop.example.com", "api").outcome());
  }

  @Test
  void swapRouting_differentPrefixes_tradesTheOneWorkspaceOfEachHost() {
    HostName staging = HostName.parse("staging.example.com");
    RoutingTable base = twoWorkspaces()
        .domain(SHOP, DomainStatus.VERIFIED)
        .domain(staging, DomainStatus.VERIFIED)
        .route(SHOP, PathPrefix.ROOT, BLUE)
        .route(SHOP, PathPrefix.of("/api"), BLUE)
        .route(staging, PathPrefix.ROOT, GREEN)
        .build();
    RoutingTable swapped = base.toBuilder().swapRouting(SHOP, staging).build();
    assertEquals(
        List.of(Route.of(SHOP, PathPrefix.ROOT, GREEN), Route.of(SHOP, PathPrefix.of("/api"), GREEN)),
        swapped.routes(SHOP));
    assertEquals(List.of(Route.of(staging, PathPrefix.ROOT, BLUE)), swapped.routes(staging));
  }

  @Test
  void swapRouting_samePrefixes_tradesPrefixByPrefix() {
    HostName staging = HostName.parse("staging.example.com");
    WorkspaceId red = WorkspaceId.of("red");
    RoutingTable swapped = twoWorkspaces().workspace(red)
        .domain(SHOP, DomainStatus.VERIFIED)
        .domain(staging, DomainStatus.VERIFIED)
        .route(SHOP, PathPrefix.ROOT, BLUE)
        .route(SHOP, PathPrefix.of("/api"), red)
        .route(staging, PathPrefix.ROOT, GREEN)
        .route(staging, PathPrefix.of("/api"), BLUE)
        .build()
        .toBuilder()
        .swapRouting(SHOP, staging)
        .build();
    assertEquals(
        List.of(Route.of(SHOP, PathPrefix.ROOT, GREEN), Route.of(SHOP, PathPrefix.of("/api"), BLUE)),
        swapped.routes(SHOP));
    assertEquals(
        List.of(Route.of(staging, PathPrefix.ROOT, BLUE), Route.of(staging, PathPrefix.of("/api"), red)),
        swapped.routes(staging));
  }

  @Test
  void swapRouting_differentPrefixesAndASplitHost_isRefused() {
    HostName staging = HostName.parse("staging.example.com");
    RoutingTable.Builder b = shop().toBuilder().domain(staging, DomainStatus.VERIFIED).route(staging, PathPrefix.ROOT, GREEN);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.swapRouting(SHOP, staging));
    assertTrue(String.valueOf(e.getMessage()).contains("splits its paths"), e.getMessage());
  }

  @Test
  void views_listDomainsRoutesAndWorkspaces() {
    RoutingTable table = shop().toBuilder().domain("pending.example.com", DomainStatus.PENDING).build();
    assertEquals(
        Map.of(SHOP, DomainStatus.VERIFIED, HostName.parse("pending.example.com"), DomainStatus.PENDING),
        table.domains());
    assertEquals(2, table.routes().size());
    assertEquals(List.of(SHOP), List.copyOf(table.routedHosts()));
    assertTrue(table.routesTo(GREEN));
    assertFalse(table.toBuilder().pointHost(SHOP, BLUE).build().routesTo(GREEN));
    assertTrue(table.toString().contains("revision=2"), table.toString());
  }

  @Test
  void removeDomain_forgetsStatusAndRoutes() {
    RoutingTable table = shop().toBuilder().removeDomain(SHOP).build();
    assertTrue(table.domains().isEmpty());
    assertTrue(table.routes().isEmpty());
    assertFalse(table.routesTo(BLUE));
    assertEquals(Resolution.Outcome.UNKNOWN_HOST, table.resolve("shop.example.com", "/").outcome());
  }

  @Test
  void largeTable_putsAndRemovesStayConsistent() {
    RoutingTable.Builder b = twoWorkspaces();
    for (int i = 0; i < 5_000; i++) {
      HostName h = HostName.parse("d" + i + ".example.com");
      b.domain(h, DomainStatus.VERIFIED).route(h, PathPrefix.ROOT, i % 2 == 0 ? BLUE : GREEN);
    }
    RoutingTable table = b.build();
    RoutingTable.Builder removing = table.toBuilder();
    for (int i = 0; i < 5_000; i += 3) {
      removing.removeDomain(HostName.parse("d" + i + ".example.com"));
    }
    RoutingTable smaller = removing.build();
    for (int i = 0; i < 5_000; i++) {
      String host = "D" + i + ".example.com";
      assertEquals(i % 2 == 0 ? BLUE : GREEN, table.resolve(host, "/").workspace());
      assertEquals(i % 3 == 0 ? Resolution.Outcome.UNKNOWN_HOST : Resolution.Outcome.ROUTED, smaller.resolve(host, "/").outcome(), host);
    }
    assertEquals(5_000 - 1_667, smaller.routes().size());
  }

  @Test
  void changedHosts_nameWhatTheBuilderTouched_andTheBase() {
    RoutingTable first = shop();
    assertEquals(0, first.baseRevision());
    assertEquals(java.util.Set.of(SHOP), first.changedHosts());
    RoutingTable next = first.toBuilder().domain("other.example.com", DomainStatus.PENDING).pointHost(SHOP, GREEN).build();
    assertEquals(first.revision(), next.baseRevision());
    assertEquals(java.util.Set.of(SHOP, HostName.parse("other.example.com")), next.changedHosts());
    assertEquals(java.util.Set.of(), next.toBuilder().workspace("red").build().changedHosts());
  }

  @Test
  void describe_setsWhatAStoreRebuilds_andRefusesRevisionZero() {
    RoutingTable t = shop().toBuilder().describe(42, ChangeReason.SWAP, "swap a <-> b").build();
    assertEquals(42, t.revision());
    assertEquals(ChangeReason.SWAP, t.reason());
    assertEquals("swap a <-> b", t.description());
    assertThrows(IllegalArgumentException.class, () -> shop().toBuilder().describe(0, ChangeReason.EDIT, "x"));
  }
}
