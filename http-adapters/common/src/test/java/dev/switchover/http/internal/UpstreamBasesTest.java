package dev.switchover.http.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
}
