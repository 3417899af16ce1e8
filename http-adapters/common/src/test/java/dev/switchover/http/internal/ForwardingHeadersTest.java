package dev.switchover.http.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

final class ForwardingHeadersTest {
  @Test
  void of_firstHop_namesTheClient() {
    ForwardingHeaders h =
        ForwardingHeaders.of("127.0.0.1", "shop.example.com:8080", "http", "HTTP/1.1", null, null, null);
    assertEquals("for=127.0.0.1;host=\"shop.example.com:8080\";proto=http", h.forwarded());
    assertEquals("1.1 switchover", h.via());
    assertEquals("127.0.0.1", h.forwardedFor());
    assertEquals("http", h.forwardedProto());
    assertEquals("shop.example.com:8080", h.forwardedHost());
  }

  @Test
  void of_laterHop_appendsToWhatTheClientSent() {
    ForwardingHeaders h =
        ForwardingHeaders.of(
            "::1", "shop.example.com", "HTTPS", "HTTP/2.0", "for=10.0.0.1", "1.0 edge", "10.0.0.1");
    assertEquals("for=10.0.0.1, for=\"[::1]\";host=shop.example.com;proto=https", h.forwarded());
    assertEquals("1.0 edge, 2.0 switchover", h.via());
    assertEquals("10.0.0.1, ::1", h.forwardedFor());
    assertEquals("https", h.forwardedProto());
  }

  @Test
  void of_withoutHostOrAddress_saysUnknownAndSetsNoHost() {
    ForwardingHeaders h = ForwardingHeaders.of(null, null, "http", "HTTP/1.0", " ", null, null);
    assertEquals("for=unknown;proto=http", h.forwarded());
    assertNull(h.forwardedHost());
  }

  @Test
  void of_hostNeedingQuotes_isQuotedAndEscaped() {
    ForwardingHeaders h = ForwardingHeaders.of("1.2.3.4", "a\"b", "http", "HTTP/1.1", null, null, null);
    assertEquals("for=1.2.3.4;host=\"a\\\"b\";proto=http", h.forwarded());
  }
}
