package dev.switchover.admin;

import static dev.switchover.admin.AdminFixture.assertProblem;
import static dev.switchover.admin.AdminFixture.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchover.ChangeReason;
import dev.switchover.DomainStatus;
import dev.switchover.HostName;
import dev.switchover.RoutingTable;
import dev.switchover.WorkspaceId;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

final class AdminWriteTest {
  private final AdminFixture f = new AdminFixture();

  @AfterEach
  void close() {
    f.close();
  }

  private String workspaceOf(String host, String path) {
    return f.router.resolve(host, path).workspace().name();
  }

  @Test
  void promote_wholeDomainWithIfMatch_switchesAndAnswersTheNewTable() {
    HttpResponse<String> r = f.post("api/domains/shop.example.com/promote", "{\"workspace\":\"green\"}", 1L);
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("\"2\"", r.headers().firstValue("ETag").orElseThrow());
    assertEquals(2, json(r).get("revision").asLong());
    assertEquals("green", workspaceOf("shop.example.com", "/"));
    assertEquals("green", workspaceOf("shop.example.com", "/api/x"));
    assertEquals(ChangeReason.PROMOTE, f.router.current().reason());
  }

  @Test
  void promote_onePrefixWithTheRevisionInTheBody() {
    HttpResponse<String> r = f.post("api/domains/shop.example.com/promote", "{\"workspace\":\"green\",\"prefix\":\"/api\",\"revision\":1}", null);
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("blue", workspaceOf("shop.example.com", "/"));
    assertEquals("green", workspaceOf("shop.example.com", "/api"));
  }

  @Test
  void promote_routesOfSeveralPrefixes_changeInOneRevision() {
    f.router.promote("shop.example.com", "/api", "green");
    HttpResponse<String> r = f.post("api/domains/shop.example.com/promote", "{\"routes\":{\"/\":\"green\",\"/api\":\"blue\"}}", 2L);
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(3, f.router.current().revision());
    assertEquals("green", workspaceOf("shop.example.com", "/"));
    assertEquals("blue", workspaceOf("shop.example.com", "/api"));
    assertEquals("promote shop.example.com/ -> green, shop.example.com/api -> blue", json(f.get("api/history")).get(0).get("action").asText());
  }

  @Test
  void promote_staleRevision_is409NamingBothRevisionsAndChangesNothing() {
    f.router.promote("shop.example.com", "/api", "green"); // another operator, revision 2
    RoutingTable before = f.router.current();
    JsonNode p = assertProblem(f.post("api/domains/shop.example.com/promote", "{\"workspace\":\"green\"}", 1L), 409, "revision-conflict");
    assertEquals(1, p.get("expectedRevision").asLong());
    assertEquals(2, p.get("currentRevision").asLong());
    assertTrue(p.get("detail").asText().contains("you saw revision 1 but the table is at revision 2"), p.toString());
    assertSame(before, f.router.current());
  }

  @Test
  void write_withoutARevision_is428AndChangesNothing() {
    JsonNode p = assertProblem(f.post("api/domains/shop.example.com/promote", "{\"workspace\":\"green\"}", null), 428, "revision-required");
    assertTrue(p.get("detail").asText().contains("If-Match"), p.toString());
    assertProblem(f.post("api/rollback", null, null), 428, "revision-required");
    assertEquals(1, f.router.current().revision());
  }

  @Test
  void write_ifMatchAndFieldDisagree_is400() {
    assertProblem(f.post("api/domains/shop.example.com/promote", "{\"workspace\":\"green\",\"revision\":2}", 1L), 400, "bad-request");
    assertEquals(1, f.router.current().revision());
  }

  @Test
  void write_ifMatchNotARevision_is400() {
    for (String bad : List.of("*", "W/\"1\"", "\"one\"", "\"-1\"", "\"99999999999999999999\"")) {
      HttpRequest r = f.request("api/rollback").header("If-Match", bad).POST(HttpRequest.BodyPublishers.noBody()).build();
      assertProblem(f.send(r), 400, "bad-request");
    }
    assertEquals(1, f.router.current().revision());
  }

  @Test
  void promote_unknownWorkspace_is422NamingTheWorkspaces() {
    JsonNode p = assertProblem(f.post("api/domains/shop.example.com/promote", "{\"workspace\":\"red\"}", 1L), 422, "unknown-workspace");
    assertTrue(p.get("detail").asText().contains("no workspace \"red\" in revision 1; workspaces: blue, green"), p.toString());
    assertEquals(1, f.router.current().revision());
  }

  @Test
  void promote_unknownDomainOrPrefix_isRefused() {
    assertProblem(f.post("api/domains/nope.example.com/promote", "{\"workspace\":\"green\"}", 1L), 404, "not-found");
    assertProblem(f.post("api/domains/shop.example.com/promote", "{\"workspace\":\"green\",\"prefix\":\"/nope\"}", 1L), 422, "unknown-prefix");
    assertProblem(f.post("api/domains/shop.example.com/promote", "{\"routes\":{\"/nope\":\"green\"}}", 1L), 422, "unknown-prefix");
    assertEquals(1, f.router.current().revision());
  }

  @Test
  void promote_hostileBodies_areEach400AndChangeNothing() {
    List<String> bodies =
        List.of(
            "{\"workspace\":",                                  // not JSON
            "[\"green\"]",                                      // not an object
            "{\"workspace\":\"green\",\"extra\":1}",            // unknown field
            "{\"workspace\":7}",                                // wrong type
            "{\"workspace\":\"green\",\"workspace\":\"blue\"}", // duplicate field
            "{\"workspace\":\"green\"} {}",                     // trailing content
            "{\"workspace\":\"green\",\"revision\":1.5}",       // not a whole revision
            "{}",                                               // neither workspace nor routes
            "{\"workspace\":\"green\",\"routes\":{\"/\":\"blue\"}}", // both
            "{\"routes\":{\"/\":3}}",                           // a route to a number
            "{\"workspace\":\"\"}",                             // an empty name
            "{\"a\":" + "[".repeat(200) + "]".repeat(200) + "}" // deeply nested
            );
    for (String body : bodies) {
      HttpResponse<String> r = f.post("api/domains/shop.example.com/promote", body, 1L);
      assertEquals(400, r.statusCode(), body + " -> " + r.body());
    }
    assertEquals(1, f.router.current().revision());
  }

  @Test
  void promote_unknownField_namesItAndTheFieldsAllowed() {
    JsonNode p = assertProblem(f.post("api/domains/shop.example.com/promote", "{\"workspace\":\"green\",\"force\":true}", 1L), 400, "bad-request");
    assertEquals("unknown field \"force\"; this request takes \"prefix\", \"revision\", \"routes\", \"workspace\"", p.get("detail").asText());
  }

  @Test
  void write_wrongContentType_is415() {
    HttpRequest r = f.request("api/domains/shop.example.com/promote").header("If-Match", "\"1\"")
        .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString("{\"workspace\":\"green\"}")).build();
    assertProblem(f.send(r), 415, "unsupported-media-type");
    HttpRequest latin = f.request("api/domains/shop.example.com/promote").header("If-Match", "\"1\"")
        .header("Content-Type", "application/json; charset=iso-8859-1").POST(HttpRequest.BodyPublishers.ofString("{\"workspace\":\"green\"}")).build();
    assertProblem(f.send(latin), 415, "unsupported-media-type");
    assertEquals(1, f.router.current().revision());
  }

  @Test
  void write_hugeBody_is413() {
    String huge = "{\"workspace\":\"" + "g".repeat(JsonBody.MAX_BYTES) + "\"}";
    assertProblem(f.post("api/domains/shop.example.com/promote", huge, 1L), 413, "body-too-large");
    HttpRequest chunked = f.request("api/domains/shop.example.com/promote").header("If-Match", "\"1\"").header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(huge.getBytes(java.nio.charset.StandardCharsets.UTF_8)))).build();
    assertProblem(f.send(chunked), 413, "body-too-large");
    assertEquals(1, f.router.current().revision());
  }

  @Test
  void swap_tradesTheRoutingOfTwoHosts() {
    HttpResponse<String> r = f.post("api/swap", "{\"a\":\"shop.example.com\",\"b\":\"staging.example.com\"}", 1L);
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("green", workspaceOf("shop.example.com", "/"));
    assertEquals("blue", workspaceOf("staging.example.com", "/"));
    assertEquals(ChangeReason.SWAP, f.router.current().reason());
  }

  @Test
  void swap_hostWithoutRoutes_is422() {
    assertProblem(f.post("api/swap", "{\"a\":\"shop.example.com\",\"b\":\"other.example.com\"}", 1L), 422, "no-routes");
    assertProblem(f.post("api/swap", "{\"a\":\"shop.example.com\"}", 1L), 400, "bad-request");
  }

  @Test
  void rollback_guarded_undoesTheChangeTheOperatorSaw() {
    f.post("api/domains/shop.example.com/promote", "{\"workspace\":\"green\"}", 1L);
    HttpResponse<String> r = f.post("api/rollback", null, 2L);
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(3, f.router.current().revision());
    assertEquals(ChangeReason.ROLLBACK, f.router.current().reason());
    assertEquals("blue", workspaceOf("shop.example.com", "/"));
  }

  @Test
  void rollback_ofAChangeTheOperatorNeverSaw_is409() {
    f.post("api/domains/shop.example.com/promote", "{\"workspace\":\"green\"}", 1L);
    f.router.swap("shop.example.com", "staging.example.com"); // elsewhere, revision 3
    JsonNode p = assertProblem(f.post("api/rollback", "{\"revision\":2}", null), 409, "revision-conflict");
    assertEquals(3, p.get("currentRevision").asLong());
    assertEquals(3, f.router.current().revision());
  }

  @Test
  void rollback_withoutHistory_is409Refused() {
    JsonNode p = assertProblem(f.post("api/rollback", null, 1L), 409, "refused");
    assertTrue(p.get("detail").asText().contains("nothing to roll back"), p.toString());
  }

  @Test
  void restore_publishesTheRoutingOfAnEarlierRevision() {
    f.router.promote("shop.example.com", "green");
    f.router.swap("shop.example.com", "staging.example.com");
    HttpResponse<String> r = f.post("api/restore", "{\"toRevision\":1}", 3L);
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(4, f.router.current().revision());
    assertEquals(AdminFixture.blueGreen().routes(), f.router.current().routes());
  }

  @Test
  void restore_revisionNotInHistory_is422() {
    assertProblem(f.post("api/restore", "{\"toRevision\":7}", 1L), 422, "refused");
    assertProblem(f.post("api/restore", "{}", 1L), 400, "bad-request");
  }

  @Test
  void addDomain_issuesItsChallengeAndCheckNowVerifiesIt() {
    HttpResponse<String> added = f.post("api/domains", "{\"name\":\"new.example.org\"}", 1L);
    assertEquals(201, added.statusCode(), added.body());
    JsonNode d = json(added);
    assertEquals("PENDING", d.get("status").asText());
    JsonNode challenge = d.get("challenge");
    assertEquals("TXT", challenge.get("recordType").asText());
    assertEquals("_switchover-challenge.new.example.org", challenge.get("recordName").asText());
    assertTrue(challenge.get("recordValue").asText().startsWith("switchover-verification="));
    assertEquals(DomainStatus.PENDING, f.router.current().domainStatus(HostName.parse("new.example.org")).orElseThrow());
    assertEquals("PENDING", json(f.get("api/domains/new.example.org")).get("status").asText());
    assertTrue(json(f.get("api/domains/new.example.org")).has("challenge"));

    JsonNode failed = json(f.post("api/domains/new.example.org/check", null, null));
    assertEquals("FAILED", failed.get("status").asText());

    f.zone.records.put(challenge.get("recordName").asText(), List.of(challenge.get("recordValue").asText()));
    HttpResponse<String> checked = f.post("api/domains/new.example.org/check", "{\"method\":\"dns\"}", null);
    assertEquals(200, checked.statusCode(), checked.body());
    assertEquals("VERIFIED", json(checked).get("status").asText());
    assertEquals(DomainStatus.VERIFIED, f.router.current().domainStatus(HostName.parse("new.example.org")).orElseThrow());
    JsonNode after = json(f.get("api/domains/new.example.org"));
    assertEquals("VERIFIED", after.get("verification").get("status").asText());
  }

  @Test
  void addDomain_refusals() {
    assertProblem(f.post("api/domains", "{\"name\":\"shop.example.com\"}", 1L), 409, "domain-exists");
    assertProblem(f.post("api/domains", "{\"name\":\"github.io\"}", 1L), 422, "cannot-verify");
    assertProblem(f.post("api/domains", "{\"name\":\"new.example.org\"}", 0L), 409, "revision-conflict");
    assertProblem(f.post("api/domains", "{}", 1L), 400, "bad-request");
    assertEquals(1, f.router.current().revision());
    assertProblem(f.post("api/domains/unknown.example.org/check", null, null), 404, "not-found");
    assertProblem(f.post("api/domains/shop.example.com/check", "{\"method\":\"carrier-pigeon\"}", null), 409, "no-challenge");
  }

  @Test
  void removeDomain_forgetsItsChallenge_soACheckCannotDeclareItAgain() {
    HttpResponse<String> added = f.post("api/domains", "{\"name\":\"new.example.org\"}", 1L);
    assertEquals(201, added.statusCode(), added.body());
    JsonNode challenge = json(added).get("challenge");
    f.zone.records.put(challenge.get("recordName").asText(), List.of(challenge.get("recordValue").asText()));
    HttpResponse<String> removed = f.send(f.request("api/domains/new.example.org").header("If-Match", "\"2\"").DELETE().build());
    assertEquals(200, removed.statusCode(), removed.body());

    assertTrue(f.schedule.challenge(HostName.parse("new.example.org")).isEmpty());
    assertProblem(f.post("api/domains/new.example.org/check", null, null), 404, "not-found");
    assertTrue(f.router.current().domainStatus(HostName.parse("new.example.org")).isEmpty());
  }

  @Test
  void everyWrite_isMadeAsItsCaller_andTheHistoryNamesWhoMadeARevisionElsewhere() {
    HttpResponse<String> promoted = f.post("api/domains/shop.example.com/promote", "{\"workspace\":\"green\"}", 1L);
    assertEquals(200, promoted.statusCode(), promoted.body());
    assertEquals(java.util.Optional.of("alice"), f.router.current().actor());
    // as if through another router of a fleet: no audit entry here, but the table says who
    f.router.actingAs("carol", () -> f.router.rollback(2));

    JsonNode history = json(f.get("api/history"));
    assertEquals(3, history.get(0).get("revision").asLong());
    assertEquals("carol", history.get(0).get("by").asText());
    assertTrue(history.get(0).path("at").isMissingNode(), history.toString());
    assertEquals("alice", history.get(1).get("by").asText());
    assertTrue(history.get(1).has("at"), history.toString());
    assertTrue(history.get(2).path("by").isMissingNode(), history.toString());
  }

  @Test
  void removeDomain_removesItAndItsRoutes() {
    HttpRequest r = f.request("api/domains/staging.example.com").header("If-Match", "\"1\"").DELETE().build();
    HttpResponse<String> removed = f.send(r);
    assertEquals(200, removed.statusCode(), removed.body());
    assertTrue(f.router.current().domainStatus(HostName.parse("staging.example.com")).isEmpty());
    assertTrue(f.router.current().routes(HostName.parse("staging.example.com")).isEmpty());
    assertProblem(f.get("api/domains/staging.example.com"), 404, "not-found");
    assertProblem(f.send(f.request("api/domains/staging.example.com").header("If-Match", "\"2\"").DELETE().build()), 404, "not-found");
  }

  @Test
  void everyWrite_isAudited() {
    f.post("api/domains/shop.example.com/promote", "{\"workspace\":\"green\"}", 1L);
    f.post("api/rollback", null, 2L);
    JsonNode audit = json(f.get("api/audit"));
    assertEquals(2, audit.size());
    assertEquals("rollback of revision 2", audit.get(0).get("action").asText());
    assertEquals("alice", audit.get(0).get("by").asText());
    assertEquals(2, audit.get(0).get("revisionBefore").asLong());
    assertEquals(3, audit.get(0).get("revisionAfter").asLong());
    assertEquals("promote shop.example.com -> green", audit.get(1).get("action").asText());
    assertEquals(WorkspaceId.of("blue"), f.router.resolve("shop.example.com", "/").workspace());
  }

  @Test
  void racingWriters_onTheSameRevision_oneWinsAndTheOtherGets409() throws Exception {
    java.util.concurrent.CompletableFuture<HttpResponse<String>> a = f.client.sendAsync(
        f.request("api/domains/shop.example.com/promote").header("If-Match", "\"1\"").header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"workspace\":\"green\"}")).build(),
        HttpResponse.BodyHandlers.ofString());
    java.util.concurrent.CompletableFuture<HttpResponse<String>> b = f.client.sendAsync(
        f.request("api/swap").header("If-Match", "\"1\"").header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"a\":\"shop.example.com\",\"b\":\"staging.example.com\"}")).build(),
        HttpResponse.BodyHandlers.ofString());
    List<Integer> statuses = new java.util.ArrayList<>(List.of(a.get().statusCode(), b.get().statusCode()));
    java.util.Collections.sort(statuses);
    assertEquals(List.of(200, 409), statuses, a.get().body() + " / " + b.get().body());
    assertEquals(2, f.router.current().revision());
  }

  @Test
  void restore_acrossADomainStatusChange_is409AndChangesNothing() {
    f.router.promote("shop.example.com", "green");
    f.router.setDomainStatus("staging.example.com", DomainStatus.REVOKED);
    JsonNode p = assertProblem(f.post("api/restore", "{\"toRevision\":1}", 3L), 409, "refused");
    assertTrue(p.get("detail").asText().contains("verification status changed"), p.toString());
    assertEquals(3, f.router.current().revision());
  }

  @Test
  void readOnlyRequests_neverChangeTheTable() {
    for (String path : List.of("api/table", "api/domains", "api/workspaces", "api/history", "api/audit", "api/domains/shop.example.com")) {
      assertEquals(200, f.get(path).statusCode(), path);
    }
    assertEquals(1, f.router.current().revision());
    assertEquals(0, json(f.get("api/audit")).size());
  }
}
