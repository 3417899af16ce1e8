package dev.switchover.http.internal;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URI;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

final class UpstreamBasesTest {
  @Test
  void next_takesTheBasesInTurn() {
    UpstreamBases bases =
        UpstreamBases.of(
            List.of(URI.create("http://127.0.0.1:1"), URI.create("http://127.0.0.1:2")),
            UpstreamBases.HTTP_AND_HTTPS);
    assertEquals(1, bases.next().port());
    assertEquals(2, bases.next().port());
    assertEquals(1, bases.next().port());
  }

  @Test
  void target_putsTheBasePathBeforeTheRawPathAndQuery() {
    UpstreamBase base = UpstreamBase.of(URI.create("https://green.internal/app/"), UpstreamBases.HTTP_AND_HTTPS);
    assertEquals("https://green.internal/app/a%20b?x=%2F", base.target("/a%20b", "x=%2F"));
    assertEquals("/app", base.pathPrefix());
  }

  @Test
  void of_refusesInvalidBases() {
    Set<String> http = Set.of("http");
    assertEquals(
        "upstream base URI https://a is not valid: the scheme must be http",
        assertThrows(IllegalArgumentException.class, () -> UpstreamBase.of(URI.create("https://a"), http))
            .getMessage());
    assertThrows(IllegalArgumentException.class, () -> UpstreamBase.of(URI.create("http:///x"), http));
    assertThrows(IllegalArgumentException.class, () -> UpstreamBase.of(URI.create("http://u@a"), http));
    assertThrows(IllegalArgumentException.class, () -> UpstreamBase.of(URI.create("http://a?q"), http));
    assertThrows(IllegalArgumentException.class, () -> UpstreamBase.of(URI.create("http://a#f"), http));
    assertThrows(IllegalArgumentException.class, () -> UpstreamBases.of(List.of(), http));
  }

  @Test
  void http2Schemes_goOnTheWireAsHttpAndHttps() {
    UpstreamBase h2c = UpstreamBase.of(URI.create("H2C://10.0.0.7:8080/app"), UpstreamBases.HTTP_1_AND_2);
    UpstreamBase h2 = UpstreamBase.of(URI.create("h2://green.internal"), UpstreamBases.HTTP_1_AND_2);
    UpstreamBase http = UpstreamBase.of(URI.create("http://10.0.0.7:8080"), UpstreamBases.HTTP_1_AND_2);
    UpstreamBase https = UpstreamBase.of(URI.create("https://green.internal"), UpstreamBases.HTTP_1_AND_2);
    assertAll(
        () -> assertEquals("h2c", h2c.scheme()),
        () -> assertEquals("http", h2c.httpScheme()),
        () -> assertTrue(h2c.isHttp2()),
        () -> assertFalse(h2c.isSecure()),
        () -> assertEquals("http://10.0.0.7:8080/app/x?y", h2c.target("/x", "y")),
        () -> assertEquals("https", h2.httpScheme()),
        () -> assertTrue(h2.isHttp2()),
        () -> assertTrue(h2.isSecure()),
        () -> assertEquals("https://green.internal/", h2.target("", null)),
        () -> assertFalse(http.isHttp2(), "http stays HTTP/1.1"),
        () -> assertFalse(https.isHttp2(), "https stays HTTP/1.1"),
        () -> assertTrue(https.isSecure()));
  }

  @Test
  void of_unknownScheme_namesTheSchemesItTakes() {
    assertEquals(
        "upstream base URI h2-prior://a:1 is not valid: the scheme must be h2 or h2c or http or https",
        assertThrows(
                IllegalArgumentException.class,
                () -> UpstreamBase.of(URI.create("h2-prior://a:1"), UpstreamBases.HTTP_1_AND_2))
            .getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> UpstreamBase.of(URI.create("h2c://a:1"), UpstreamBases.HTTP_AND_HTTPS),
        "an adapter that does not take HTTP/2 upstreams refuses h2c");
  }
}
