package dev.switchover.etcd;

import static dev.switchover.etcd.Fleet.await;
import static dev.switchover.etcd.Fleet.shop;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchover.DomainStatus;
import dev.switchover.HostName;
import dev.switchover.Router;
import dev.switchover.RoutingTable;
import dev.switchover.etcd.local.LocalEtcd;
import dev.switchover.spi.TxtLookup;
import dev.switchover.verification.Challenge;
import dev.switchover.verification.DomainVerifier;
import dev.switchover.verification.TrackedDomain;
import dev.switchover.verification.Verification;
import dev.switchover.verification.VerificationSchedule;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Domain verification and authorship shared by a fleet, on one real etcd member: what one
 * router's schedule tracks is checked through another, survives a restart, and who made each
 * revision is told by every router.
 */
final class EtcdVerificationStoreTest {
  private static final HostName NEW_SHOP = HostName.parse("new.example.com");
  private static LocalEtcd etcd;
  private static Client client;

  private final Zone zone = new Zone();
  private final MovableClock clock = new MovableClock();
  private final DomainVerifier verifier =
      DomainVerifier.builder()
          .resolvers(new InetSocketAddress(InetAddress.getLoopbackAddress(), 53))
          .txtLookup(zone)
          .clock(clock)
          .validity(Duration.ofDays(4))
          .recheckInterval(Duration.ofDays(1))
          .build();

  /** TXT records as a DNS server would serve them. */
  private static final class Zone implements TxtLookup {
    final Map<String, List<String>> records = new ConcurrentHashMap<>();

    @Override
    public CompletionStage<List<String>> lookup(String name, InetSocketAddress resolver, Duration timeout) {
      return CompletableFuture.completedFuture(records.getOrDefault(name.toLowerCase(Locale.ROOT), List.of()));
    }

    void publish(Challenge c) {
      records.put(c.recordName(), List.of(c.recordValue()));
    }
  }

  private static final class MovableClock extends Clock {
    private volatile Instant now = Instant.parse("2026-12-01T10:00:00Z");

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  @BeforeAll
  static void startEtcd() throws Exception {
    etcd = LocalEtcd.start(1);
    client = Client.builder().endpoints(etcd.endpoints()).build();
  }

  @AfterAll
  static void stopEtcd() {
    if (client != null) {
      client.close();
    }
    if (etcd != null) {
      etcd.close();
    }
  }

  @Test
  void domainAddedThroughOneRouter_isCheckedThroughAnother_andBothSeeTheResult() {
    try (Fleet fleet = new Fleet(etcd.endpoints())) {
      EtcdTableStore storeA = fleet.store(shop(2));
      EtcdTableStore storeB = fleet.keep(fleet.storeBuilder().build());
      Router a = fleet.router(storeA);
      Router b = fleet.router(storeB);
      VerificationSchedule onA = VerificationSchedule.create(verifier, a, storeA);
      VerificationSchedule onB = VerificationSchedule.create(verifier, b, storeB);

      Challenge issued = onA.issue(NEW_SHOP);
      await(() -> onB.challenge(NEW_SHOP).isPresent(), () -> "router B never saw the challenge");
      assertEquals(issued, onB.challenge(NEW_SHOP).orElseThrow());
      assertEquals(Optional.of(DomainStatus.PENDING), b.current().domainStatus(NEW_SHOP));

      zone.publish(issued);
      Verification v = onB.verify(onB.challenge(NEW_SHOP).orElseThrow(), Challenge.Method.DNS_TXT);

      assertEquals(DomainStatus.VERIFIED, v.status(), v.reason());
      await(() -> onA.status(NEW_SHOP).equals(Optional.of(v)), () -> "router A sees " + onA.status(NEW_SHOP));
      await(() -> a.current().domainStatus(NEW_SHOP).equals(Optional.of(DomainStatus.VERIFIED)), () -> "A at " + a.current());
      assertEquals(onB.nextRecheck(), onA.nextRecheck());
    }
  }

  @Test
  void restart_theChallengeIsStillThere_andReChecksAndExpiryHappenOnTime() throws Exception {
    try (Fleet fleet = new Fleet(etcd.endpoints())) {
      Challenge pendingChallenge;
      Instant recheck;
      try (EtcdTableStore first = fleet.storeBuilder().initialTable(shop(1)).build();
          Router router = Router.builder().store(first).build()) {
        VerificationSchedule schedule = VerificationSchedule.create(verifier, router, first);
        Challenge proved = schedule.issue("shop2.example.com");
        zone.publish(proved);
        assertEquals(DomainStatus.VERIFIED, schedule.verify(proved, Challenge.Method.DNS_TXT).status());
        pendingChallenge = schedule.issue(NEW_SHOP); // added, not checked yet
        recheck = schedule.nextRecheck().orElseThrow();
      }

      // every router and store gone; a new one on the same prefix
      EtcdTableStore again = fleet.keep(fleet.storeBuilder().build());
      Router router = fleet.router(again);
      VerificationSchedule schedule = VerificationSchedule.create(verifier, router, again);
      assertEquals(Optional.of(pendingChallenge), schedule.challenge(NEW_SHOP));
      assertEquals(DomainStatus.PENDING, schedule.status(NEW_SHOP).orElseThrow().status());
      assertEquals(Optional.of(recheck), schedule.nextRecheck());

      zone.publish(pendingChallenge);
      assertEquals(DomainStatus.VERIFIED, schedule.verify(schedule.challenge(NEW_SHOP).orElseThrow(), Challenge.Method.DNS_TXT).status());
      // the owner of shop2 removed its record: it expires once its proof ends, after the restart
      zone.records.remove("_switchover-challenge.shop2.example.com");
      clock.advance(Duration.ofDays(5));
      List<Verification> rechecked = schedule.recheckDue();
      assertEquals(2, rechecked.size(), rechecked.toString());
      assertEquals(DomainStatus.EXPIRED, rechecked.get(1).status(), rechecked.toString());
      assertEquals(Optional.of(DomainStatus.EXPIRED), router.current().domainStatus(HostName.parse("shop2.example.com")));
      assertEquals(DomainStatus.VERIFIED, rechecked.get(0).status(), rechecked.toString());

      // readable by an operator: one JSON key per domain under the prefix
      String stored = client.getKVClient().get(ByteSequence.from(fleet.prefix + "verification/new.example.com", UTF_8))
          .get(10, TimeUnit.SECONDS).getKvs().get(0).getValue().toString(UTF_8);
      assertTrue(stored.startsWith("{\"format\":1,\"domain\":\"new.example.com\",\"challenge\":{"), stored);
      assertTrue(stored.contains("\"method\":\"DNS_TXT\",\"status\":\"VERIFIED\""), stored);
    }
  }

  @Test
  void racingWriters_exactlyOneWinsEachRace_andTheLoserSeesTheWinner() throws Exception {
    try (Fleet fleet = new Fleet(etcd.endpoints())) {
      EtcdTableStore storeA = fleet.store(shop(1));
      EtcdTableStore storeB = fleet.keep(fleet.storeBuilder().build());
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        for (int race = 0; race < 20; race++) {
          HostName domain = HostName.parse("race" + race + ".example.com");
          TrackedDomain fromA = tracked(domain, Instant.EPOCH.plusSeconds(race));
          TrackedDomain fromB = tracked(domain, Instant.EPOCH.plusSeconds(1000 + race));
          CyclicBarrier start = new CyclicBarrier(2);
          Future<Boolean> a = pool.submit(() -> {
            start.await();
            return storeA.compareAndSet(domain, null, fromA);
          });
          Future<Boolean> b = pool.submit(() -> {
            start.await();
            return storeB.compareAndSet(domain, null, fromB);
          });
          boolean aWon = a.get(10, TimeUnit.SECONDS);
          boolean bWon = b.get(10, TimeUnit.SECONDS);
          assertTrue(aWon ^ bWon, "race " + race + ": A " + aWon + ", B " + bWon);
          TrackedDomain winner = aWon ? fromA : fromB;
          // the loser knows at once what won, and the winner's watch agrees
          assertEquals(Optional.of(winner), (aWon ? storeB : storeA).load(domain));
          await(() -> storeA.load(domain).equals(Optional.of(winner)) && storeB.load(domain).equals(Optional.of(winner)),
              () -> "the stores disagree on " + domain);
        }
      } finally {
        pool.shutdownNow();
      }
      assertEquals(20, storeA.loadAll().size());
      // a removal is seen by the other store too
      TrackedDomain r0 = storeA.load(HostName.parse("race0.example.com")).orElseThrow();
      assertTrue(storeA.compareAndSet(r0.domain(), r0, null));
      await(() -> storeB.load(r0.domain()).isEmpty(), () -> "B still holds " + r0.domain());
    }
  }

  @Test
  void valueWrittenByHand_isNamed_neitherReadNorWrittenOver_andTheTableIsUnaffected() throws Exception {
    try (Fleet fleet = new Fleet(etcd.endpoints())) {
      EtcdTableStore store = fleet.store(shop(1));
      Router router = fleet.router(store);
      String key = fleet.prefix + "verification/new.example.com";
      TrackedDomain good = tracked(NEW_SHOP, Instant.EPOCH);
      assertTrue(store.compareAndSet(NEW_SHOP, null, good));
      String goodValue = client.getKVClient().get(ByteSequence.from(key, UTF_8)).get(10, TimeUnit.SECONDS).getKvs().get(0).getValue().toString(UTF_8);

      client.getKVClient().put(ByteSequence.from(key, UTF_8), ByteSequence.from("{\"format\":1,\"domain\":\"new.example.com\"}", UTF_8)).get(10, TimeUnit.SECONDS);
      await(() -> store.load(NEW_SHOP).isEmpty(), () -> "still read as " + store.load(NEW_SHOP));
      StoreDataException refused =
          assertThrows(StoreDataException.class, () -> store.compareAndSet(NEW_SHOP, null, tracked(NEW_SHOP, Instant.EPOCH.plusSeconds(1))));
      assertEquals(key, refused.key());
      assertTrue(refused.getMessage().contains("expected an object \"challenge\""), refused.getMessage());
      assertEquals(Optional.empty(), store.problem());
      router.promote("shop.example.com", "green");
      assertEquals("green", Fleet.workspaceOf(router, "shop.example.com"));

      client.getKVClient().put(ByteSequence.from(key, UTF_8), ByteSequence.from(goodValue, UTF_8)).get(10, TimeUnit.SECONDS);
      await(() -> store.load(NEW_SHOP).equals(Optional.of(good)), () -> "not readable again: " + store.load(NEW_SHOP));
      assertTrue(store.compareAndSet(NEW_SHOP, good, null));
      assertEquals(0, client.getKVClient().get(ByteSequence.from(fleet.prefix + "verification/", UTF_8), GetOption.builder().isPrefix(true).build())
          .get(10, TimeUnit.SECONDS).getCount());
    }
  }

  @Test
  void actor_ofARevision_isToldByEveryRouter_andSurvivesARestart() throws Exception {
    try (Fleet fleet = new Fleet(etcd.endpoints())) {
      Router a = fleet.router(shop(3));
      Router b = fleet.router(fleet.keep(fleet.storeBuilder().build()));
      RoutingTable promoted = a.actingAs("alice", () -> a.promote(a.current().revision(), HostName.parse("shop.example.com"), dev.switchover.WorkspaceId.of("green")));
      await(() -> b.current().revision() == promoted.revision(), () -> "b at " + b.current());
      assertEquals(Optional.of("alice"), b.current().actor());
      RoutingTable back = b.actingAs("bob", b::rollback);
      await(() -> a.current().revision() == back.revision(), () -> "a at " + a.current());
      assertEquals(Optional.of("bob"), a.current().actor());
      assertEquals(Optional.of("alice"), a.history().get(0).actor());
      assertEquals(Optional.of("alice"), b.history().get(0).actor());

      String meta = client.getKVClient().get(ByteSequence.from(fleet.prefix + "meta", UTF_8)).get(10, TimeUnit.SECONDS)
          .getKvs().get(0).getValue().toString(UTF_8);
      assertTrue(meta.contains("\"actor\":\"bob\""), meta);
      Router later = fleet.router(fleet.keep(fleet.storeBuilder().build()));
      assertEquals(Optional.of("bob"), later.current().actor());
      // a write without an actor names no one, on every router
      RoutingTable anonymous = later.promote("staging.example.com", "blue");
      await(() -> a.current().revision() == anonymous.revision(), () -> "a at " + a.current());
      assertEquals(Optional.empty(), a.current().actor());
    }
  }

  private static TrackedDomain tracked(HostName domain, Instant at) {
    Challenge c = Challenge.of(domain, "a".repeat(26), "b".repeat(26), at);
    return TrackedDomain.of(c, null, Verification.of(domain, DomainStatus.PENDING, at, null, null, "waiting"));
  }
}
