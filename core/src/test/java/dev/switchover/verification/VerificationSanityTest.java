package dev.switchover.verification;

import com.google.common.testing.EqualsTester;
import com.google.common.testing.NullPointerTester;
import dev.switchover.DomainStatus;
import dev.switchover.HostName;
import dev.switchover.Router;
import dev.switchover.RoutingTable;
import dev.switchover.spi.TxtLookup;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Equality and null checks on every public type of the package (Guava's testlib). */
final class VerificationSanityTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final Instant T1 = T0.plusSeconds(60);
  private static final HostName SHOP = HostName.parse("shop.example.com");
  private static final HostName CART = HostName.parse("cart.example.com");
  private static final String ID = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
  private static final String TOKEN = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
  private static final InetSocketAddress RESOLVER = new InetSocketAddress(InetAddress.getLoopbackAddress(), 5300);

  private final DomainVerifier verifier =
      DomainVerifier.builder().resolvers(RESOLVER).clock(new MutableClock(T0)).build();

  @Test
  void challenge_equalsAndHashCode_coverEveryPart() {
    new EqualsTester()
        .addEqualityGroup(Challenge.of(SHOP, ID, TOKEN, T0), Challenge.of(HostName.parse("SHOP.example.com."), ID, TOKEN, T0))
        .addEqualityGroup(Challenge.of(CART, ID, TOKEN, T0))
        .addEqualityGroup(Challenge.of(SHOP, TOKEN, TOKEN, T0))
        .addEqualityGroup(Challenge.of(SHOP, ID, ID, T0))
        .addEqualityGroup(Challenge.of(SHOP, ID, TOKEN, T1))
        .testEquals();
  }

  @Test
  void verification_equalsAndHashCode_coverEveryPart() {
    Instant until = T0.plus(Duration.ofDays(7));
    new EqualsTester()
        .addEqualityGroup(Verification.verified(SHOP, T0, T0, until, "ok"), Verification.verified(SHOP, T0, T0, until, "ok"))
        .addEqualityGroup(Verification.verified(CART, T0, T0, until, "ok"))
        .addEqualityGroup(Verification.verified(SHOP, T1, T0, until, "ok"))
        .addEqualityGroup(Verification.verified(SHOP, T1, T1, until, "ok"))
        .addEqualityGroup(Verification.verified(SHOP, T0, T0, until.plusSeconds(1), "ok"))
        .addEqualityGroup(Verification.verified(SHOP, T0, T0, until, "fine"))
        .addEqualityGroup(Verification.of(SHOP, DomainStatus.EXPIRED, T0, T0, until, "ok"))
        .addEqualityGroup(Verification.of(SHOP, DomainStatus.FAILED, T0, null, null, "ok"))
        .addEqualityGroup(Verification.of(SHOP, DomainStatus.REVOKED, T0, null, null, "ok"))
        .testEquals();
  }

  @Test
  void trackedDomain_equalsAndHashCode_coverEveryPart() {
    Challenge c = Challenge.of(SHOP, ID, TOKEN, T0);
    Verification pending = Verification.of(SHOP, DomainStatus.PENDING, T0, null, null, "waiting");
    Verification proved = Verification.of(SHOP, DomainStatus.VERIFIED, T0, T0, T1, "ok");
    new EqualsTester()
        .addEqualityGroup(TrackedDomain.of(c, null, pending), TrackedDomain.of(c, null, pending))
        .addEqualityGroup(TrackedDomain.of(Challenge.of(SHOP, ID, TOKEN, T1), null, pending))
        .addEqualityGroup(TrackedDomain.of(c, Challenge.Method.DNS_TXT, pending))
        .addEqualityGroup(TrackedDomain.of(c, Challenge.Method.HTTP_TOKEN, pending))
        .addEqualityGroup(TrackedDomain.of(c, Challenge.Method.DNS_TXT, proved))
        .testEquals();
  }

  @Test
  void trackedDomain_mismatchedParts_areRefused() {
    Challenge c = Challenge.of(SHOP, ID, TOKEN, T0);
    IllegalArgumentException other =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class,
            () -> TrackedDomain.of(c, null, Verification.of(CART, DomainStatus.PENDING, T0, null, null, "x")));
    org.junit.jupiter.api.Assertions.assertEquals(
        "the challenge is for shop.example.com but the verification is about cart.example.com", other.getMessage());
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class,
        () -> TrackedDomain.of(c, null, Verification.of(SHOP, DomainStatus.VERIFIED, T0, T0, T1, "ok")));
  }

  @Test
  void publicTypes_refuseNulls() {
    NullPointerTester tester = tester();
    tester.testAllPublicStaticMethods(Challenge.class);
    tester.testAllPublicInstanceMethods(Challenge.of(SHOP, ID, TOKEN, T0));
    tester.testAllPublicInstanceMethods(Verification.of(SHOP, DomainStatus.FAILED, T0, null, null, "no record"));
    tester.testAllPublicStaticMethods(DomainVerifier.class);
    tester.testAllPublicInstanceMethods(verifier);
    tester.testAllPublicInstanceMethods(DomainVerifier.builder());
    tester.testAllPublicStaticMethods(VerificationSchedule.class);
    tester.testAllPublicInstanceMethods(
        VerificationSchedule.create(verifier, Router.create(RoutingTable.builder().build())));
    tester.testAllPublicStaticMethods(TrackedDomain.class);
    tester.testAllPublicInstanceMethods(
        TrackedDomain.of(Challenge.of(SHOP, ID, TOKEN, T0), null, Verification.of(SHOP, DomainStatus.PENDING, T0, null, null, "waiting")));
    tester.testAllPublicConstructors(VerificationException.class);
    tester.testAllPublicInstanceMethods(TxtLookup.dnsjava());
  }

  private static NullPointerTester tester() {
    return new NullPointerTester()
        .setDefault(HostName.class, SHOP)
        .setDefault(Instant.class, T0)
        .setDefault(Duration.class, Duration.ofSeconds(1))
        .setDefault(InetSocketAddress.class, RESOLVER)
        .setDefault(Router.class, Router.create(RoutingTable.builder().build()))
        .setDefault(DomainVerifier.class, DomainVerifier.builder().build())
        .setDefault(Clock.class, Clock.systemUTC())
        .setDefault(SecureRandom.class, new SecureRandom())
        .setDefault(Challenge.class, Challenge.of(SHOP, ID, TOKEN, T0))
        .setDefault(Challenge.Method.class, Challenge.Method.DNS_TXT)
        .setDefault(Verification.class, Verification.of(SHOP, DomainStatus.PENDING, T0, null, null, "waiting"))
        .setDefault(dev.switchover.spi.VerificationStore.class, dev.switchover.spi.VerificationStore.inMemory())
        .setDefault(String.class, "shop.example.com")
        .setDefault(Throwable.class, new IllegalStateException("cause"));
  }
}
