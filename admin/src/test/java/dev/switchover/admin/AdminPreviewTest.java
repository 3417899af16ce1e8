package dev.switchover.admin;

import static dev.switchover.admin.AdminFixture.assertProblem;
import static dev.switchover.admin.AdminFixture.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchover.HostName;
import dev.switchover.PreviewToken;
import dev.switchover.PreviewTokens;
import dev.switchover.WorkspaceId;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

final class AdminPreviewTest {
  private static final byte[] KEY = new byte[32];

  @Test
  void post_previews_mintsATokenTheAdaptersAccept() {
    AdminFixture.MutableClock clock = new AdminFixture.MutableClock();
    PreviewTokens previews = PreviewTokens.builder().signingKey("k1", KEY).clock(clock).build();
    try (AdminFixture f =
        new AdminFixture(b -> b.token("alice", Role.OPERATOR, AdminFixture.OPERATOR_SECRET)
            .token("viewer", Role.READ_ONLY, AdminFixture.VIEWER_SECRET).previewTokens(previews), false)) {
      HttpResponse<String> r = f.post("api/previews", "{\"domain\":\"shop.example.com\",\"workspace\":\"green\",\"ttlSeconds\":600}", null);
      assertEquals(201, r.statusCode(), r.body());
      JsonNode body = json(r);
      PreviewToken token = previews.verify(body.get("token").asText(), "shop.example.com");
      assertEquals(new PreviewToken(HostName.parse("shop.example.com"), WorkspaceId.of("green"), clock.instant().plusSeconds(600)), token);
      assertEquals(clock.instant().plusSeconds(600).toString(), body.get("expires").asText());
      assertEquals("/.well-known/switchover-preview?token=" + body.get("token").asText(), body.get("cookiePath").asText());
      assertEquals(1, f.router.current().revision(), "minting writes no table");
      String audit = json(f.get("api/audit")).toString();
      assertTrue(audit.contains("mint a preview token for shop.example.com -> green"), audit);
      assertTrue(!audit.contains(body.get("token").asText()), "the audit never shows the token");
    }
  }

  @Test
  void post_previews_refusesBadInputAndReaders() {
    PreviewTokens previews = PreviewTokens.builder().signingKey("k1", KEY).build();
    try (AdminFixture f =
        new AdminFixture(b -> b.token("alice", Role.OPERATOR, AdminFixture.OPERATOR_SECRET)
            .token("viewer", Role.READ_ONLY, AdminFixture.VIEWER_SECRET).previewTokens(previews), false)) {
      assertProblem(f.post("api/previews", "{\"domain\":\"nowhere.example.com\",\"workspace\":\"green\"}", null), 422, "no-routes");
      assertProblem(f.post("api/previews", "{\"domain\":\"shop.example.com\",\"workspace\":\"red\"}", null), 422, "unknown-workspace");
      // A token names one domain: a wildcard, though routed, cannot be previewed as such.
      f.router.update(f.router.current().revision(), b -> b.domain("*.apps.example.com", dev.switchover.DomainStatus.VERIFIED)
          .route("*.apps.example.com", "/", "green"));
      assertProblem(f.post("api/previews", "{\"domain\":\"*.apps.example.com\",\"workspace\":\"green\"}", null), 422, "cannot-mint");
      assertProblem(f.post("api/previews", "{\"domain\":\"shop.example.com\",\"workspace\":\"green\",\"ttlSeconds\":0}", null), 400, "bad-request");
      assertProblem(
          f.post("api/previews", "{\"domain\":\"shop.example.com\",\"workspace\":\"green\",\"ttlSeconds\":" + Duration.ofDays(31).toSeconds() + "}", null),
          400, "bad-request");
      HttpResponse<String> asViewer = f.send(
          java.net.http.HttpRequest.newBuilder(f.uri("api/previews"))
              .header("Authorization", "Bearer " + AdminFixture.VIEWER_SECRET)
              .header("Content-Type", "application/json")
              .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"domain\":\"shop.example.com\",\"workspace\":\"green\"}"))
              .build());
      assertProblem(asViewer, 403, "forbidden");
    }
    try (AdminFixture f = new AdminFixture()) {
      assertProblem(f.post("api/previews", "{\"domain\":\"shop.example.com\",\"workspace\":\"green\"}", null), 501, "no-previews");
    }
  }
}
