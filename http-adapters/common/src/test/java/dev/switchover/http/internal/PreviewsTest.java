package dev.switchover.http.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.switchover.PreviewTokens;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

final class PreviewsTest {
  @Test
  void token_fromTheHeaderFirst_thenTheCookie() {
    assertEquals("h", Previews.token("h", "switchover-preview=c"));
    assertEquals("c", Previews.token(null, "switchover-preview=c"));
    assertEquals("c", Previews.token("", "a=1; switchover-preview=c; b=2"));
    assertEquals("c", Previews.token(null, "a=1;switchover-preview=c"));
    assertNull(Previews.token(null, null));
    assertNull(Previews.token(null, "a=1; b=2"));
    assertNull(Previews.token(null, "my-switchover-preview=c"), "another cookie whose name ends the same");
    assertEquals("c", Previews.token(null, "my-switchover-preview=x; switchover-preview=c"));
    assertNull(Previews.token(null, "switchover-preview="));
    assertNull(Previews.token(null, "switchover-previewer=c"));
  }

  @Test
  void endpoint_setsTheCookieForAValidToken_only() {
    Instant now = Instant.parse("2026-12-01T10:00:00Z");
    Clock clock = Clock.fixed(now, ZoneOffset.UTC);
    PreviewTokens previews = PreviewTokens.builder().signingKey("k", new byte[32]).clock(clock).build();
    String token = previews.mint("shop.example.com", "green", Duration.ofHours(2));
    assertEquals(
        new Previews.EndpointAnswer(
            303, "switchover-preview=" + token + "; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=7200"),
        Previews.endpoint(previews, "shop.example.com", "token=" + token, true, clock));
    assertEquals(403, Previews.endpoint(previews, "other.example.com", "token=" + token, false, clock).status());
    assertEquals(403, Previews.endpoint(previews, "shop.example.com", "token=" + token + "x", false, clock).status());
    assertEquals(400, Previews.endpoint(previews, "shop.example.com", null, false, clock).status());
    assertEquals(
        new Previews.EndpointAnswer(303, "switchover-preview=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
        Previews.endpoint(previews, "shop.example.com", "end", false, clock));
    String longLived = previews.mint("shop.example.com", "green", Duration.ofDays(30));
    assertEquals(
        new Previews.EndpointAnswer(303, "switchover-preview=" + longLived + "; Path=/; HttpOnly; SameSite=Lax; Max-Age=28800"),
        Previews.endpoint(previews, "shop.example.com", "token=" + longLived, false, clock),
        "a cookie lasts a working day at most");
  }
}
