package dev.switchover.admin;

import static dev.switchover.admin.AdminFixture.json;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchover.DomainStatus;
import dev.switchover.HostName;
import dev.switchover.Router;
import dev.switchover.etcd.EtcdTableStore;
import dev.switchover.etcd.local.LocalEtcd;
import dev.switchover.verification.DomainVerifier;
import dev.switchover.verification.VerificationSchedule;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two admin APIs, each over its own router, the routers sharing one state in a real etcd: a
 * domain added through one is checked through the other, also after a restart, and each API's
 * history names who made each revision, whichever API took the write.
 */
final class AdminFleetTest {
  static final String ALICE_SECRET = "alice-secret-0123456789abcdef00";
  static final String BOB_SECRET = "bob-secret-0123456789abcdef000000";

  private static LocalEtcd etcd;

  private final String prefix = "/test/admin-" + UUID.randomUUID() + "/";
  private final AdminFixture.Zone zone = new AdminFixture.Zone();
  private final AdminFixture.MutableClock clock = new AdminFixture.MutableClock();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @BeforeAll
  static void startEtcd() throws Exception {
    etcd = LocalEtcd.start(1);
  }

  @AfterAll
  static void stopEtcd() {
    if (etcd != null) {
      etcd.close();
    }
  }

  /** One router of the fleet: its store, router, schedule and admin API on a loopback port. */
  private final class Member implements AutoCloseable {
    final EtcdTableStore store;
    final Router router;
    final VerificationSchedule schedule;
    final AdminServer server;

    Member(boolean first) {
      EtcdTableStore.Builder b = EtcdTableStore.builder().endpoints(etcd.endpoints()).keyPrefix(prefix);
      store = (first ? b.initialTable(AdminFixture.blueGreen()) : b).build();
      router = Router.builder().store(store).build();
      DomainVerifier verifier =
          DomainVerifier.builder()
              .resolvers(new InetSocketAddress(InetAddress.getLoopbackAddress(), 53))
              .txtLookup(zone)
              .clock(clock)
              .build();
      schedule = VerificationSchedule.create(verifier, router, store);
      AdminApi api =
          AdminApi.builder()
              .router(router)
              .verification(schedule)
              .clock(clock)
              .token("alice", Role.OPERATOR, ALICE_SECRET)
              .token("bob", Role.OPERATOR, BOB_SECRET)
              .build();
      server = AdminServer.builder(api).port(0).build().start();
    }

    HttpResponse<String> send(String method, String path, String secret, @Nullable String json, @Nullable Long ifMatch) {
      HttpRequest.Builder r =
          HttpRequest.newBuilder(server.uri().resolve(path)).timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + secret);
      if (ifMatch != null) {
        r.header("If-Match", "\"" + ifMatch + "\"");
      }
      if (json != null) {
        r.header("Content-Type", "application/json");
      }
      r.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
      try {
        return http.send(r.build(), HttpResponse.BodyHandlers.ofString(UTF_8));
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }

    JsonNode get(String path) {
      HttpResponse<String> r = send("GET", path, BOB_SECRET, null, null);
      assertEquals(200, r.statusCode(), r.body());
      return json(r);
    }

    long revision() {
      return router.current().revision();
    }

    @Override
    public void close() {
      server.close();
      router.close();
      store.close();
    }
  }

  @Test
  void domainAddedThroughOneAdmin_isCheckedThroughAnother_evenAfterARestart() {
    try (Member a = new Member(true)) {
      Member b = new Member(false);
      try {
        HttpResponse<String> added = a.send("POST", "api/domains", ALICE_SECRET, "{\"name\":\"new.example.org\"}", a.revision());
        assertEquals(201, added.statusCode(), added.body());
        JsonNode challenge = json(added).get("challenge");
        long addedAt = a.revision();
        Member bNow = b;
        await(() -> bNow.revision() == addedAt && bNow.schedule.challenge(HostName.parse("new.example.org")).isPresent(),
            () -> "router B at " + bNow.router.current());
        JsonNode onB = b.get("api/domains/new.example.org");
        assertEquals("PENDING", onB.get("status").asText());
        assertEquals(challenge.get("recordValue"), onB.get("challenge").get("recordValue"));

        // router B restarts: the challenge is still there
        b.close();
        b = new Member(false);
        assertEquals(challenge.get("recordValue"), b.get("api/domains/new.example.org").get("challenge").get("recordValue"));

        zone.records.put(challenge.get("recordName").asText(), List.of(challenge.get("recordValue").asText()));
        HttpResponse<String> checked = b.send("POST", "api/domains/new.example.org/check", BOB_SECRET, null, null);
        assertEquals(200, checked.statusCode(), checked.body());
        assertEquals("VERIFIED", json(checked).get("status").asText());

        long verifiedAt = b.revision();
        await(() -> a.revision() == verifiedAt, () -> "router A at " + a.router.current());
        assertEquals(Optional.of(DomainStatus.VERIFIED), a.router.current().domainStatus(HostName.parse("new.example.org")));
        Member bLater = b;
        await(() -> a.schedule.status(HostName.parse("new.example.org")).equals(bLater.schedule.status(HostName.parse("new.example.org"))),
            () -> "the schedules disagree");
        JsonNode onA = a.get("api/domains/new.example.org");
        assertEquals("VERIFIED", onA.get("verification").get("status").asText(), onA.toString());
        assertEquals("bob", historyEntry(a, verifiedAt).get("by").asText());
        assertEquals("alice", historyEntry(b, addedAt).get("by").asText());
      } finally {
        b.close();
      }
    }
  }

  @Test
  void promoteByAliceThroughAdminA_isShownAsByAliceInAdminBsHistory() {
    try (Member a = new Member(true);
        Member b = new Member(false)) {
      HttpResponse<String> promoted =
          a.send("POST", "api/domains/shop.example.com/promote", ALICE_SECRET, "{\"workspace\":\"green\"}", a.revision());
      assertEquals(200, promoted.statusCode(), promoted.body());
      long revision = json(promoted).get("revision").asLong();
      await(() -> b.revision() == revision, () -> "router B at " + b.router.current());

      JsonNode entry = historyEntry(b, revision);
      assertEquals("alice", entry.get("by").asText(), entry.toString());
      assertEquals("PROMOTE", entry.get("reason").asText());
      assertEquals(0, b.get("api/audit").size(), "B's audit holds only the writes B took");

      HttpResponse<String> rolledBack = b.send("POST", "api/rollback", BOB_SECRET, null, revision);
      assertEquals(200, rolledBack.statusCode(), rolledBack.body());
      long back = json(rolledBack).get("revision").asLong();
      await(() -> a.revision() == back, () -> "router A at " + a.router.current());
      assertEquals("bob", historyEntry(a, back).get("by").asText());
      assertEquals("alice", historyEntry(a, revision).get("by").asText());
      assertTrue(historyEntry(a, 1).path("by").isMissingNode(), "the first table was written by no one named");
    }
  }

  private static JsonNode historyEntry(Member m, long revision) {
    for (JsonNode e : m.get("api/history")) {
      if (e.get("revision").asLong() == revision) {
        return e;
      }
    }
    return fail("no revision " + revision + " in the history: " + m.get("api/history"));
  }

  private static void await(BooleanSupplier condition, Supplier<String> what) {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("not within 20 s: " + what.get());
      }
      try {
        Thread.sleep(2);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fail("interrupted waiting for " + what.get());
      }
    }
  }
}
