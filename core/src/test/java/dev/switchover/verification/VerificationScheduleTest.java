package dev.switchover.verification;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchover.DomainStatus;
import dev.switchover.HostName;
import dev.switchover.InvalidTableException;
import dev.switchover.PathPrefix;
import dev.switchover.Resolution;
import dev.switchover.Router;
import dev.switchover.RoutingTable;
import dev.switchover.WorkspaceId;
import dev.switchover.spi.TableStore;
import dev.switchover.spi.TxtLookup;
import dev.switchover.spi.VerificationStore;
import dev.switchover.verification.Challenge.Method;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The schedule against a real router and a real dnsmasq; time moves only when the test moves the
 * clock.
 */
final class VerificationScheduleTest {
  private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
  private static final HostName SHOP = HostName.parse("shop.example.com");
  private static final WorkspaceId BLUE = WorkspaceId.of("blue");

  private final MutableClock clock = new MutableClock(START);
  private Dnsmasq dns;
  private DomainVerifier verifier;
  private Router router;
  private VerificationSchedule schedule;

  @BeforeEach
  void setUp() throws IOException, InterruptedException {
    dns = Dnsmasq.start();
    verifier =
        DomainVerifier.builder()
            .resolvers(dns.address())
            .timeout(Duration.ofSeconds(5))
            .validity(Duration.ofDays(4))
            .recheckInterval(Duration.ofDays(1))
            .clock(clock)
            .build();
    router = Router.create(RoutingTable.builder().workspace(BLUE).build());
    schedule = VerificationSchedule.create(verifier, router);
  }

  @AfterEach
  void tearDown() {
    dns.close();
  }

  @Test
  void routingTable_routeForDomainNotVerified_isRefused() {
    for (DomainStatus status : List.of(DomainStatus.PENDING, DomainStatus.FAILED, DomainStatus.EXPIRED, DomainStatus.REVOKED)) {
      RoutingTable.Builder table = RoutingTable.builder().workspace(BLUE).domain(SHOP, status).route(SHOP, PathPrefix.ROOT, BLUE);
      InvalidTableException e = assertThrows(InvalidTableException.class, table::build);
      assertTrue(String.valueOf(e.getMessage()).contains("its status is " + status), e.getMessage());
    }
  }

  @Test
  void issue_newDomain_isPendingInTheRouter() {
    Challenge challenge = schedule.issue("shop.example.com");

    assertEquals(Optional.of(DomainStatus.PENDING), router.current().domainStatus(SHOP));
    Verification pending = schedule.status(SHOP).orElseThrow();
    assertEquals(DomainStatus.PENDING, pending.status());
    assertTrue(pending.reason().contains(challenge.recordName() + " = " + challenge.recordValue()), pending.reason());
    assertThrows(InvalidTableException.class, () -> addRoute(SHOP));
  }

  @Test
  void verify_provedDomain_becomesVerifiedAndMayCarryRoutes() throws Exception {
    Challenge challenge = schedule.issue("shop.example.com");
    publish(challenge);

    Verification v = schedule.verify(challenge, Method.DNS_TXT);
    addRoute(SHOP);

    assertEquals(DomainStatus.VERIFIED, v.status(), v.reason());
    assertEquals(Optional.of(DomainStatus.VERIFIED), router.current().domainStatus(SHOP));
    assertEquals(BLUE, router.resolve("Shop.Example.com.", "/").workspace());
    assertEquals(Optional.of(START.plus(Duration.ofDays(1))), schedule.nextRecheck());
  }

  @Test
  void verify_failedCheckOfNewDomain_isFailedInTheRouter() {
    Challenge challenge = schedule.issue("shop.example.com");

    Verification v = schedule.verify(challenge, Method.DNS_TXT);

    assertEquals(DomainStatus.FAILED, v.status());
    assertEquals(Optional.of(DomainStatus.FAILED), router.current().domainStatus(SHOP));
    assertTrue(schedule.nextRecheck().isEmpty());
  }

  @Test
  void revoke_verifiedDomain_removesItsRoutesInANewRevision() throws Exception {
    verified("shop.example.com");
    long routed = addRoute(SHOP).revision();

    Verification revoked = schedule.revoke(SHOP);

    assertEquals(DomainStatus.REVOKED, revoked.status());
    assertEquals(routed + 1, router.current().revision());
    assertEquals(Optional.of(DomainStatus.REVOKED), router.current().domainStatus(SHOP));
    assertFalse(router.resolve("shop.example.com", "/").isRouted());
    assertEquals(Resolution.Outcome.UNKNOWN_HOST, router.resolve("shop.example.com", "/").outcome());
    assertTrue(router.current().routes(SHOP).isEmpty());
    assertTrue(schedule.nextRecheck().isEmpty());
    // A rollback must not bring the routes back either.
    assertThrows(IllegalStateException.class, router::rollback);
  }

  @Test
  void recheckDue_beforeTheInterval_checksNothing() throws Exception {
    verified("shop.example.com");
    long revision = router.current().revision();
    dns = dns.restart(); // nothing published any more: a re-check now would fail

    clock.advance(Duration.ofHours(23));

    assertEquals(List.of(), schedule.recheckDue());
    assertEquals(revision, router.current().revision());
  }

  @Test
  void recheckDue_recordStillThere_renewsTheValidity() throws Exception {
    verified("shop.example.com");
    addRoute(SHOP);
    long revision = router.current().revision();

    clock.advance(Duration.ofDays(1));
    List<Verification> rechecked = schedule.recheckDue();

    assertEquals(1, rechecked.size());
    Verification renewed = rechecked.get(0);
    assertEquals(DomainStatus.VERIFIED, renewed.status(), renewed.reason());
    assertEquals(START.plus(Duration.ofDays(1)), renewed.verifiedAt().orElseThrow());
    assertEquals(START.plus(Duration.ofDays(5)), renewed.validUntil().orElseThrow());
    assertEquals(revision, router.current().revision()); // nothing to publish: still verified
    assertEquals(Optional.of(START.plus(Duration.ofDays(2))), schedule.nextRecheck());
  }

  @Test
  void recheckDue_recordGone_keepsTheDomainUntilItsValidityEndsThenExpiresIt() throws Exception {
    verified("shop.example.com");
    addRoute(SHOP);
    dns = dns.restart(); // the owner removed the record

    clock.advance(Duration.ofDays(2));
    Verification stillValid = single(schedule.recheckDue());

    assertEquals(DomainStatus.VERIFIED, stillValid.status());
    assertTrue(stillValid.reason().contains("the last check failed: no record:"), stillValid.reason());
    assertEquals(START.plus(Duration.ofDays(4)), stillValid.validUntil().orElseThrow());
    assertTrue(router.resolve("shop.example.com", "/").isRouted());
    long revision = router.current().revision();

    clock.advance(Duration.ofDays(2));
    Verification expired = single(schedule.recheckDue());

    assertEquals(DomainStatus.EXPIRED, expired.status());
    assertTrue(expired.reason().startsWith("the verification expired at 2026-01-05T00:00:00Z"), expired.reason());
    assertTrue(expired.reason().contains("no record:"), expired.reason());
    assertEquals(Optional.of(START), expired.verifiedAt());
    assertEquals(revision + 1, router.current().revision());
    assertEquals(Optional.of(DomainStatus.EXPIRED), router.current().domainStatus(SHOP));
    assertFalse(router.resolve("shop.example.com", "/").isRouted());
    assertEquals(Optional.of(expired), schedule.status(SHOP));
    assertTrue(schedule.nextRecheck().isEmpty());
    assertEquals(List.of(), schedule.recheckDue());
  }

  @Test
  void verify_expiredDomainProvedAgain_isVerifiedAgain() throws Exception {
    verified("shop.example.com");
    dns = dns.restart();
    clock.advance(Duration.ofDays(5));
    assertEquals(DomainStatus.EXPIRED, single(schedule.recheckDue()).status());

    Challenge again = schedule.issue("shop.example.com");
    publish(again);
    Verification v = schedule.verify(again, Method.DNS_TXT);

    assertEquals(DomainStatus.VERIFIED, v.status(), v.reason());
    assertEquals(Optional.of(DomainStatus.VERIFIED), router.current().domainStatus(SHOP));
  }

  @Test
  void verify_failedCheckWhileAnEarlierProofHolds_keepsTheDomainVerified() throws Exception {
    verified("shop.example.com");
    addRoute(SHOP);

    // A new challenge (token rotation) that the owner has not published yet.
    Challenge second = schedule.issue("shop.example.com");
    assertEquals(DomainStatus.VERIFIED, schedule.status(SHOP).orElseThrow().status());
    Verification v = schedule.verify(second, Method.DNS_TXT);

    assertEquals(DomainStatus.VERIFIED, v.status());
    assertTrue(v.reason().contains("the last check failed: wrong token:"), v.reason());
    assertTrue(router.resolve("shop.example.com", "/").isRouted());
  }

  @Test
  void recheckDue_domainRevokedThroughTheRouter_isNotBroughtBack() throws Exception {
    verified("shop.example.com");
    router.setDomainStatus(SHOP, DomainStatus.REVOKED); // by someone else

    clock.advance(Duration.ofDays(1));
    Verification v = single(schedule.recheckDue());

    assertEquals(DomainStatus.REVOKED, v.status());
    assertEquals(Optional.of(DomainStatus.REVOKED), router.current().domainStatus(SHOP));
    assertTrue(schedule.status(SHOP).isEmpty());
  }

  @Test
  void verify_wildcard_verifiesTheWildcardButNotItsParent() throws Exception {
    Challenge challenge = schedule.issue("*.example.com");
    publish(challenge);
    HostName wildcard = HostName.parse("*.example.com");

    Verification v = schedule.verify(challenge, Method.DNS_TXT);
    addRoute(wildcard);

    assertEquals(DomainStatus.VERIFIED, v.status(), v.reason());
    assertEquals(BLUE, router.resolve("www.example.com", "/").workspace());
    assertTrue(router.current().domainStatus(HostName.parse("example.com")).isEmpty());
    assertThrows(InvalidTableException.class, () -> addRoute(HostName.parse("example.com")));
  }

  @Test
  void verify_oneSpelling_provesTheNormalizedNameOnly() throws Exception {
    Challenge challenge = schedule.issue("SHOP.example.COM.");
    publish(challenge);

    schedule.verify(challenge, Method.DNS_TXT);

    assertEquals(Optional.of(DomainStatus.VERIFIED), router.current().domainStatus(SHOP));
    assertTrue(router.current().domainStatus(HostName.parse("www.shop.example.com")).isEmpty());
    assertTrue(router.current().domainStatus(HostName.parse("*.shop.example.com")).isEmpty());
  }

  @Test
  void issue_publicSuffix_isRefused() {
    for (String suffix : List.of("com", "co.uk", "github.io", "*.co.uk", "*.github.io")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> schedule.issue(suffix), suffix);
      assertTrue(String.valueOf(e.getMessage()).contains("public suffix"), e.getMessage());
    }
    assertTrue(router.current().domains().isEmpty());
  }

  @Test
  void sharedStore_challengeIssuedThroughOneRouter_isCheckedThroughAnother() throws Exception {
    TableStore tables = TableStore.inMemory(RoutingTable.builder().workspace(BLUE).build());
    VerificationStore shared = VerificationStore.inMemory();
    Router a = Router.builder().store(tables).build();
    Router b = Router.builder().store(tables).build();
    VerificationSchedule onA = VerificationSchedule.create(verifier, a, shared);
    VerificationSchedule onB = VerificationSchedule.create(verifier, b, shared);

    Challenge issued = onA.issue("shop.example.com");
    assertEquals(Optional.of(issued), onB.challenge(SHOP));
    assertEquals(DomainStatus.PENDING, onB.status(SHOP).orElseThrow().status());
    publish(issued);
    Verification v = onB.verify(onB.challenge(SHOP).orElseThrow(), Method.DNS_TXT);

    assertEquals(DomainStatus.VERIFIED, v.status(), v.reason());
    assertEquals(Optional.of(DomainStatus.VERIFIED), a.current().domainStatus(SHOP));
    assertEquals(Optional.of(v), onA.status(SHOP));
    assertEquals(Optional.of(START.plus(Duration.ofDays(1))), onA.nextRecheck());
  }

  @Test
  void sharedStore_scheduleMadeAgain_reChecksAndExpiresWhatTheFirstTracked() throws Exception {
    VerificationStore shared = VerificationStore.inMemory();
    schedule = VerificationSchedule.create(verifier, router, shared);
    verified("shop.example.com");
    addRoute(SHOP);
    dns = dns.restart(); // the owner removed the record

    // a restart: a new schedule (and verifier) on the same store knows what is due, and when
    VerificationSchedule again = VerificationSchedule.create(verifier, router, shared);
    assertEquals(Optional.of(START.plus(Duration.ofDays(1))), again.nextRecheck());
    clock.advance(Duration.ofDays(5));
    Verification expired = single(again.recheckDue());

    assertEquals(DomainStatus.EXPIRED, expired.status(), expired.reason());
    assertEquals(Optional.of(DomainStatus.EXPIRED), router.current().domainStatus(SHOP));
    assertEquals(Optional.of(expired), schedule.status(SHOP));
  }

  @Test
  void recheckDue_domainRenewedByAnotherScheduleMeanwhile_isLeftAsThatOneMadeIt() throws Exception {
    AtomicReference<@Nullable Runnable> afterFirstLoad = new AtomicReference<>();
    VerificationStore shared = VerificationStore.inMemory();
    VerificationStore racing = new VerificationStore() {
      @Override
      public Optional<TrackedDomain> load(HostName domain) {
        return shared.load(domain);
      }

      @Override
      public Map<HostName, TrackedDomain> loadAll() {
        Map<HostName, TrackedDomain> all = shared.loadAll();
        Runnable r = afterFirstLoad.getAndSet(null);
        if (r != null) {
          r.run();
        }
        return all;
      }

      @Override
      public boolean compareAndSet(HostName domain, @Nullable TrackedDomain expected, @Nullable TrackedDomain next) {
        return shared.compareAndSet(domain, expected, next);
      }
    };
    VerificationSchedule other = VerificationSchedule.create(verifier, router, shared);
    schedule = VerificationSchedule.create(verifier, router, racing);
    verified("shop.example.com");
    clock.advance(Duration.ofDays(1));
    afterFirstLoad.set(() -> assertEquals(1, other.recheckDue().size()));

    assertEquals(List.of(), schedule.recheckDue());

    Verification renewed = schedule.status(SHOP).orElseThrow();
    assertEquals(START.plus(Duration.ofDays(1)), renewed.verifiedAt().orElseThrow());
  }

  @Test
  void forget_trackedDomain_isNoLongerTrackedAndTheRouterIsUnchanged() throws Exception {
    verified("shop.example.com");
    long revision = router.current().revision();

    assertTrue(schedule.forget(SHOP));

    assertTrue(schedule.status(SHOP).isEmpty());
    assertTrue(schedule.challenge(SHOP).isEmpty());
    assertTrue(schedule.nextRecheck().isEmpty());
    assertEquals(revision, router.current().revision());
    assertFalse(schedule.forget(SHOP));
  }

  @Test
  void verify_storeFailsToTakeTheProof_theRouterDoesNotHoldTheDomainVerified() throws Exception {
    AtomicBoolean failWrites = new AtomicBoolean();
    VerificationStore shared = VerificationStore.inMemory();
    VerificationStore failing = new VerificationStore() {
      @Override
      public Optional<TrackedDomain> load(HostName domain) {
        return shared.load(domain);
      }

      @Override
      public Map<HostName, TrackedDomain> loadAll() {
        return shared.loadAll();
      }

      @Override
      public boolean compareAndSet(HostName domain, @Nullable TrackedDomain expected, @Nullable TrackedDomain next) {
        if (failWrites.get()) {
          throw new IllegalStateException("the store is away");
        }
        return shared.compareAndSet(domain, expected, next);
      }
    };
    schedule = VerificationSchedule.create(verifier, router, failing);
    Challenge challenge = schedule.issue("shop.example.com");
    publish(challenge);
    failWrites.set(true);

    assertThrows(IllegalStateException.class, () -> schedule.verify(challenge, Method.DNS_TXT));

    // Never verified without the fleet tracking it: re-checks and expiry cannot be lost.
    assertEquals(Optional.of(DomainStatus.PENDING), router.current().domainStatus(SHOP));
    assertEquals(DomainStatus.PENDING, schedule.status(SHOP).orElseThrow().status());
  }

  @Test
  void verify_domainForgottenWhileChecked_appliesNothing() throws Exception {
    VerificationStore shared = VerificationStore.inMemory();
    schedule = VerificationSchedule.create(verifier, router, shared);
    Challenge challenge = schedule.issue("shop.example.com");
    publish(challenge);
    VerificationSchedule other = VerificationSchedule.create(verifier, router, shared);
    // The check is slow; the domain is removed and forgotten before its result is applied.
    DomainVerifier slow =
        DomainVerifier.builder().resolvers(dns.address()).timeout(Duration.ofSeconds(5)).clock(clock)
            .txtLookup((name, resolver, timeout) -> {
              router.update(router.current().revision(), b -> b.removeDomain(SHOP));
              other.forget(SHOP);
              return TxtLookup.dnsjava().lookup(name, resolver, timeout);
            })
            .build();
    VerificationSchedule checking = VerificationSchedule.create(slow, router, shared);

    IllegalStateException e = assertThrows(IllegalStateException.class, () -> checking.verify(challenge, Method.DNS_TXT));

    assertTrue(String.valueOf(e.getMessage()).contains("changed while it was checked"), e.getMessage());
    assertEquals(Optional.empty(), router.current().domainStatus(SHOP), "a removed domain is not declared again");
    assertTrue(schedule.status(SHOP).isEmpty());
  }

  @Test
  void issue_domainTheRouterHoldsVerified_rotatesWithoutTouchingWhatIsTracked() throws Exception {
    verified("shop.example.com");
    Challenge tracked = schedule.challenge(SHOP).orElseThrow();
    long revision = router.current().revision();

    Challenge rotation = schedule.issue("shop.example.com");

    assertTrue(!rotation.equals(tracked), "a new token");
    assertEquals(Optional.of(tracked), schedule.challenge(SHOP), "re-checks prove the old one until the new is proved");
    assertEquals(revision, router.current().revision());
    assertEquals(DomainStatus.VERIFIED, schedule.status(SHOP).orElseThrow().status());
  }

  @Test
  void issue_domainVerifiedInTheStoreButFailedInTheRouter_isIssuedAfreshAndTracked() throws Exception {
    verified("shop.example.com");
    router.setDomainStatus(SHOP, DomainStatus.FAILED); // the host application's call

    Challenge fresh = schedule.issue("shop.example.com");

    assertEquals(Optional.of(fresh), schedule.challenge(SHOP), "the challenge shown is the one checked");
    assertEquals(Optional.of(DomainStatus.PENDING), router.current().domainStatus(SHOP));
  }

  /** Issues a challenge, publishes its record and verifies it. */
  private void verified(String domain) throws IOException, InterruptedException {
    Challenge challenge = schedule.issue(domain);
    publish(challenge);
    Verification v = schedule.verify(challenge, Method.DNS_TXT);
    assertEquals(DomainStatus.VERIFIED, v.status(), v.reason());
  }

  private void publish(Challenge challenge) throws IOException, InterruptedException {
    dns = dns.restart("--txt-record=" + challenge.recordName() + "," + challenge.recordValue());
  }

  private RoutingTable addRoute(HostName host) {
    return router.update(router.current().revision(), b -> b.route(host, PathPrefix.ROOT, BLUE));
  }

  private static Verification single(List<Verification> results) {
    assertEquals(1, results.size(), results.toString());
    return results.get(0);
  }
}
