package dev.switchover;

import static dev.switchover.RouterTest.BLUE;
import static dev.switchover.RouterTest.GREEN;
import static dev.switchover.RouterTest.blueGreen;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.common.testing.NullPointerTester;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

final class PreviewTokensTest {
  private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");
  private static final byte[] K1 = secret(1);
  private static final byte[] K2 = secret(2);

  private static byte[] secret(int seed) {
    byte[] b = new byte[32];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static PreviewTokens tokens(Instant now) {
    return PreviewTokens.builder().signingKey("k1", K1).clock(Clock.fixed(now, ZoneOffset.UTC)).build();
  }

  @Test
  void mint_thenVerify_namesTheDomainWorkspaceAndExpiry() {
    PreviewTokens t = tokens(NOW);
    String token = t.mint("shop.example.com", "green", Duration.ofHours(8));
    PreviewToken p = t.verify(token);
    assertEquals(new PreviewToken(HostName.parse("shop.example.com"), GREEN, NOW.plus(Duration.ofHours(8))), p);
    for (String host : List.of("shop.example.com", "SHOP.Example.com", "shop.example.com:8443", "shop.example.com.")) {
      assertEquals(p, t.verify(token, host), host);
    }
  }

  @Test
  void verify_aTokenForAnotherDomain_isNull() {
    PreviewTokens t = tokens(NOW);
    String token = t.mint("shop.example.com", "green", Duration.ofHours(1));
    assertNull(t.verify(token, "other.example.com"));
    assertNull(t.verify(token, "evil.shop.example.com"));
    assertNull(t.verify(token, "[::1]"), "not a host name at all");
  }

  @Test
  void verify_anExpiredToken_isNull() {
    String token = tokens(NOW).mint("shop.example.com", "green", Duration.ofMinutes(10));
    assertNotNull(tokens(NOW.plus(Duration.ofMinutes(10)).minusSeconds(1)).verify(token));
    assertNull(tokens(NOW.plus(Duration.ofMinutes(10))).verify(token), "expired at its expiry");
    assertNull(tokens(NOW.plus(Duration.ofDays(1))).verify(token));
  }

  @Test
  void verify_aForgedToken_isNull() {
    PreviewTokens t = tokens(NOW);
    String token = t.mint("shop.example.com", "green", Duration.ofHours(1));
    String[] parts = token.split("\\.", -1);
    // Another payload under the same signature: production's domain pointed at another workspace.
    String payload = Base64.getUrlEncoder().withoutPadding()
        .encodeToString(("shop.example.com\nred\n" + NOW.plus(Duration.ofHours(1)).getEpochSecond()).getBytes(UTF_8));
    assertNull(t.verify(parts[0] + "." + parts[1] + "." + payload + "." + parts[3]));
    // A signature with one bit flipped.
    byte[] mac = Base64.getUrlDecoder().decode(parts[3]);
    mac[0] ^= 1;
    assertNull(t.verify(parts[0] + "." + parts[1] + "." + parts[2] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(mac)));
    // Signed with a key of the same id but other bytes.
    String other = PreviewTokens.builder().signingKey("k1", K2).clock(Clock.fixed(NOW, ZoneOffset.UTC)).build()
        .mint("shop.example.com", "green", Duration.ofHours(1));
    assertNull(t.verify(other));
    // Another key id.
    assertNull(t.verify("v1.k9." + parts[2] + "." + parts[3]));
    assertNull(t.verify("v2.k1." + parts[2] + "." + parts[3]));
    // Other spellings of the same signature bytes: padding, or other unused low bits at the end.
    assertNull(t.verify(token + "="));
    String last = parts[3].substring(parts[3].length() - 1);
    String sibling = Character.toString((char) (last.charAt(0) ^ 1));
    String respelled = token.substring(0, token.length() - 1) + sibling;
    if (java.util.Arrays.equals(Base64.getUrlDecoder().decode(parts[3]),
        Base64.getUrlDecoder().decode(parts[3].substring(0, parts[3].length() - 1) + sibling))) {
      assertNull(t.verify(respelled), "a second spelling of the same MAC");
    }
  }

  @Test
  void verify_malformedText_isNullAndNeverThrows() {
    PreviewTokens t = tokens(NOW);
    String good = t.mint("shop.example.com", "green", Duration.ofHours(1));
    for (String bad : List.of("", ".", "v1", "v1.k1", "v1.k1.a", "v1.k1.a.b", "v1.k1.!!.??", good + ".x", "x" + good,
        good.substring(0, good.length() - 1), "v1.k1.." , "v1...", "v1.k1." + "A".repeat(2000) + ".b")) {
      assertNull(t.verify(bad), bad);
    }
    Random random = new Random(21);
    char[] alphabet = "v1.k-_ABCxyz0189=+/\n%".toCharArray();
    for (int i = 0; i < 10_000; i++) {
      char[] text = new char[random.nextInt(80)];
      for (int j = 0; j < text.length; j++) {
        text[j] = alphabet[random.nextInt(alphabet.length)];
      }
      assertNull(t.verify(new String(text)), () -> Arrays.toString(text));
    }
  }

  @Test
  void keys_rotate_withTwoActive() {
    Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    String old = tokens(NOW).mint("shop.example.com", "green", Duration.ofHours(1));
    PreviewTokens rotating = PreviewTokens.builder().signingKey("k2", K2).previousKey("k1", K1).clock(clock).build();
    assertNotNull(rotating.verify(old), "a token of the previous key still works during the rotation");
    String fresh = rotating.mint("shop.example.com", "green", Duration.ofHours(1));
    assertEquals("k2", fresh.split("\\.", -1)[1]);
    PreviewTokens rotated = PreviewTokens.builder().signingKey("k3", secret(3)).previousKey("k2", K2).clock(clock).build();
    assertNull(rotated.verify(old), "once its key is gone, a token is dead");
    assertNotNull(rotated.verify(fresh));
    assertEquals("PreviewTokens{signing=k3, previous=k2}", rotated.toString());
  }

  @Test
  void builderAndMint_refuseBadInput() {
    assertThrows(IllegalArgumentException.class, () -> PreviewTokens.builder().signingKey("k1", new byte[31]));
    assertThrows(IllegalArgumentException.class, () -> PreviewTokens.builder().signingKey("k.1", K1));
    assertThrows(IllegalArgumentException.class, () -> PreviewTokens.builder().signingKey("", K1));
    assertThrows(IllegalStateException.class, () -> PreviewTokens.builder().signingKey("k1", K1).signingKey("k2", K2));
    assertThrows(IllegalStateException.class, () -> PreviewTokens.builder().signingKey("k1", K1).previousKey("k1", K2).build());
    assertThrows(IllegalStateException.class, () -> PreviewTokens.builder().previousKey("k1", K1).build());
    PreviewTokens t = tokens(NOW);
    assertThrows(IllegalArgumentException.class, () -> t.mint("shop.example.com", "green", Duration.ofMillis(999)));
    assertThrows(IllegalArgumentException.class, () -> t.mint("shop.example.com", "green", Duration.ofDays(31)));
    assertThrows(IllegalArgumentException.class, () -> t.mint("*.example.com", "green", Duration.ofHours(1)));
    new NullPointerTester().setDefault(Duration.class, Duration.ofHours(1)).setDefault(byte[].class, K1)
        .setDefault(String.class, "shop.example.com").setDefault(HostName.class, HostName.parse("shop.example.com"))
        .setDefault(WorkspaceId.class, GREEN)
        .testAllPublicInstanceMethods(t);
    new NullPointerTester().setDefault(byte[].class, K1).testAllPublicInstanceMethods(PreviewTokens.builder());
  }

  @Test
  void secret_isCopied() {
    byte[] secret = secret(7);
    PreviewTokens t = PreviewTokens.builder().signingKey("k", secret).clock(Clock.fixed(NOW, ZoneOffset.UTC)).build();
    String token = t.mint("shop.example.com", "green", Duration.ofHours(1));
    Arrays.fill(secret, (byte) 0);
    assertNotNull(t.verify(token));
  }

  @Test
  void admit_withAValidToken_routesToItsWorkspace() {
    Router router = Router.create(blueGreen());
    PreviewTokens t = tokens(Instant.now());
    String token = t.mint("shop.example.com", "green", Duration.ofHours(1));
    try (Admission a = router.admit("shop.example.com", "/api/x", t, token)) {
      assertEquals(GREEN, a.workspace());
      assertEquals(PathPrefix.of("/api"), a.resolution().prefix(), "the same route matched");
      assertEquals(1, router.inFlight(GREEN));
      assertEquals("ROUTED /api -> blue, preview on green", a.resolution().toString());
    }
    assertEquals(1, router.requests(GREEN, RequestOutcome.SERVED));
    assertEquals(BLUE, router.admit("shop.example.com", "/", t, null).workspace(), "no token: production");
    assertEquals(BLUE, router.admit("shop.example.com", "/", t, token + "x").workspace(), "forged: production");
    PreviewTokens other = tokens(Instant.now());
    String forStaging = other.mint("staging.example.com", "blue", Duration.ofHours(1));
    assertEquals(BLUE, router.admit("staging.example.com", "/", t, forStaging).workspace(), "staging previews blue");
    assertEquals(GREEN, router.admit("staging.example.com", "/", t, token).workspace(), "shop's token: not for staging");
    assertEquals(Resolution.Outcome.UNKNOWN_HOST, router.admit("nowhere.example.com", "/", t, token).resolution().outcome());
  }

  @Test
  void admit_withATokenForAWorkspaceNoTableNames_routesThere() {
    Router router = Router.create(blueGreen());
    PreviewTokens t = tokens(Instant.now());
    String token = t.mint("shop.example.com", "gray", Duration.ofHours(1));
    try (Admission a = router.admit("shop.example.com", "/", t, token)) {
      assertEquals(WorkspaceId.of("gray"), a.workspace(), "never production: the adapter answers 503 if gray is unbound");
    }
  }
}
