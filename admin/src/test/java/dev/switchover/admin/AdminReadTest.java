package dev.switchover.admin;

import static dev.switchover.admin.AdminFixture.assertProblem;
import static dev.switchover.admin.AdminFixture.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchover.Admission;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

final class AdminReadTest {
  private final AdminFixture f = new AdminFixture();

  @AfterEach
  void close() {
    f.close();
  }

  @Test
  void table_answersRevisionDomainsRoutesPreviewHostsAndWorkspaces() {
    HttpResponse<String> r = f.get("api/table");
    assertEquals(200, r.statusCode());
    assertEquals("\"1\"", r.headers().firstValue("ETag").orElseThrow());
    assertEquals("no-store", r.headers().firstValue("Cache-Control").orElseThrow());
    JsonNode t = json(r);
    assertEquals(1, t.get("revision").asLong());
    assertEquals("INITIAL", t.get("reason").asText());
    assertEquals("preview.example.net", t.get("previewSuffix").asText());
    JsonNode shop = t.get("domains").get(0);
    assertEquals("shop.example.com", shop.get("name").asText());
    assertEquals("VERIFIED", shop.get("status").asText());
    assertEquals("/", shop.get("routes").get(0).get("prefix").asText());
    assertEquals("blue", shop.get("routes").get(0).get("workspace").asText());
    assertEquals("/api", shop.get("routes").get(1).get("prefix").asText());
    assertEquals("staging.example.com", t.get("domains").get(1).get("name").asText());
    assertEquals(2, t.get("previewHosts").size());
    assertEquals("blue.preview.example.net", t.get("previewHosts").get(0).get("host").asText());
    assertEquals("blue", t.get("workspaces").get(0).get("name").asText());
  }

  @Test
  void table_ifNoneMatchTheCurrentRevision_answers304() {
    HttpResponse<String> r = f.send(f.request("api/table").header("If-None-Match", "\"1\"").build());
    assertEquals(304, r.statusCode());
    f.router.promote("shop.example.com", "green");
    assertEquals(200, f.send(f.request("api/table").header("If-None-Match", "\"1\"").build()).statusCode());
  }

  @Test
  void table_splitRoute_saysItsCanaryAndWeight() {
    f.router.split(
        dev.switchover.HostName.parse("shop.example.com"),
        dev.switchover.PathPrefix.of("/api"),
        dev.switchover.Split.of(dev.switchover.WorkspaceId.of("green"), 1250));
    JsonNode routes = json(f.get("api/domains/shop.example.com")).get("routes");
    assertEquals(null, routes.get(0).get("split"), "a route without a split has none");
    assertEquals("green", routes.get(1).get("split").get("canary").asText());
    assertEquals(1250, routes.get(1).get("split").get("basisPoints").asInt());
    assertEquals("SPLIT", json(f.get("api/table")).get("reason").asText());
  }

  @Test
  void domain_answersOneDomain() {
    JsonNode d = json(f.get("api/domains/SHOP.example.com."));
    assertEquals("shop.example.com", d.get("name").asText());
    assertEquals(2, d.get("routes").size());
  }

  @Test
  void domain_unknown_is404NamingTheDeclaredOnes() {
    JsonNode p = assertProblem(f.get("api/domains/nope.example.com"), 404, "not-found");
    assertTrue(p.get("detail").asText().contains("no domain nope.example.com in revision 1; declared domains: shop.example.com, staging.example.com"), p.toString());
  }

  @Test
  void domain_invalidName_is400() {
    assertProblem(f.get("api/domains/bad_name!"), 400, "bad-request");
  }

  @Test
  void workspaces_countRequestsInFlightAndSayWhenDrained() {
    f.router.promote("staging.example.com", "blue");
    f.router.update(f.router.current().revision(), b -> b.removeRoute("green.preview.example.net", "/"));
    try (Admission held = f.router.admit("shop.example.com", "/x")) {
      JsonNode ws = json(f.get("api/workspaces"));
      JsonNode blue = ws.get(0);
      JsonNode green = ws.get(1);
      assertEquals("blue", blue.get("name").asText());
      assertEquals(1, blue.get("inFlight").asLong());
      assertTrue(blue.get("routed").asBoolean());
      assertFalse(blue.get("drained").asBoolean());
      assertEquals(0, green.get("inFlight").asLong());
      assertFalse(green.get("routed").asBoolean());
      assertTrue(green.get("drained").asBoolean());
      assertTrue(held.isRouted());
    }
  }

  @Test
  void history_listsRevisionsNewestFirstWithWhoMadeThem() {
    assertEquals(200, f.post("api/domains/shop.example.com/promote", "{\"workspace\":\"green\"}", 1L).statusCode());
    f.router.promote("shop.example.com", "blue"); // not through the API: no author known
    JsonNode h = json(f.get("api/history"));
    assertEquals(3, h.size());
    assertEquals(3, h.get(0).get("revision").asLong());
    assertTrue(h.get(0).get("current").asBoolean());
    assertFalse(h.get(0).has("by"));
    assertEquals(2, h.get(1).get("revision").asLong());
    assertEquals("PROMOTE", h.get(1).get("reason").asText());
    assertEquals("alice", h.get(1).get("by").asText());
    assertEquals("2026-12-01T10:00:00Z", h.get(1).get("at").asText());
    assertEquals(1, h.get(2).get("revision").asLong());
  }

  @Test
  void unknownResource_is404() {
    assertProblem(f.get("api/nothing"), 404, "not-found");
    assertProblem(f.get("api/domains/shop.example.com/nothing"), 404, "not-found");
  }

  @Test
  void wrongMethod_is405WithAllow() {
    HttpResponse<String> r = f.send(f.request("api/table").DELETE().build());
    assertProblem(r, 405, "method-not-allowed");
    assertEquals("GET", r.headers().firstValue("Allow").orElseThrow());
  }

  @Test
  void page_isServedAtTheRootWithAStrictPolicy() {
    HttpResponse<String> page = f.send(HttpRequest.newBuilder(f.uri("/")).build());
    assertEquals(200, page.statusCode());
    assertTrue(page.headers().firstValue("Content-Type").orElseThrow().startsWith("text/html"));
    assertTrue(page.body().contains("<script src=\"app.js\""), page.body());
    assertTrue(page.headers().firstValue("Content-Security-Policy").orElseThrow().contains("default-src 'none'"));
    assertEquals(200, f.send(HttpRequest.newBuilder(f.uri("/app.js")).build()).statusCode());
    assertEquals(200, f.send(HttpRequest.newBuilder(f.uri("/style.css")).build()).statusCode());
    assertProblem(f.send(HttpRequest.newBuilder(f.uri("/secret.txt")).build()), 404, "not-found");
  }
}
