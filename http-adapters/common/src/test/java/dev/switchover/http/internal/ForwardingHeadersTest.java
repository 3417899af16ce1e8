package dev.switchover.http.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

final class ForwardingHeadersTest {
  @Test
  void of_firstHop_namesTheClient() {
    ForwardingHeaders h =
        ForwardingHeaders.of("127.0.0.1", "shop.example.com:8080", "http", "HTTP/1.1", 8080, List.of(), List.of(), List.of());
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
            "::1", "shop.example.com", "HTTPS", "HTTP/2.0", 443, List.of("for=10.0.0.1"), List.of("1.0 edge"), List.of("10.0.0.1"));
    assertEquals("for=10.0.0.1, for=\"[::1]\";host=shop.example.com;proto=https", h.forwarded());
    assertEquals("1.0 edge, 2.0 switchover", h.via());
    assertEquals("10.0.0.1,::1", h.forwardedFor());
    assertEquals("443", h.forwardedPort());
    assertEquals("10.0.0.1", h.previousForwardedFor());
    assertEquals("switchover", h.forwardedServer());
    assertEquals("https", h.forwardedProto());
  }

  @Test
  void of_withoutHostOrAddress_saysUnknownAndSetsNoHost() {
    ForwardingHeaders h = ForwardingHeaders.of(null, null, "http", "HTTP/1.0", 80, List.of(" "), List.of(), List.of());
    assertEquals("for=unknown;proto=http", h.forwarded());
    assertNull(h.forwardedHost());
  }

  @Test
  void of_severalFields_areJoinedInOrder() {
    ForwardingHeaders h =
        ForwardingHeaders.of(
            "1.2.3.4", "a", "http", "HTTP/1.1", 80, List.of("for=a", "for=b"), List.of(), List.of("x", "y"));
    assertEquals("for=a, for=b, for=1.2.3.4;host=a;proto=http", h.forwarded());
    assertEquals("x,y,1.2.3.4", h.forwardedFor());
  }

  @Test
  void of_bracketedIpv6Address_isQuotedOnce() {
    ForwardingHeaders h =
        ForwardingHeaders.of("[0:0:0:0:0:0:0:1]", "a", "http", "HTTP/1.1", 80, List.of(), List.of(), List.of());
    assertEquals("for=\"[0:0:0:0:0:0:0:1]\";host=a;proto=http", h.forwarded());
    assertEquals("0:0:0:0:0:0:0:1", h.forwardedFor());
  }

  @Test
  void of_malformedClientForwarded_isDropped() {
    ForwardingHeaders h =
        ForwardingHeaders.of("1.2.3.4", "a", "http", "HTTP/1.1", 80, List.of("for=\"x"), List.of(), List.of());
    assertEquals("for=1.2.3.4;host=a;proto=http", h.forwarded());
    assertTrue(ForwardingHeaders.isForwardedList("for=\"[::1]:80\";proto=https, for=unknown;by=_a"));
    assertFalse(ForwardingHeaders.isForwardedList("for"));
    assertFalse(ForwardingHeaders.isForwardedList("for=a b"));
    assertFalse(ForwardingHeaders.isForwardedList("for=\"a\\\""));
  }

  @Test
  void of_hostNeedingQuotes_isQuotedAndEscaped() {
    ForwardingHeaders h = ForwardingHeaders.of("1.2.3.4", "a\"b", "http", "HTTP/1.1", 80, List.of(), List.of(), List.of());
    assertEquals("for=1.2.3.4;host=\"a\\\"b\";proto=http", h.forwarded());
  }

  @Test
  void hopByHopFields_areTheConnectionsOwnAndWhatConnectionNames() {
    assertEquals(
        List.of("keep-alive", "proxy-connection", "x-hop", "x-other"),
        List.copyOf(ForwardingHeaders.hopByHopFields(List.of("close, X-Hop", " x-other ,,Keep-Alive"))));
  }

  @Test
  void hopByHopFields_neverIncludeFramingRoutingOrUpgrade() {
    assertEquals(
        List.of("keep-alive", "proxy-connection"),
        List.copyOf(
            ForwardingHeaders.hopByHopFields(
                List.of("Host, Content-Length", "TRANSFER-ENCODING, upgrade, connection, close"))));
  }

  @Test
  void notForwardedFromARefusedUpgrade_dropsThisHopsAndFramingFields_keepsTheRest() {
    var names = ForwardingHeaders.notForwardedFromARefusedUpgrade(List.of("close, X-Hop", " Keep-Alive"));
    assertTrue(names.containsAll(List.of("connection", "keep-alive", "upgrade", "content-length", "transfer-encoding", "x-hop")), names::toString);
    assertFalse(names.contains("www-authenticate"), names::toString);
    assertFalse(names.contains("set-cookie"), names::toString);
    assertFalse(names.contains(""), names::toString);
  }
}
