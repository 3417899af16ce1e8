package dev.switchover;

import static dev.switchover.RouterTest.BLUE;
import static dev.switchover.RouterTest.GREEN;
import static dev.switchover.RouterTest.blueGreen;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

final class RequestCountsTest {
  @Test
  void admit_countsEachRequestByWorkspaceAndOutcomeWhenItEnds() {
    Router router = Router.create(blueGreen());
    for (int i = 0; i < 3; i++) {
      router.admit("shop.example.com", "/").close();
    }
    Admission open = router.admit("shop.example.com", "/api");
    assertEquals(3, router.requests(BLUE, RequestOutcome.SERVED), "an open admission is not counted yet");
    open.close();
    open.close();
    assertEquals(4, router.requests(BLUE, RequestOutcome.SERVED), "closing twice counts once");
    router.admit("staging.example.com", "/").close();
    assertEquals(1, router.requests(GREEN, RequestOutcome.SERVED));
    assertEquals(0, router.requests(WorkspaceId.of("never"), RequestOutcome.SERVED));
  }

  @Test
  void admit_countsUnknownHostsAndMissingRoutesApart() {
    Router router = Router.create(blueGreen());
    router.admit("nowhere.example.com", "/").close();
    router.admit("nowhere.example.com", "/").close();
    Router pathOnly = Router.create(RoutingTable.builder().workspace(BLUE).domain(RouterTest.SHOP, DomainStatus.VERIFIED)
        .route(RouterTest.SHOP, PathPrefix.of("/api"), BLUE).build());
    pathOnly.admit("shop.example.com", "/other").close();
    assertEquals(2, router.unroutedRequests(RequestOutcome.UNKNOWN_HOST));
    assertEquals(0, router.unroutedRequests(RequestOutcome.NO_ROUTE));
    assertEquals(1, pathOnly.unroutedRequests(RequestOutcome.NO_ROUTE));
    assertEquals(0, router.unroutedRequests(RequestOutcome.SERVED));
    assertEquals(0, router.requests(BLUE, RequestOutcome.UNKNOWN_HOST));
  }

  @Test
  void failed_marksTheOutcomeCountedOnClose() {
    Router router = Router.create(blueGreen());
    try (Admission a = router.admit("shop.example.com", "/")) {
      a.failed(RequestOutcome.BAD_GATEWAY);
    }
    try (Admission a = router.admit("shop.example.com", "/")) {
      a.failed(RequestOutcome.GATEWAY_TIMEOUT);
    }
    try (Admission a = router.admit("shop.example.com", "/")) {
      a.failed(RequestOutcome.UNAVAILABLE);
      assertThrows(IllegalArgumentException.class, () -> a.failed(RequestOutcome.NO_ROUTE));
      assertThrows(IllegalArgumentException.class, () -> a.failed(RequestOutcome.SERVED));
    }
    assertEquals(1, router.requests(BLUE, RequestOutcome.BAD_GATEWAY));
    assertEquals(1, router.requests(BLUE, RequestOutcome.GATEWAY_TIMEOUT));
    assertEquals(1, router.requests(BLUE, RequestOutcome.UNAVAILABLE));
    assertEquals(0, router.requests(BLUE, RequestOutcome.SERVED));
  }

  @Test
  void answered_aServerErrorStatus_countsAsTheWorkspacesError() {
    Router router = Router.create(blueGreen());
    for (int status : new int[] {200, 302, 404, 499, 600, -1}) {
      try (Admission a = router.admit("shop.example.com", "/")) {
        a.answered(status);
      }
    }
    for (int status : new int[] {500, 503, 599}) {
      try (Admission a = router.admit("shop.example.com", "/")) {
        a.answered(status);
      }
    }
    assertEquals(6, router.requests(BLUE, RequestOutcome.SERVED));
    assertEquals(3, router.requests(BLUE, RequestOutcome.WORKSPACE_ERROR));
  }

  @Test
  void answered_afterAnAdapterFailure_keepsTheFailure() {
    Router router = Router.create(blueGreen());
    try (Admission a = router.admit("shop.example.com", "/")) {
      a.failed(RequestOutcome.BAD_GATEWAY);
      a.answered(502);
    }
    Admission closed = router.admit("shop.example.com", "/");
    closed.close();
    closed.answered(500);
    assertEquals(1, router.requests(BLUE, RequestOutcome.BAD_GATEWAY));
    assertEquals(1, router.requests(BLUE, RequestOutcome.SERVED));
    assertEquals(0, router.requests(BLUE, RequestOutcome.WORKSPACE_ERROR));
  }

  @Test
  void failed_afterClose_changesNothing() {
    Router router = Router.create(blueGreen());
    Admission a = router.admit("shop.example.com", "/");
    a.close();
    a.failed(RequestOutcome.BAD_GATEWAY);
    a.close();
    assertEquals(1, router.requests(BLUE, RequestOutcome.SERVED));
    assertEquals(0, router.requests(BLUE, RequestOutcome.BAD_GATEWAY));
  }

  @Test
  void outcomes_eachHaveTheirOwnPlaceInTheCounters() {
    java.util.Set<Integer> indexes = new java.util.HashSet<>();
    for (RequestOutcome o : RequestOutcome.values()) {
      indexes.add(o.index());
      assertEquals(o, RequestOutcome.ofIndex(o.index()));
    }
    assertEquals(RequestOutcome.COUNT, RequestOutcome.values().length);
    assertEquals(java.util.Set.of(0, 1, 2, 3, 4, 5, 6), indexes);
  }
}
