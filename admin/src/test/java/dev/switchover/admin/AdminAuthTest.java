package dev.switchover.admin;

import static dev.switchover.admin.AdminFixture.assertProblem;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchover.Router;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

final class AdminAuthTest {
  private static HttpRequest.Builder bare(AdminFixture f, String path) {
    return HttpRequest.newBuilder(f.uri(path)).timeout(Duration.ofSeconds(30));
  }

  @Test
  void missingToken_is401WithAChallengeHeader() {
    try (AdminFixture f = new AdminFixture()) {
      HttpResponse<String> r = f.send(bare(f, "api/table").build());
      assertProblem(r, 401, "unauthorized");
      assertEquals("Bearer realm=\"switchover-admin\"", r.headers().firstValue("WWW-Authenticate").orElseThrow());
    }
  }

  @Test
  void wrongToken_orScheme_is401() {
    try (AdminFixture f = new AdminFixture()) {
      assertProblem(f.send(bare(f, "api/table").header("Authorization", "Bearer " + AdminFixture.OPERATOR_SECRET + "x").build()), 401, "unauthorized");
      assertProblem(f.send(bare(f, "api/table").header("Authorization", "Basic YWxpY2U6c2VjcmV0").build()), 401, "unauthorized");
      assertProblem(f.send(bare(f, "api/table").header("Authorization", "Bearer").build()), 401, "unauthorized");
    }
  }

  @Test
  void readOnlyToken_readsButCannotWrite() {
    try (AdminFixture f = new AdminFixture()) {
      String viewer = "Bearer " + AdminFixture.VIEWER_SECRET;
      assertEquals(200, f.send(bare(f, "api/table").header("Authorization", viewer).build()).statusCode());
      HttpRequest write = bare(f, "api/domains/shop.example.com/promote").header("Authorization", viewer)
          .header("If-Match", "\"1\"").header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"workspace\":\"green\"}")).build();
      HttpResponse<String> r = f.send(write);
      assertProblem(r, 403, "forbidden");
      assertTrue(r.body().contains("token \\\"viewer\\\" is read-only"), r.body());
      // Refused before anything else is looked at: no revision needed to learn that.
      HttpRequest rollback = bare(f, "api/rollback").header("Authorization", viewer).POST(HttpRequest.BodyPublishers.noBody()).build();
      assertProblem(f.send(rollback), 403, "forbidden");
      assertEquals(1, f.router.current().revision());
    }
  }

  @Test
  void failedAuthentications_areLimitedPerAddressUntilTheWindowEnds() {
    try (AdminFixture f = new AdminFixture(b -> b.token("alice", Role.OPERATOR, AdminFixture.OPERATOR_SECRET)
        .failedAuthenticationLimit(3, Duration.ofMinutes(1)), true)) {
      for (int i = 0; i < 3; i++) {
        assertProblem(f.send(bare(f, "api/table").header("Authorization", "Bearer wrong-" + i).build()), 401, "unauthorized");
      }
      HttpResponse<String> limited = f.get("api/table"); // the right token, but too late
      assertProblem(limited, 429, "too-many-failed-authentications");
      assertEquals("60", limited.headers().firstValue("Retry-After").orElseThrow());
      f.clock.advance(Duration.ofSeconds(59));
      assertEquals("1", f.get("api/table").headers().firstValue("Retry-After").orElseThrow());
      f.clock.advance(Duration.ofSeconds(1));
      assertEquals(200, f.get("api/table").statusCode());
    }
  }

  @Test
  void withoutTokens_loopbackCallsAreAnsweredAsLocal() {
    try (AdminFixture f = new AdminFixture(b -> {}, true)) {
      assertEquals(200, f.send(bare(f, "api/table").build()).statusCode());
      HttpResponse<String> w = f.send(bare(f, "api/rollback").header("If-Match", "\"1\"").POST(HttpRequest.BodyPublishers.noBody()).build());
      assertProblem(w, 409, "refused"); // authenticated as local; refused only for want of history
    }
  }

  @Test
  void withoutTokens_aRequestNamingAnotherHost_isRefused() throws IOException {
    // A page whose name was rebound to 127.0.0.1 sends its own name as the host.
    try (AdminFixture f = new AdminFixture(b -> {}, true);
        Socket s = new Socket(InetAddress.getLoopbackAddress(), f.server.port())) {
      s.setSoTimeout(30_000);
      OutputStream out = s.getOutputStream();
      out.write("GET /api/table HTTP/1.1\r\nHost: attacker.example\r\nConnection: close\r\n\r\n".getBytes(US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      String response = new String(in.readAllBytes(), US_ASCII);
      assertTrue(response.startsWith("HTTP/1.1 403"), response);
      assertTrue(response.contains("loopback"), response);
    }
  }

  @Test
  void withoutTokens_aRequestThroughAForwardingProxy_isRefused() {
    try (AdminFixture f = new AdminFixture(b -> {}, true)) {
      for (String header : List.of("X-Forwarded-For", "Forwarded", "X-Forwarded-Host", "X-Real-IP")) {
        HttpResponse<String> r =
            f.send(bare(f, "api/table").header(header, "for=127.0.0.1").build());
        assertEquals(403, r.statusCode(), () -> header + ": " + r.body());
      }
    }
  }

  @Test
  void servletInAHostContainer_withoutTokens_isRefusedAtOnce() {
    AdminApi open = AdminApi.builder().router(Router.create(AdminFixture.blueGreen())).build();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new AdminServlet(open));
    assertTrue(String.valueOf(e.getMessage()).contains("token"), e.getMessage());
  }

  @Test
  void nonLoopbackListener_withoutTokens_isRefused() {
    Router router = Router.create(AdminFixture.blueGreen());
    AdminApi open = AdminApi.builder().router(router).build();
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> AdminServer.builder(open).host("0.0.0.0").port(0).build());
    assertTrue(String.valueOf(e.getMessage()).contains("without tokens"), e.getMessage());
    AdminApi guarded = AdminApi.builder().router(router).token("ops", Role.OPERATOR, AdminFixture.OPERATOR_SECRET).build();
    assertNotNull(AdminServer.builder(guarded).host("0.0.0.0").port(0).build());
  }

  @Test
  void tokens_matchEachSecretAndNothingElse() {
    Tokens tokens = new Tokens(List.of(
        new Tokens.Token("a", Role.OPERATOR, Tokens.digest("first-secret-0123456789abcdef")),
        new Tokens.Token("b", Role.READ_ONLY, Tokens.digest("second-secret-0123456789abcdef"))));
    assertEquals("a", java.util.Objects.requireNonNull(tokens.match("first-secret-0123456789abcdef")).name());
    assertEquals("b", java.util.Objects.requireNonNull(tokens.match("second-secret-0123456789abcdef")).name());
    assertNull(tokens.match("first-secret-0123456789abcde"));
    assertNull(tokens.match(""));
  }

  @Test
  void builder_refusesWeakOrRepeatedTokens() {
    AdminApi.Builder b = AdminApi.builder();
    assertThrows(IllegalArgumentException.class, () -> b.token("a", Role.OPERATOR, "short"));
    // a name is who the audit and every router's history say made a write: one clean line
    assertThrows(IllegalArgumentException.class, () -> b.token("ops\tteam", Role.OPERATOR, "0123456789abcdef0123456789"));
    assertThrows(IllegalArgumentException.class, () -> b.token("ops\nteam", Role.OPERATOR, "0123456789abcdef0123456789"));
    assertThrows(IllegalArgumentException.class, () -> b.token("a", Role.OPERATOR, "with space 0123456789abcdef0123"));
    b.token("a", Role.OPERATOR, AdminFixture.OPERATOR_SECRET);
    assertThrows(IllegalArgumentException.class, () -> b.token("a", Role.READ_ONLY, AdminFixture.VIEWER_SECRET));
    assertThrows(IllegalStateException.class, b::build);
  }
}
