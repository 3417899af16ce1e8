package dev.switchover;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Edges of the request-side parsing in {@link RoutingTable#resolve}. */
final class ResolveTest {
  private static final RoutingTable TABLE =
      RoutingTable.builder()
          .workspace("blue")
          .workspace("green")
          .domain("shop.example.com", DomainStatus.VERIFIED)
          .domain("*.example.org", DomainStatus.VERIFIED)
          .domain("localhost", DomainStatus.VERIFIED)
          .route("shop.example.com", "/", "blue")
          .route("shop.example.com", "/api", "green")
          .route("shop.example.com", "/api/v2", "blue")
          .route("*.example.org", "/", "green")
          .route("localhost", "/static", "green")
          .build();

  @Test
  void resolve_caseDotAndPort_areIgnored() {
    assertEquals("green /api", answer("SHOP.Example.COM", "/api/x"));
    assertEquals("green /api", answer("shop.example.com.", "/api"));
    assertEquals("green /api", answer("Shop.Example.Com.:8080", "/api/"));
    assertEquals("blue /api/v2", answer("shop.example.com:1", "/api/v2"));
  }

  @Test
  void resolve_badPortOrAddress_isUnknownHost() {
    assertEquals("UNKNOWN_HOST", answer("shop.example.com:", "/"));
    assertEquals("UNKNOWN_HOST", answer("shop.example.com:123456", "/"));
    assertEquals("UNKNOWN_HOST", answer("shop.example.com:80a", "/"));
    assertEquals("UNKNOWN_HOST", answer("[::1]:8080", "/"));
    assertEquals("UNKNOWN_HOST", answer("", "/"));
    assertEquals("UNKNOWN_HOST", answer(".", "/"));
    assertEquals("UNKNOWN_HOST", answer(":8080", "/"));
    assertEquals("UNKNOWN_HOST", answer("shop.example.com..", "/"));
  }

  @Test
  void resolve_nonAsciiLookalikes_neverMatch() {
    // U+0130 and U+212A lower-case to 'i' and 'k' in Unicode, never in host names
    assertEquals("UNKNOWN_HOST", answer("shop.example.com".replace('o', '\u014f'), "/"));
    assertEquals("UNKNOWN_HOST", answer("loc\u0130lhost", "/static"));
    assertEquals("UNKNOWN_HOST", answer("a.example.or\u212a", "/"));
    // a character that equals an ASCII prefix character only in its low byte
    assertEquals("blue /", answer("shop.example.com", "/\u0161pi"));
  }

  @Test
  void resolve_wildcard_matchesOneValidLabelOnly() {
    assertEquals("green /", answer("A.Example.Org.:443", "/x"));
    assertEquals("UNKNOWN_HOST", answer("a.b.example.org", "/"));
    assertEquals("UNKNOWN_HOST", answer("example.org", "/"));
    assertEquals("UNKNOWN_HOST", answer("-a.example.org", "/"));
    assertEquals("UNKNOWN_HOST", answer("a_b.example.org", "/"));
    assertEquals("UNKNOWN_HOST", answer("*.example.org", "/"));
  }

  @Test
  void resolve_hostWithoutDotsOrTooLong_isHandled() {
    assertEquals("green /static", answer("LOCALHOST.:80", "/static/app.js"));
    assertEquals("NO_ROUTE", answer("localhost", "/"));
    String label = "a".repeat(63);
    String tooLong = label + "." + label + "." + label + "." + label + ".example.org";
    assertEquals("UNKNOWN_HOST", answer(tooLong, "/"));
    assertEquals("UNKNOWN_HOST", answer(tooLong + ".", "/"));
  }

  @Test
  void resolve_paths_matchOnSegmentBoundaries() {
    assertEquals("blue /", answer("shop.example.com", "/apix"));
    assertEquals("green /api", answer("shop.example.com", "/api/v2x"));
    assertEquals("blue /", answer("shop.example.com", ""));
    assertEquals("NO_ROUTE", answer("shop.example.com", "api"));
  }

  private static String answer(String host, String path) {
    Resolution r = TABLE.resolve(host, path);
    return r.isRouted() ? r.workspace() + " " + r.prefix() : r.outcome().toString();
  }
}
