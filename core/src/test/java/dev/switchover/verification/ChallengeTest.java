package dev.switchover.verification;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchover.HostName;
import dev.switchover.verification.Challenge.Method;
import java.net.URI;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

final class ChallengeTest {
  private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
  private static final Pattern BASE32 = Pattern.compile("[a-z2-7]+");
  private static final String TOKEN = "abcdefghijklmnopqrstuvwxyz234567";

  private final DomainVerifier verifier = DomainVerifier.builder().clock(new MutableClock(START)).build();

  @Test
  void challenge_tokenAndId_areAtLeast128RandomBitsInBase32() {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 100; i++) {
      Challenge c = verifier.challenge("shop.example.com");
      for (String random : List.of(c.token(), c.id())) {
        assertTrue(BASE32.matcher(random).matches(), random);
        assertTrue(random.length() * 5 >= 128, random); // 5 bits per base32 character
        assertTrue(seen.add(random), "repeated: " + random);
      }
    }
  }

  @Test
  void challenge_saysExactlyWhatToPublish() {
    Challenge c = verifier.challenge("shop.example.com");

    assertEquals("_switchover-challenge.shop.example.com", c.recordName());
    assertEquals("switchover-verification=" + c.token(), c.recordValue());
    assertEquals("/.well-known/switchover-challenge/" + c.id(), c.httpPath());
    assertEquals(Optional.of(URI.create("http://shop.example.com/.well-known/switchover-challenge/" + c.id())), c.httpUrl());
    assertEquals(START, c.issuedAt());
    assertTrue(c.supports(Method.DNS_TXT));
    assertTrue(c.supports(Method.HTTP_TOKEN));
  }

  @Test
  void challenge_wildcard_isProvedAtTheParentByDnsOnly() {
    Challenge c = verifier.challenge("*.Example.com");

    assertEquals(HostName.parse("*.example.com"), c.domain());
    assertEquals("_switchover-challenge.example.com", c.recordName());
    assertTrue(c.httpUrl().isEmpty());
    assertFalse(c.supports(Method.HTTP_TOKEN));
  }

  @Test
  void challenge_spellings_normalizeLikeRouting() {
    assertEquals(HostName.parse("shop.example.com"), verifier.challenge("SHOP.Example.COM.").domain());
    Challenge idn = verifier.challenge("Bücher.example.");
    assertEquals(HostName.parse("xn--bcher-kva.example"), idn.domain());
    assertEquals("_switchover-challenge.xn--bcher-kva.example", idn.recordName());
    assertEquals(
        "http://xn--bcher-kva.example/.well-known/switchover-challenge/" + idn.id(),
        idn.httpUrl().orElseThrow().toString());
  }

  @Test
  void challenge_publicSuffix_isRefused() {
    for (String suffix : List.of("com", "COM.", "co.uk", "github.io", "blogspot.com", "xn--p1ai", "рф", "*.co.uk", "*.github.io")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> verifier.challenge(suffix), suffix);
      assertTrue(String.valueOf(e.getMessage()).contains("public suffix"), e.getMessage());
    }
  }

  @Test
  void challenge_nameUnderAPublicSuffix_isAccepted() {
    for (String name : List.of("example.com", "example.co.uk", "someone.github.io", "*.someone.github.io", "пример.рф", "localhost")) {
      assertEquals(HostName.parse(name), verifier.challenge(name).domain(), name);
    }
  }

  @Test
  void challenge_invalidName_isRefused() {
    assertThrows(IllegalArgumentException.class, () -> verifier.challenge("shop..example.com"));
    assertThrows(IllegalArgumentException.class, () -> verifier.challenge("192.0.2.1"));
    assertThrows(IllegalArgumentException.class, () -> verifier.challenge("_switchover-challenge.example.com"));
  }

  @Test
  void of_storedChallenge_isRestored() {
    Challenge c = verifier.challenge("shop.example.com");

    assertEquals(c, Challenge.of(c.domain(), c.id(), c.token(), c.issuedAt()));
  }

  @Test
  void of_weakOrMalformedRandomParts_areRefused() {
    HostName shop = HostName.parse("shop.example.com");
    assertThrows(IllegalArgumentException.class, () -> Challenge.of(shop, TOKEN, "tooshort", START));
    assertThrows(IllegalArgumentException.class, () -> Challenge.of(shop, TOKEN, TOKEN.toUpperCase(java.util.Locale.ROOT), START));
    assertThrows(IllegalArgumentException.class, () -> Challenge.of(shop, TOKEN, TOKEN.replace('a', '1'), START));
    assertThrows(IllegalArgumentException.class, () -> Challenge.of(shop, "id/../../etc" + TOKEN, TOKEN, START));
    assertThrows(IllegalArgumentException.class, () -> Challenge.of(shop, TOKEN, TOKEN + TOKEN + "a", START));
  }

  @Test
  void challenge_sameDomainTwice_differs() {
    assertNotEquals(verifier.challenge("shop.example.com"), verifier.challenge("shop.example.com"));
  }
}
