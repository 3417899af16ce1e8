package dev.switchover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Routes that split their traffic with a canary: the table, the router's writes, admission. */
final class CanaryTest {
  private static final HostName SHOP = RouterTest.SHOP;
  private static final HostName STAGING = RouterTest.STAGING;
  private static final WorkspaceId BLUE = RouterTest.BLUE;
  private static final WorkspaceId GREEN = RouterTest.GREEN;
  private static final PathPrefix API = PathPrefix.of("/api");

  /** A key whose bucket is below {@code basisPoints}, or at or above it. */
  private static String keyIn(boolean canary, int basisPoints) {
    for (int i = 0; ; i++) {
      String key = "k" + i;
      if (Split.of(GREEN, basisPoints).choosesCanary(key) == canary) {
        return key;
      }
    }
  }

  @SuppressWarnings("NullAway") // on purpose, to see it refused
  private static CharSequence nullKey() {
    return null;
  }

  @Test
  void split_wholeDomain_splitsEveryRouteAsOneRevision() {
    Router router = Router.create(RouterTest.blueGreen());
    RoutingTable t = router.split(SHOP, Split.ofPercent(GREEN, 10));
    assertEquals(2, t.revision());
    assertEquals(ChangeReason.SPLIT, t.reason());
    assertEquals("split shop.example.com: 10% to green", t.description());
    assertTrue(t.hasSplits());
    for (Route r : t.routes(SHOP)) {
      assertEquals(Optional.of(Split.of(GREEN, 1000)), r.split(), r.toString());
      assertEquals(BLUE, r.workspace());
    }
    assertEquals(Optional.empty(), t.routes(STAGING).get(0).split());
    assertEquals("shop.example.com/ -> blue, 10% to green", t.routes(SHOP).get(0).toString());
  }

  @Test
  void resolve_splitRoute_answersTheRouteAndChoosesBySide() {
    Router router = Router.create(RouterTest.blueGreen());
    router.split(SHOP, API, Split.ofPercent(GREEN, 25));
    Resolution r = router.resolve("shop.example.com", "/api/orders");
    assertTrue(r.isSplit());
    assertEquals(BLUE, r.workspace());
    Resolution canary = r.choose(keyIn(true, 2500));
    assertEquals(GREEN, canary.workspace());
    assertTrue(canary.isSplit(), "the canary's side is of a split route too");
    assertSame(canary, canary.choose(keyIn(false, 2500)), "a side chosen stays chosen");
    assertThrows(NullPointerException.class, () -> r.choose(nullKey()));
    assertEquals(r.prefix(), canary.prefix());
    assertSame(r, r.choose(keyIn(false, 2500)));
    assertSame(canary, r.choose(keyIn(true, 2500)), "made ahead, not per request");
    assertEquals("ROUTED /api -> blue, 25% to green, on green", canary.toString());
    Resolution root = router.resolve("shop.example.com", "/");
    assertFalse(root.isSplit());
    assertSame(root, root.choose("anything"));
  }

  @Test
  void admit_splitRoute_countsTheChosenSideInFlight() {
    Router router = Router.create(RouterTest.blueGreen());
    router.split(SHOP, Split.of(GREEN, 5000));
    try (Admission toGreen = router.admit("shop.example.com", "/", keyIn(true, 5000));
        Admission toBlue = router.admit("shop.example.com", "/", keyIn(false, 5000))) {
      assertEquals(GREEN, toGreen.workspace());
      assertEquals(BLUE, toBlue.workspace());
      assertNull(toGreen.newStickyKey());
      assertEquals(1, router.inFlight(GREEN));
      assertEquals(1, router.inFlight(BLUE));
    }
    assertEquals(1, router.requests(GREEN, RequestOutcome.SERVED));
  }

  @Test
  void admit_splitRouteWithoutKey_makesOneAndReportsIt() {
    Router router = Router.create(RouterTest.blueGreen());
    router.split(SHOP, Split.of(GREEN, 5000));
    for (CharSequence missing : new CharSequence[] {null, ""}) {
      try (Admission a = router.admit("shop.example.com", "/", missing)) {
        String key = a.newStickyKey();
        assertNotNull(key);
        assertEquals(Split.of(GREEN, 5000).choosesCanary(key) ? GREEN : BLUE, a.workspace(), "the side of the key it reports");
      }
    }
    try (Admission plain = router.admit("shop.example.com", "/")) {
      assertNotNull(plain.newStickyKey());
    }
  }

  @Test
  void admit_routeWithoutSplit_neverMakesAKey() {
    Router router = Router.create(RouterTest.blueGreen());
    router.split(SHOP, API, Split.of(GREEN, 5000));
    try (Admission a = router.admit("shop.example.com", "/", null)) {
      assertNull(a.newStickyKey());
      assertEquals(BLUE, a.workspace());
    }
  }

  /** The adapters' form asks for the key only when the route it resolved to splits, once. */
  @Test
  void admit_withStickyKeys_asksForTheKeyOnlyOnASplitRoute() {
    Router router = Router.create(RouterTest.blueGreen());
    router.split(SHOP, API, Split.of(GREEN, 5000));
    java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
    Router.StickyKeys<String> keys =
        request -> {
          asked.incrementAndGet();
          return request;
        };
    try (Admission plain = router.admit("shop.example.com", "/", null, null, "unused", keys)) {
      assertEquals(BLUE, plain.workspace());
    }
    assertEquals(0, asked.get(), "a route without a split reads no key");
    String green = keyIn(true, 5000);
    try (Admission split = router.admit("shop.example.com", "/api/x", null, null, green, keys)) {
      assertEquals(GREEN, split.workspace());
      assertNull(split.newStickyKey());
    }
    assertEquals(1, asked.get());
    try (Admission none = router.admit("shop.example.com", "/api/x", null, null, "", keys)) {
      assertNotNull(none.newStickyKey(), "an empty key is no key: a new one is made");
    }
    PreviewTokens previews = PreviewTokens.builder().signingKey("k", new byte[32]).build();
    String token = previews.mint(SHOP, BLUE, java.time.Duration.ofMinutes(5));
    try (Admission preview = router.admit("shop.example.com", "/api/x", previews, token, green, keys)) {
      assertEquals(BLUE, preview.workspace(), "a valid preview token wins over the split");
    }
    assertEquals(2, asked.get(), "and a preview reads no key");
  }

  @Test
  void admit_previewTokenOnASplitRoute_winsOverTheSplit() {
    PreviewTokens previews = PreviewTokens.builder().signingKey("k", new byte[32]).build();
    Router router = Router.create(RouterTest.blueGreen().toBuilder().workspace("purple").build());
    router.split(SHOP, Split.of(GREEN, Split.ALL));
    String token = previews.mint(SHOP, WorkspaceId.of("purple"), java.time.Duration.ofMinutes(5));
    try (Admission a = router.admit("shop.example.com", "/", previews, token, "any")) {
      assertEquals(WorkspaceId.of("purple"), a.workspace());
    }
    try (Admission a = router.admit("shop.example.com", "/", previews, "forged", "any")) {
      assertEquals(GREEN, a.workspace());
    }
  }

  @Test
  void split_raisingTheWeight_movesOnlyBlueClients() {
    Router router = Router.create(RouterTest.blueGreen());
    router.split(SHOP, Split.ofPercent(GREEN, 5));
    List<String> keys = java.util.stream.IntStream.range(0, 2000).mapToObj(i -> "client-" + i).toList();
    boolean[] wasGreen = new boolean[keys.size()];
    for (int i = 0; i < keys.size(); i++) {
      try (Admission a = router.admit("shop.example.com", "/", keys.get(i))) {
        wasGreen[i] = a.workspace().equals(GREEN);
      }
    }
    for (int percent : new int[] {25, 50, 100}) {
      router.split(SHOP, Split.ofPercent(GREEN, percent));
      for (int i = 0; i < keys.size(); i++) {
        try (Admission a = router.admit("shop.example.com", "/", keys.get(i))) {
          boolean green = a.workspace().equals(GREEN);
          assertTrue(green || !wasGreen[i], keys.get(i) + " went back to blue at " + percent + "%");
          wasGreen[i] = green;
        }
      }
    }
    for (boolean g : wasGreen) {
      assertTrue(g, "at 100% every client is on the canary");
    }
  }

  @Test
  void split_invalid_isRefusedAndChangesNothing() {
    Router router = Router.create(RouterTest.blueGreen());
    RoutingTable before = router.current();
    InvalidTableException undeclared =
        assertThrows(InvalidTableException.class, () -> router.split(SHOP, Split.of(WorkspaceId.of("red"), 10)));
    assertTrue(undeclared.getMessage().contains("splits to workspace red, which is not declared"), undeclared.getMessage());
    IllegalArgumentException own =
        assertThrows(IllegalArgumentException.class, () -> router.split(SHOP, Split.of(BLUE, 10)));
    assertTrue(String.valueOf(own.getMessage()).contains("cannot split to its own workspace blue"), own.getMessage());
    assertThrows(IllegalArgumentException.class, () -> router.split(HostName.parse("nowhere.example.com"), Split.of(GREEN, 10)));
    assertThrows(IllegalArgumentException.class, () -> router.split(SHOP, PathPrefix.of("/nope"), Split.of(GREEN, 10)));
    assertSame(before, router.current());
    assertFalse(before.hasSplits());
  }

  @Test
  void split_staleRevision_isRejected() {
    Router router = Router.create(RouterTest.blueGreen());
    router.split(1, SHOP, null, Split.of(GREEN, 100));
    RevisionConflictException e =
        assertThrows(RevisionConflictException.class, () -> router.split(1, SHOP, null, Split.of(GREEN, 500)));
    assertEquals(2, e.actualRevision());
    assertThrows(RevisionConflictException.class, () -> router.endSplit(1, SHOP, null));
    assertEquals(Optional.of(Split.of(GREEN, 100)), router.current().routes(SHOP).get(0).split());
  }

  @Test
  void endSplit_sendsEverythingBackAndForgetsTheCanary() {
    Router router = Router.create(RouterTest.blueGreen());
    router.split(SHOP, Split.of(GREEN, 5000));
    RoutingTable t = router.endSplit(2, SHOP, null);
    assertFalse(t.hasSplits());
    assertEquals(t.routes(SHOP), RouterTest.blueGreen().routes(SHOP));
    assertEquals("end the split of shop.example.com", t.description());
    IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> router.endSplit(SHOP));
    assertTrue(String.valueOf(none.getMessage()).startsWith("shop.example.com has no split to end"), none.getMessage());
    assertThrows(IllegalArgumentException.class, () -> router.endSplit(SHOP, API));
    assertSame(t, router.current(), "ending no split publishes nothing");
  }

  @Test
  void promote_toTheCanary_endsTheSplitWithAllTrafficOnIt() {
    Router router = Router.create(RouterTest.blueGreen());
    router.split(SHOP, Split.of(GREEN, 5000));
    RoutingTable t = router.promote(SHOP, GREEN);
    assertFalse(t.hasSplits());
    for (Route r : t.routes(SHOP)) {
      assertEquals(GREEN, r.workspace());
      assertEquals(Optional.empty(), r.split());
    }
  }

  @Test
  void rollback_ofAWeightChange_restoresTheWeightBefore() {
    Router router = Router.create(RouterTest.blueGreen());
    router.split(SHOP, Split.of(GREEN, 500));
    router.split(SHOP, Split.of(GREEN, 2500));
    RoutingTable back = router.rollback();
    assertEquals(Optional.of(Split.of(GREEN, 500)), back.routes(SHOP).get(0).split());
    assertTrue(back.hasSplits());
  }

  @Test
  void swap_ofASplitHost_isRefusedNamingTheSplit() {
    Router router = Router.create(RouterTest.blueGreen());
    router.split(SHOP, API, Split.of(GREEN, 500));
    RoutingTable before = router.current();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> router.swap(SHOP, STAGING));
    assertTrue(String.valueOf(e.getMessage()).contains("while route shop.example.com/api -> blue, 5% to green splits"), e.getMessage());
    assertSame(before, router.current());
  }

  @Test
  void canary_countsAsRoutedForDrainAndRemoval() throws Exception {
    RoutingTable base = RouterTest.blueGreen().toBuilder().workspace("purple").build();
    Router router = Router.create(base);
    WorkspaceId purple = WorkspaceId.of("purple");
    router.split(SHOP, API, Split.of(purple, 100));
    assertTrue(router.current().routesTo(purple));
    InvalidTableException e =
        assertThrows(InvalidTableException.class, () -> router.update(router.current().revision(), b -> b.removeWorkspace(purple)));
    assertTrue(String.valueOf(e.getMessage()).contains("workspace purple cannot be removed: 1 route still points at it"), e.getMessage());
    CompletableFuture<Void> drained = router.awaitDrained(purple);
    assertFalse(drained.isDone());
    router.endSplit(SHOP);
    drained.get(10, TimeUnit.SECONDS);
    assertFalse(router.current().routesTo(purple));
  }

  /** A WebSocket on the canary's side is the canary's, not a preview's: ending the split retires it. */
  @Test
  void longLived_onTheCanarysSide_isClosedWhenTheSplitEnds() throws Exception {
    WorkspaceId purple = WorkspaceId.of("purple");
    Router router =
        Router.builder()
            .initialTable(RouterTest.blueGreen().toBuilder().workspace(purple).build())
            .longLivedGrace(java.time.Duration.ZERO)
            .build();
    router.split(SHOP, Split.of(purple, Split.ALL));
    java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
    Admission a = router.admit("shop.example.com", "/", "any");
    assertEquals(purple, a.workspace());
    LongLivedConnection connection = a.longLived(closed::countDown);
    assertEquals(1, router.longLived(purple));
    router.endSplit(SHOP);
    assertTrue(closed.await(10, TimeUnit.SECONDS), "purple's connection is asked to close once no table routes to it");
    connection.close();
    router.awaitDrained(purple).get(10, TimeUnit.SECONDS);
  }

  @Test
  void builder_routeWithSplit_isKeptWhole() {
    Route split = Route.of(SHOP, PathPrefix.ROOT, BLUE).withSplit(Split.of(GREEN, 42));
    RoutingTable t =
        RoutingTable.builder().workspace(BLUE).workspace(GREEN).domain(SHOP, DomainStatus.VERIFIED).route(split).build();
    assertEquals(List.of(split), t.routes(SHOP));
    assertTrue(t.hasSplits());
    RoutingTable removed = t.toBuilder().removeRoute(SHOP, PathPrefix.ROOT).build();
    assertFalse(removed.hasSplits());
    assertFalse(removed.routesTo(GREEN));
  }

  @Test
  void route_withWorkspace_endsASplit() {
    Route split = Route.of(SHOP, PathPrefix.ROOT, BLUE).withSplit(Split.of(GREEN, 42));
    assertEquals(Route.of(SHOP, PathPrefix.ROOT, BLUE), split.withWorkspace(BLUE));
    assertEquals(Route.of(SHOP, PathPrefix.ROOT, BLUE), split.withoutSplit());
    assertSame(split, split.withSplit(Split.of(GREEN, 42)));
  }
}
