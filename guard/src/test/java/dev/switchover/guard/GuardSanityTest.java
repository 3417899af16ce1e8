package dev.switchover.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.common.testing.EqualsTester;
import com.google.common.testing.NullPointerTester;
import dev.switchover.DomainStatus;
import dev.switchover.HostName;
import dev.switchover.PathPrefix;
import dev.switchover.Router;
import dev.switchover.RoutingTable;
import dev.switchover.WorkspaceId;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Null checks, equality and the builders' refusals. */
final class GuardSanityTest {
  private static final URI HEALTH = URI.create("http://127.0.0.1:9/health");

  private static Router router() {
    return Router.create(
        RoutingTable.builder()
            .workspace("blue")
            .workspace("green")
            .domain("shop.example.com", DomainStatus.VERIFIED)
            .route("shop.example.com", "/", "blue")
            .build());
  }

  @Test
  void publicMethods_refuseNull() {
    NullPointerTester tester =
        new NullPointerTester()
            .setDefault(URI.class, HEALTH)
            .setDefault(String.class, "health")
            .setDefault(Duration.class, Duration.ofSeconds(1))
            .setDefault(Router.class, router())
            .setDefault(HostName.class, HostName.parse("shop.example.com"))
            .setDefault(WorkspaceId.class, WorkspaceId.of("green"))
            .setDefault(PathPrefix.class, PathPrefix.ROOT)
            .setDefault(Probe.class, Probe.http("health", HEALTH).build());
    tester.testAllPublicStaticMethods(Probe.class);
    tester.testAllPublicInstanceMethods(Probe.http("health", HEALTH));
    tester.testAllPublicStaticMethods(GuardedRelease.class);
    tester.testAllPublicInstanceMethods(GuardedRelease.builder(router()));
    tester.testAllPublicConstructors(ReleaseOutcome.class);
  }

  @Test
  void releaseOutcome_isAValue() {
    new EqualsTester()
        .addEqualityGroup(
            new ReleaseOutcome(ReleaseOutcome.Verdict.HELD, "held", 2, 2, 10, 0),
            new ReleaseOutcome(ReleaseOutcome.Verdict.HELD, "held", 2, 2, 10, 0))
        .addEqualityGroup(new ReleaseOutcome(ReleaseOutcome.Verdict.ROLLED_BACK, "held", 2, 3, 10, 0))
        .addEqualityGroup(new ReleaseOutcome(ReleaseOutcome.Verdict.HELD, "held", 2, 2, 10, 1))
        .testEquals();
    assertThrows(
        IllegalArgumentException.class, () -> new ReleaseOutcome(ReleaseOutcome.Verdict.HELD, "x", 2, 2, 1, 2));
  }

  @Test
  void probe_defaultsAndRefusals() {
    Probe p = Probe.http("health", HEALTH).build();
    assertEquals(Set.of(200), p.expectedStatuses());
    assertEquals(1, p.consecutiveSuccesses());
    assertEquals(1, p.maxAttempts());
    assertEquals(Duration.ofSeconds(5), p.timeout());
    assertEquals(Duration.ofSeconds(1), p.interval());
    assertEquals(List.of(200, 204, 301), List.copyOf(Probe.http("h", HEALTH).expectStatus(301, 200, 204).build().expectedStatuses()));

    assertThrows(IllegalArgumentException.class, () -> Probe.http(" ", HEALTH));
    for (String bad : List.of("/health", "ftp://example.com/x", "http:opaque", "http://user:pw@example.com/")) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> Probe.http("health", URI.create(bad)), bad);
      assertEquals(true, String.valueOf(e.getMessage()).contains(bad), e::getMessage);
    }
    assertThrows(IllegalArgumentException.class, () -> Probe.http("h", HEALTH).expectStatus(99));
    assertThrows(IllegalArgumentException.class, () -> Probe.http("h", HEALTH).expectStatus(200, 600));
    assertThrows(IllegalArgumentException.class, () -> Probe.http("h", HEALTH).consecutiveSuccesses(0));
    assertThrows(IllegalArgumentException.class, () -> Probe.http("h", HEALTH).maxAttempts(0));
    assertThrows(IllegalArgumentException.class, () -> Probe.http("h", HEALTH).timeout(Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> Probe.http("h", HEALTH).interval(Duration.ofMillis(-1)));
    IllegalArgumentException fewAttempts =
        assertThrows(IllegalArgumentException.class, () -> Probe.http("h", HEALTH).consecutiveSuccesses(3).maxAttempts(2).build());
    assertEquals("probe h: maxAttempts (2) must be at least consecutiveSuccesses (3)", fewAttempts.getMessage());

    Probe.Builder b = Probe.http("h", HEALTH).expectStatus(200).consecutiveSuccesses(2).maxAttempts(3)
        .timeout(Duration.ofSeconds(1)).interval(Duration.ZERO);
    assertThrows(IllegalStateException.class, () -> b.expectStatus(204));
    assertThrows(IllegalStateException.class, () -> b.consecutiveSuccesses(2));
    assertThrows(IllegalStateException.class, () -> b.maxAttempts(3));
    assertThrows(IllegalStateException.class, () -> b.timeout(Duration.ofSeconds(1)));
    assertThrows(IllegalStateException.class, () -> b.interval(Duration.ZERO));
  }

  @Test
  void guardedRelease_refusals() {
    Router router = router();
    assertEquals(
        "name the release: promote(domain, workspace)",
        assertThrows(IllegalStateException.class, () -> GuardedRelease.builder(router).build()).getMessage());
    assertThrows(
        IllegalStateException.class,
        () -> GuardedRelease.builder(router).promote("shop.example.com", "green").rollBackAfterFailedProbes(2).build());
    assertThrows(IllegalArgumentException.class, () -> GuardedRelease.builder(router).rollBackAboveFailureRate(1.0, 10));
    assertThrows(IllegalArgumentException.class, () -> GuardedRelease.builder(router).rollBackAboveFailureRate(-0.1, 10));
    assertThrows(IllegalArgumentException.class, () -> GuardedRelease.builder(router).rollBackAboveFailureRate(0.1, 0));
    assertThrows(IllegalArgumentException.class, () -> GuardedRelease.builder(router).rollBackAfterFailedProbes(0));
    assertThrows(IllegalArgumentException.class, () -> GuardedRelease.builder(router).watchFor(Duration.ofSeconds(-1)));
    assertThrows(IllegalArgumentException.class, () -> GuardedRelease.builder(router).checkEvery(Duration.ofNanos(10)));
    assertThrows(IllegalArgumentException.class, () -> GuardedRelease.builder(router).promote("not a host!", "green"));

    GuardedRelease.Builder b = GuardedRelease.builder(router).promote("shop.example.com", "green")
        .watchFor(Duration.ofSeconds(1)).rollBackAboveFailureRate(0.1, 10).rollBackAfterFailedProbes(1)
        .checkEvery(Duration.ofMillis(10));
    assertThrows(IllegalStateException.class, () -> b.promote("shop.example.com", "blue"));
    assertThrows(IllegalStateException.class, () -> b.watchFor(Duration.ofSeconds(1)));
    assertThrows(IllegalStateException.class, () -> b.rollBackAboveFailureRate(0.1, 10));
    assertThrows(IllegalStateException.class, () -> b.rollBackAfterFailedProbes(1));
    assertThrows(IllegalStateException.class, () -> b.checkEvery(Duration.ofMillis(10)));
  }
}
