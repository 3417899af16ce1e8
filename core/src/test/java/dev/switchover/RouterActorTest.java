package dev.switchover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchover.spi.TableStore;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Who made a revision: the actor a write is made for, carried by the table it publishes. */
final class RouterActorTest {
  private static final HostName SHOP = HostName.parse("shop.example.com");
  private static final WorkspaceId GREEN = WorkspaceId.of("green");

  private static RoutingTable shop() {
    return RoutingTable.builder()
        .workspace("blue")
        .workspace("green")
        .domain("shop.example.com", DomainStatus.VERIFIED)
        .route("shop.example.com", "/", "blue")
        .domain("staging.example.com", DomainStatus.VERIFIED)
        .route("staging.example.com", "/", "green")
        .build();
  }

  @Test
  void write_withoutActor_namesNoOne() {
    Router router = Router.create(shop());
    assertEquals(Optional.empty(), router.current().actor());
    assertEquals(Optional.empty(), router.promote(SHOP, GREEN).actor());
  }

  @Test
  void actingAs_everyKindOfWrite_carriesTheActor() {
    Router router = Router.create(shop());
    RoutingTable promoted = router.actingAs("alice", () -> router.promote(1, SHOP, GREEN));
    RoutingTable swapped = router.actingAs("bob", () -> router.swap("shop.example.com", "staging.example.com"));
    RoutingTable rolledBack = router.actingAs("carol", () -> router.rollback(swapped.revision()));
    RoutingTable restored = router.actingAs("dave", () -> router.restore(rolledBack.revision(), 1));
    RoutingTable status = router.actingAs("erin", () -> router.setDomainStatus("new.example.com", DomainStatus.PENDING));
    RoutingTable committed = router.actingAs("frank", () -> router.preparePromote("shop.example.com", "blue").commit());

    assertEquals(Optional.of("alice"), promoted.actor());
    assertEquals(Optional.of("bob"), swapped.actor());
    assertEquals(Optional.of("carol"), rolledBack.actor());
    assertEquals(Optional.of("dave"), restored.actor());
    assertEquals(Optional.of("erin"), status.actor());
    assertEquals(Optional.of("frank"), committed.actor());
    assertEquals(Optional.of("frank"), router.current().actor());
    assertEquals(Optional.of("alice"), router.history().stream().filter(t -> t.revision() == promoted.revision()).findFirst().orElseThrow().actor());
    // the actor is not inherited by the next revision, and the rest of the table is the same
    assertEquals(Optional.empty(), router.promote(SHOP, GREEN).actor());
    assertTrue(promoted.toString().contains("actor=alice"), promoted.toString());
  }

  @Test
  void actingAs_nested_innermostWinsAndTheOuterIsBackAfterwards() {
    Router router = Router.create(shop());
    router.actingAs("outer", () -> {
      assertEquals(Optional.of("inner"), router.actingAs("inner", () -> router.promote(SHOP, GREEN)).actor());
      return router.promote(SHOP, WorkspaceId.of("blue"));
    });
    assertEquals(Optional.of("outer"), router.current().actor());
    assertEquals(Optional.empty(), router.promote(SHOP, GREEN).actor());
  }

  @Test
  void actingAs_writeOfAnotherThreadMeanwhile_isNotAffected() {
    Router router = Router.create(shop());
    RoutingTable other =
        router.actingAs("alice", () -> CompletableFuture.supplyAsync(() -> router.promote(SHOP, GREEN)).join());
    assertEquals(Optional.empty(), other.actor());
  }

  @Test
  void actingAs_refusedWrite_leavesNothingBehind() {
    Router router = Router.create(shop());
    assertThrows(RevisionConflictException.class, () -> router.actingAs("alice", () -> router.promote(7, SHOP, GREEN)));
    assertEquals(Optional.empty(), router.promote(SHOP, GREEN).actor());
  }

  @Test
  void actingAs_badActor_isRefusedBeforeAnyWrite() {
    Router router = Router.create(shop());
    for (String bad : new String[] {"", "alice\nINFO forged log line", "tab\there", "x".repeat(257)}) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> router.actingAs(bad, () -> router.promote(SHOP, GREEN)));
      assertTrue(String.valueOf(e.getMessage()).startsWith("an actor must"), e.getMessage());
    }
    assertEquals(1, router.current().revision());
    assertEquals(Optional.of("x".repeat(256)), router.actingAs("x".repeat(256), () -> router.promote(SHOP, GREEN)).actor());
  }

  @Test
  void describe_withActor_isWhatAStoreRebuildsAnotherRoutersTableWith() {
    RoutingTable t = shop().toBuilder().describe(9, ChangeReason.PROMOTE, "promote elsewhere", "alice").build();
    assertEquals(Optional.of("alice"), t.actor());
    assertEquals(9, t.revision());
    assertEquals(Optional.empty(), shop().toBuilder().describe(9, ChangeReason.PROMOTE, "x", null).build().actor());
    assertThrows(IllegalArgumentException.class, () -> shop().toBuilder().describe(9, ChangeReason.PROMOTE, "x", "a\rb"));
  }

  @Test
  void sharedStore_otherRouter_seesTheActorOfTheTableItIsGiven() {
    TableStore store = TableStore.inMemory(shop());
    Router a = Router.builder().store(store).build();
    Router b = Router.builder().store(store).build();
    a.actingAs("alice", () -> a.promote(1, SHOP, GREEN));
    assertEquals(Optional.of("alice"), b.current().actor());
  }

  @Test
  void actorSetByABuilder_isNotWhoTheRouterSays() {
    Router router = Router.create(shop());
    RoutingTable next =
        router.update(1, b -> b.describe(99, ChangeReason.EDIT, "x", "admin-forged").workspace("gray"));
    assertEquals(Optional.empty(), next.actor());
    assertEquals(Optional.of("alice"),
        router.actingAs("alice", () -> router.update(next.revision(), b -> b.describe(99, ChangeReason.EDIT, "x", "mallory").workspace("red"))).actor());
  }

  @Test
  void rollback_outsideActingAs_doesNotCopyTheAuthorOfTheRevisionItRestores() {
    Router router = Router.create(shop());
    router.actingAs("alice", () -> router.promote(1, SHOP, GREEN));
    RoutingTable undone = router.rollback(2);
    assertEquals(Optional.empty(), undone.actor());
  }

  @Test
  void listenerWrites_areTheListenersOwn_notTheOperators() {
    Router router = Router.create(shop());
    AtomicReference<RoutingTable> reaction = new AtomicReference<>();
    router.addListener(table -> {
      if (table.revision() == 2) {
        reaction.set(router.setDomainStatus("guard.example.com", DomainStatus.PENDING));
      }
    });
    RoutingTable promoted = router.actingAs("alice", () -> router.promote(1, SHOP, GREEN));
    assertEquals(Optional.of("alice"), promoted.actor());
    assertEquals(Optional.empty(), reaction.get().actor());
    // and the operator's later writes in the same call are still hers
    RoutingTable both = router.actingAs("alice", () -> {
      router.promote(SHOP, WorkspaceId.of("blue"));
      return router.promote(SHOP, GREEN);
    });
    assertEquals(Optional.of("alice"), both.actor());
  }
}
