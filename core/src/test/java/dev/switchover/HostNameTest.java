package dev.switchover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

final class HostNameTest {
  @ParameterizedTest
  @CsvSource({
    "Shop.Example.COM, shop.example.com",
    "shop.example.com., shop.example.com",
    "shop.example.com:8443, shop.example.com",
    "SHOP.EXAMPLE.COM.:443, shop.example.com",
    "localhost, localhost",
    "INDIGO.localhost, indigo.localhost",
    "bücher.example, xn--bcher-kva.example",
    "BÜCHER.example, xn--bcher-kva.example",
    "*.Example.COM, *.example.com",
    "a-b.c0.example, a-b.c0.example",
    "*.localhost, *.localhost",
    "example.com:65535, example.com",
  })
  void parse_spellings_normalizeToOneName(String text, String expected) {
    assertEquals(expected, HostName.parse(text).toString());
  }

  @Test
  void parse_turkishDottedCapitalI_lowerCasesAsAscii() {
    // Under the Turkish locale String.toLowerCase() maps 'I' to a dotless 'ı'; the name must not.
    assertEquals("indigo.example", HostName.parse("INDIGO.EXAMPLE").toString());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "", ".", "a..b.example.com", "-a.example.com", "a-.example.com", "a_b.example.com",
        "1.2.3.4", "example.123", "[::1]", "[::1]:8080", "example.com:abc", "example.com:",
        "example.com:123456", "*.com", "*.co.uk", "*.github.io", "*", "a.*.example.com",
        "**.example.com", "exa mple.com", "example.com..", "example.com:0", "example.com:65536",
        "faß.de",
      })
  void parse_invalidNames_areRefusedNamingTheValue(String text) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HostName.parse(text));
    assertTrue(String.valueOf(e.getMessage()).contains("\"" + text + "\""), e.getMessage());
  }

  @Test
  void isPublicSuffix_knowsThePublicSuffixList() {
    assertTrue(HostName.parse("com").isPublicSuffix());
    assertTrue(HostName.parse("co.uk").isPublicSuffix());
    assertTrue(HostName.parse("github.io").isPublicSuffix());
    assertFalse(HostName.parse("example.com").isPublicSuffix());
    assertFalse(HostName.parse("preview.localhost").isPublicSuffix());
  }

  @Test
  void parse_tooLong_isRefused() {
    String label = "a".repeat(63);
    String name = String.join(".", label, label, label, label); // 255 characters
    assertThrows(IllegalArgumentException.class, () -> HostName.parse(name));
    assertThrows(IllegalArgumentException.class, () -> HostName.parse("b".repeat(64) + ".example"));
    assertEquals(253, HostName.parse(name.substring(2)).toString().length());
  }

  @Test
  void wildcard_parentAndUnder() {
    HostName wildcard = HostName.parse("*.preview.example.net");
    assertTrue(wildcard.isWildcard());
    assertEquals(HostName.parse("preview.example.net"), wildcard.parent());
    assertTrue(HostName.parse("a.preview.example.net").isUnder(HostName.parse("preview.example.net")));
    assertTrue(HostName.parse("preview.example.net").isUnder(HostName.parse("preview.example.net")));
    assertFalse(HostName.parse("xpreview.example.net").isUnder(HostName.parse("preview.example.net")));
    assertFalse(HostName.parse("example.net").isUnder(HostName.parse("preview.example.net")));
  }

  @ParameterizedTest
  @CsvSource({
    "Shop.Example.COM, shop.example.com",
    "Shop.Example.COM.:443, shop.example.com",
    "*.Example.COM, example.com",
    "LOCALHOST., localhost"
  })
  void lookupHash_isTheHashResolveMakesOfRequestTextInAnyCase(String text, String key) {
    HostName name = HostName.parse(text);
    assertEquals(key, name.lookupKey());
    // the name as a request carries it: without the port and the trailing dot, which resolve skips
    String requestName = text.replace("*.", "").replaceFirst(":\\d+$", "").replaceFirst("\\.$", "");
    assertEquals(Hashing.hostHash(requestName, 0, requestName.length()), name.lookupHash());
    assertEquals(Hashing.hostHash(key), name.lookupHash());
    assertEquals(name.lookupHash(), name.lookupHash(), "made once, then the same");
  }
}
