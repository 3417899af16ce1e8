package dev.switchover.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.testing.NullPointerTester;
import dev.switchover.DomainStatus;
import dev.switchover.HostName;
import dev.switchover.verification.Challenge;
import dev.switchover.verification.TrackedDomain;
import dev.switchover.verification.Verification;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The in-memory verification store: a compare-and-set per domain. */
final class VerificationStoreTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final HostName SHOP = HostName.parse("shop.example.com");
  private static final HostName CART = HostName.parse("cart.example.com");

  private static TrackedDomain pending(HostName domain, Instant at) {
    Challenge c = Challenge.of(domain, "a".repeat(26), "b".repeat(26), at);
    return TrackedDomain.of(c, null, Verification.of(domain, DomainStatus.PENDING, at, null, null, "waiting"));
  }

  @Test
  void compareAndSet_expectedMatches_replacesAndOtherwiseChangesNothing() {
    VerificationStore store = VerificationStore.inMemory();
    TrackedDomain first = pending(SHOP, T0);
    TrackedDomain second = pending(SHOP, T0.plusSeconds(1));

    assertTrue(store.load(SHOP).isEmpty());
    assertTrue(store.compareAndSet(SHOP, null, first));
    assertFalse(store.compareAndSet(SHOP, null, second), "a domain already tracked is not new");
    assertFalse(store.compareAndSet(SHOP, second, second), "a stale expectation");
    assertEquals(Optional.of(first), store.load(SHOP));
    assertTrue(store.compareAndSet(SHOP, first, second));
    assertTrue(store.compareAndSet(CART, null, pending(CART, T0)));
    assertEquals(List.of(CART, SHOP), List.copyOf(store.loadAll().keySet()));
    assertTrue(store.compareAndSet(SHOP, second, null));
    assertEquals(Map.of(CART, pending(CART, T0)), store.loadAll());
  }

  @Test
  void compareAndSet_stateOfAnotherDomain_isRefused() {
    VerificationStore store = VerificationStore.inMemory();
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> store.compareAndSet(CART, null, pending(SHOP, T0)));
    assertEquals("the next state is about shop.example.com, not cart.example.com", e.getMessage());
    assertTrue(store.loadAll().isEmpty());
  }

  @Test
  void compareAndSet_racingWriters_exactlyOneWinsEachRace() throws Exception {
    VerificationStore store = VerificationStore.inMemory();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      for (int race = 0; race < 200; race++) {
        TrackedDomain before = store.load(SHOP).orElse(null);
        List<Future<Boolean>> writers = new java.util.ArrayList<>();
        for (int w = 0; w < 4; w++) {
          TrackedDomain next = pending(SHOP, T0.plusSeconds(race * 10L + w + 1));
          writers.add(pool.submit(() -> store.compareAndSet(SHOP, before, next)));
        }
        int won = 0;
        for (Future<Boolean> f : writers) {
          won += f.get(10, TimeUnit.SECONDS) ? 1 : 0;
        }
        assertEquals(1, won, "race " + race);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void inMemory_refusesNulls() {
    new NullPointerTester()
        .setDefault(HostName.class, SHOP)
        .testAllPublicInstanceMethods(VerificationStore.inMemory());
  }
}
