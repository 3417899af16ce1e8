package dev.switchover.verification;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

final class DomainVerifierBuilderTest {
  private static final InetSocketAddress A = new InetSocketAddress(InetAddress.getLoopbackAddress(), 5301);
  private static final InetSocketAddress B = new InetSocketAddress(InetAddress.getLoopbackAddress(), 5302);

  @Test
  void setters_calledTwice_areRefused() {
    DomainVerifier.Builder b = DomainVerifier.builder();
    b.resolvers(A).quorum(1).timeout(Duration.ofSeconds(1)).validity(Duration.ofDays(2)).recheckInterval(Duration.ofDays(1));
    b.clock(new MutableClock(Instant.EPOCH)).httpBodyLimit(10).httpProxy(A);

    assertThrows(IllegalStateException.class, () -> b.resolvers(B));
    assertThrows(IllegalStateException.class, () -> b.quorum(1));
    assertThrows(IllegalStateException.class, () -> b.timeout(Duration.ofSeconds(1)));
    assertThrows(IllegalStateException.class, () -> b.validity(Duration.ofDays(1)));
    assertThrows(IllegalStateException.class, () -> b.recheckInterval(Duration.ofHours(1)));
    assertThrows(IllegalStateException.class, () -> b.clock(new MutableClock(Instant.EPOCH)));
    assertThrows(IllegalStateException.class, () -> b.httpBodyLimit(10));
    assertThrows(IllegalStateException.class, () -> b.httpProxy(B));
  }

  @Test
  void resolvers_unresolvedDuplicateOrPortless_areRefused() {
    assertThrows(IllegalArgumentException.class, () -> DomainVerifier.builder().resolvers(InetSocketAddress.createUnresolved("dns.example.com", 53)));
    assertThrows(IllegalArgumentException.class, () -> DomainVerifier.builder().resolvers(A, A));
    assertThrows(IllegalArgumentException.class, () -> DomainVerifier.builder().resolvers(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
  }

  @Test
  void build_quorumAboveTheResolverCount_isRefused() {
    assertThrows(IllegalStateException.class, () -> DomainVerifier.builder().resolvers(A, B).quorum(3).build());
    assertThrows(IllegalStateException.class, () -> DomainVerifier.builder().quorum(1).build());
    assertThrows(IllegalArgumentException.class, () -> DomainVerifier.builder().quorum(0));
  }

  @Test
  void build_recheckNotShorterThanValidity_isRefused() {
    assertThrows(
        IllegalStateException.class,
        () -> DomainVerifier.builder().validity(Duration.ofDays(1)).recheckInterval(Duration.ofDays(1)).build());
  }

  @Test
  void setters_nonPositiveValues_areRefused() {
    assertThrows(IllegalArgumentException.class, () -> DomainVerifier.builder().timeout(Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> DomainVerifier.builder().validity(Duration.ofSeconds(-1)));
    assertThrows(IllegalArgumentException.class, () -> DomainVerifier.builder().recheckInterval(Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> DomainVerifier.builder().httpBodyLimit(0));
    assertThrows(IllegalArgumentException.class, () -> DomainVerifier.builder().httpBodyLimit(1 << 20));
  }

  @Test
  void build_defaults_recheckAQuarterIntoTheValidity() {
    DomainVerifier v = DomainVerifier.builder().resolvers(A, B).build();

    assertEquals(Duration.ofHours(42), v.recheckInterval());
    assertEquals(2, v.resolvers().size());
  }
}
