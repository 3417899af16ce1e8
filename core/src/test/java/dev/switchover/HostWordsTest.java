package dev.switchover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.CharBuffer;
import java.util.HashSet;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The lookup reads a host eight characters at a time: names of every length around the word
 * boundaries and past the short form, every case, and the characters a word must never confuse.
 */
class HostWordsTest {
  private static final WorkspaceId BLUE = WorkspaceId.of("blue");

  private static RoutingTable tableOf(String name) {
    HostName host = HostName.parse(name);
    return RoutingTable.builder()
        .workspace(BLUE)
        .domain(host, DomainStatus.VERIFIED)
        .route(host, PathPrefix.ROOT, BLUE)
        .build();
  }

  /** A valid name of exactly {@code length} characters, labels of at most 63. */
  private static String nameOf(int length, Random random) {
    StringBuilder b = new StringBuilder();
    while (b.length() < length) {
      if (b.length() > 0 && b.length() % 40 == 0 && b.length() < length - 1) {
        b.append('.');
      } else {
        b.append("abcdefghijklmnopqrstuvwxyz0123456789".charAt(random.nextInt(36)));
      }
    }
    return b.toString();
  }

  private static String randomCase(String s, Random random) {
    StringBuilder b = new StringBuilder(s);
    for (int i = 0; i < b.length(); i++) {
      if (random.nextBoolean()) {
        b.setCharAt(i, Character.toUpperCase(b.charAt(i)));
      }
    }
    return b.toString();
  }

  @Test
  void namesOfEveryLength_resolveInAnyCase_andNotOneCharacterOff() {
    Random random = new Random(23);
    for (int length = 1; length <= 100; length++) {
      String name = nameOf(length, random);
      RoutingTable table =
          tableOf(name);
      String spelled = randomCase(name, random);
      assertTrue(table.resolve(spelled, "/").isRouted(), name);
      assertTrue(table.resolve(CharBuffer.wrap(spelled), "/").isRouted(), "any CharSequence: " + name);
      assertTrue(table.resolve(spelled + ".:8080", "/x").isRouted(), name);
      assertEquals(Hashing.hostHash(name), Hashing.hostHash(spelled, 0, spelled.length()), name);
      for (int i = 0; i < length; i++) {
        char c = name.charAt(i);
        char other = c == 'z' ? 'y' : c == '9' ? '8' : (char) (c + 1);
        String changed = spelled.substring(0, i) + other + spelled.substring(i + 1);
        assertFalse(table.resolve(changed, "/").isRouted(), changed + " is not " + name);
      }
      assertFalse(table.resolve(spelled + "a", "/").isRouted(), "one longer than " + name);
      assertFalse(table.resolve(spelled + "\0", "/").isRouted(), "a NUL is no padding: " + name);
      if (length > 1) {
        assertFalse(table.resolve(spelled.substring(1), "/").isRouted(), "one shorter than " + name);
      }
    }
  }

  @Test
  void charactersBeyondAscii_neverMatchAnAsciiName() {
    String name = "shop.example.com";
    RoutingTable table =
        tableOf(name);
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      // the same low byte, above it in Latin-1 and beyond it, and the case-folding look-alikes
      for (char other : new char[] {(char) (c + 0x100), (char) (c + 0x80), (char) (c | 0xff00), '\u0130', '\u212a'}) {
        String spoofed = name.substring(0, i) + other + name.substring(i + 1);
        assertFalse(table.resolve(spoofed, "/").isRouted(), spoofed);
        assertFalse(table.resolve(spoofed.toUpperCase(Locale.ROOT), "/").isRouted(), spoofed);
      }
    }
    assertTrue(table.resolve("SHOP.example.COM", "/").isRouted());
  }

  @Test
  void controlCharacters_thatDifferFromANameCharacterBy0x20_doNotMatchIt() {
    // '1' is 0x31 and 0x11 differs from it in the bit that lowers letters; '-' 0x2d and '\r' 0x0d
    String name = "a1-b.example.com";
    RoutingTable table =
        tableOf(name);
    assertFalse(table.resolve("a\u0011-b.example.com", "/").isRouted());
    assertFalse(table.resolve("a1\rb.example.com", "/").isRouted());
    assertFalse(table.resolve("a1-b\u000eexample.com", "/").isRouted());
    assertFalse(table.resolve("A1-B.EXAMPLE.COM@", "/").isRouted());
    assertTrue(table.resolve("A1-B.EXAMPLE.COM", "/").isRouted());
  }

  @Test
  void namesThatDifferBy0x40InManyBytes_spreadOverManyHashes() {
    // '0' and 'p' differ only in bit 0x40: with a plain product modulo 2^64 a name's hash forgets
    // such differences in a word's top byte, and a family like this one collapsed to a few hashes
    Random random = new Random(7);
    Set<Integer> hashes = new HashSet<>();
    int names = 2000;
    for (int n = 0; n < names; n++) {
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < 236; i++) {
        b.append(i % 60 == 59 ? '.' : i % 8 == 7 ? (random.nextBoolean() ? '0' : 'p') : 'a');
      }
      String name = b + ".example.com";
      hashes.add(Hashing.hostHash(HostName.parse(name).lookupKey()));
      assertEquals(Hashing.hostHash(name), Hashing.hostHash(name.toUpperCase(Locale.ROOT), 0, name.length()));
    }
    assertTrue(hashes.size() > names * 99 / 100, hashes.size() + " hashes for " + names + " names");
  }

  @Test
  void wildcardParents_ofEveryLength_underFirstLabelsOfEveryLength() {
    Random random = new Random(11);
    for (int parent = 3; parent <= 40; parent++) {
      String parentName = nameOf(parent - 2, random) + ".io";
      HostName wildcard = HostName.parse("*." + parentName);
      RoutingTable table =
          RoutingTable.builder()
              .workspace(BLUE)
              .domain(wildcard, DomainStatus.VERIFIED)
              .route(wildcard, PathPrefix.ROOT, BLUE)
              .build();
      for (int label = 1; label <= 9; label++) {
        String host = randomCase(nameOf(label, random) + "." + parentName, random);
        assertTrue(table.resolve(host, "/").isRouted(), host);
        assertTrue(table.resolve(host, "/").isWildcard(), host);
        assertFalse(table.resolve("\u00e9" + host.substring(1), "/").isRouted(), "a first label beyond ASCII: " + host);
        assertFalse(table.resolve(host.substring(0, host.length() - 1) + "\u0101", "/").isRouted(), host);
        assertFalse(table.resolve("x." + host, "/").isRouted(), "two labels under " + parentName);
      }
      assertFalse(table.resolve(parentName, "/").isRouted(), "the bare parent " + parentName);
    }
  }

  @Test
  void theWordsOfAName_areItsLowerCaseBytes() {
    assertEquals(0x6867666564636261L, Hashing.word("ABCDEFGH", 0, 8));
    assertEquals(0x0000000000636261L, Hashing.word("xyzABC", 3, 6), "a short tail, zeros after");
    assertEquals(0x0000000000636261L, Hashing.word("0123456789ABC", 10, 13), "a tail read from the end");
    assertEquals(0L, Hashing.word("abc", 3, 3));
    assertEquals(-1L, Hashing.word("abcd\u00e9fgh", 0, 8), "a character beyond ASCII spoils the word");
    assertNotEquals(Hashing.word("abc@", 0, 4), Hashing.word("abc`", 0, 4), "'@' is no capital");
    assertNotEquals(Hashing.word("abc[", 0, 4), Hashing.word("abc{", 0, 4), "'[' is no capital");
    assertEquals(Hashing.word("abcz", 0, 4), Hashing.word("abcZ", 0, 4));
  }

  @Test
  void ports_andTrailingDots_areParsedFromTheEnd() {
    RoutingTable table =
        tableOf("shop.example.com");
    for (String host : new String[] {"shop.example.com:1", "shop.example.com:65535", "shop.example.com.:80", "shop.example.com."}) {
      assertTrue(table.resolve(host, "/").isRouted(), host);
    }
    for (String host :
        new String[] {
          "shop.example.com:", "shop.example.com:0", "shop.example.com:65536", "shop.example.com:123456",
          "shop.example.com:8x", "shop.example.com::80", "shop.example.com:80:80", ":80", "1:80", "shop.example.com..",
          "shop:80.example.com", "."
        }) {
      assertSame(Resolution.Outcome.UNKNOWN_HOST, table.resolve(host, "/").outcome(), host);
    }
  }
}
