package dev.switchover.http.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

final class RequestTargetsTest {
  @ParameterizedTest
  @CsvSource({
    "/, /",
    "/admin, /admin",
    "/admin/, /admin/",
    "/a/b/c, /a/b/c",
    "/public/../admin/x, /admin/x",
    "/admin/../public, /public",
    "/admin/./x, /admin/x",
    "/admin/., /admin/",
    "/admin/.., /",
    "/a/b/../.., /",
    "/admin;x=1/secret, /admin/secret",
    "/admin;x=1, /admin",
    "/public;x=1/../admin, /admin",
    "/%61dmin/x, /admin/x",
    "/c%20d, /c d",
    "/caf%C3%A9, /café",
    "/a%2eb, /a.b",
    "/.well-known/x, /.well-known/x",
    "/...., /....",
    "/a;%61=b/c, /a/c",
    "/a/;x, /a/",
    "/a/b@c:d, /a/b@c:d",
    "/a/b/.., /a/",
    "/..x/.y, /..x/.y",
  })
  void canonicalPath_ofAcceptedPath_isDecodedAndResolved(String raw, String canonical) {
    assertEquals(canonical, RequestTargets.canonicalPath(raw));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "admin",
        "*",
        "//admin",
        "/public//admin",
        "/../admin",
        "/a/../../admin",
        "/admin%2Fsecret",
        "/admin%2fsecret",
        "/public%2F..%2Fadmin",
        "/admin%5Cx",
        "/admin%5cx",
        "/public\\..\\admin",
        "/admin\\x",
        "/%00/admin",
        "/admin%00x",
        "/admin%0ax",
        "/admin%7F",
        "/admin%252fx",
        "/admin%25",
        "/public/%2e%2e/admin",
        "/public/%2E%2E/admin",
        "/public/.%2e/admin",
        "/admin/%2e/x",
        "/public/..;/admin",
        "/public/.;x/admin",
        "/admin%",
        "/admin%2",
        "/admin%zz",
        "/admin%ff",
        "/%C0%AE%C0%AE/admin",
        "/%C0%AF",
        "/admin x",
        "/admin\tx",
        "/café",
        "/admin#x",
        "/admin;a\\b",
        "/;x/admin",
        "/a/;/b",
        "/public;%2F..%2Fadmin",
        "/admin;%00/x",
        "/admin;%25",
        "/a%3Bb",
        "/a%3bb",
        "/a{b}",
        "/a|b",
        "/a\"b",
        "/a<b>",
        "/a^b",
        "/a`b",
      })
  void canonicalPath_ofRefusedPath_isNull(String raw) {
    assertNull(RequestTargets.canonicalPath(raw));
    assertEquals(400, RequestTargets.refusal(raw));
  }

  @Test
  void canonicalPath_ofOverlongTarget_isRefusedWith414() {
    String raw = "/" + "a".repeat(RequestTargets.MAX_TARGET_LENGTH);
    assertNull(RequestTargets.canonicalPath(raw));
    assertEquals(414, RequestTargets.refusal(raw));
    String longest = "/" + "a".repeat(RequestTargets.MAX_TARGET_LENGTH - 1);
    assertEquals(longest, RequestTargets.canonicalPath(longest));
  }

  @ParameterizedTest
  @CsvSource({
    "/admin, /admin",
    "/public/..%2fadmin, /public/../admin",
    "/api%2Fv2%2fx, /api/v2/x",
    "/admin%5Cx%5cy, /admin/x/y",
    "/a%252fb, /a%252fb",
    "/a%2, /a%2",
    "/a%20b%2F, /a%20b/",
  })
  void separatorsDecoded_makesEncodedSlashesAndBackslashesSeparators(String raw, String decoded) {
    assertEquals(decoded, RequestTargets.separatorsDecoded(raw));
  }

  @Test
  void separatorsDecoded_thenCanonical_routesOnTheDecodedForm() {
    assertEquals("/admin", RequestTargets.canonicalPath(RequestTargets.separatorsDecoded("/public/..%2fadmin")));
    assertNull(RequestTargets.canonicalPath(RequestTargets.separatorsDecoded("/a%2F%2Fb")));
    assertNull(RequestTargets.canonicalPath(RequestTargets.separatorsDecoded("/%00%2Fadmin")));
  }

  @Test
  void hostRefusal_acceptsOneHostAndAMatchingAbsoluteTarget() {
    assertEquals(0, RequestTargets.hostRefusal(List.of("shop.example.com"), null, false));
    assertEquals(0, RequestTargets.hostRefusal(List.of("shop.example.com:8080"), null, false));
    assertEquals(0, RequestTargets.hostRefusal(List.of("[::1]:8080"), null, false));
    assertEquals(0, RequestTargets.hostRefusal(List.of("127.0.0.1"), null, false));
    assertEquals(0, RequestTargets.hostRefusal(List.of("shop.example.com."), null, false));
    assertEquals(0, RequestTargets.hostRefusal(List.of(), null, false));
    assertEquals(0, RequestTargets.hostRefusal(List.of("shop.example.com"), "http://shop.example.com/x", false));
    assertEquals(0, RequestTargets.hostRefusal(List.of("shop.example.com:80"), "http://shop.example.com/x", false));
    assertEquals(0, RequestTargets.hostRefusal(List.of("SHOP.example.com"), "http://SHOP.example.com:80/x", false));
    assertEquals(0, RequestTargets.hostRefusal(List.of("shop.example.com"), "https://shop.example.com:443/", true));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "shop.example.com,evil.com",
        "shop.example.com evil.com",
        "user@shop.example.com",
        "shop.example.com:http",
        "shop.example.com:",
        "shop.example.com:0",
        "shop.example.com:65536",
        "shop.example.com:123456",
        "shop%2eexample.com",
        "*.apps.example.com",
        "[::1",
        "[]",
        "[::1]x",
        ":80",
        "shop.example.com\t",
      })
  void hostRefusal_refusesWhatIsNotANameOrAddressWithAPort(String host) {
    assertEquals(400, RequestTargets.hostRefusal(List.of(host), null, false));
  }

  @Test
  void hostRefusal_withoutHost_checksTheUrlsAuthority_asHttp2NamesItInAuthority() {
    assertEquals(0, RequestTargets.hostRefusal(List.of(), null, false));
    assertEquals(0, RequestTargets.hostRefusal(List.of(), "http://shop.example.com:8080/x", false));
    assertEquals(0, RequestTargets.hostRefusal(List.of(), "https://[::1]:8443/x", true));
    assertEquals(400, RequestTargets.hostRefusal(List.of(), "http://shop%2eexample.com/x", false));
    assertEquals(400, RequestTargets.hostRefusal(List.of(), "http://a.example.com,b.example.com/x", false));
    assertEquals(400, RequestTargets.hostRefusal(List.of(), "http://user@shop.example.com/x", false));
    assertEquals(400, RequestTargets.hostRefusal(List.of(), "http:///x", false));
  }

  @Test
  void hostRefusal_refusesRepeatedHostsAndMismatchedAbsoluteTargets() {
    assertEquals(400, RequestTargets.hostRefusal(List.of("a.example.com", "a.example.com"), null, false));
    assertEquals(400, RequestTargets.hostRefusal(List.of("shop.example.com"), "http://other.example.com/", false));
    assertEquals(400, RequestTargets.hostRefusal(List.of("shop.example.com"), "http://shop.example.com:8080/", false));
    assertEquals(400, RequestTargets.hostRefusal(List.of("shop.example.com"), "ws://shop.example.com/", false));
    assertEquals(400, RequestTargets.hostRefusal(List.of("shop.example.com"), "http://SHOP.example.com/", false));
    assertEquals(400, RequestTargets.hostRefusal(List.of("shop.example.com"), "ftp://shop.example.com/", false));
  }

  @Test
  void below_stripsAContextOrMountOnASharedSpelling() {
    assertEquals("/x", RequestTargets.below("/x", null));
    assertEquals("/x", RequestTargets.below("/x", ""));
    assertEquals("/x", RequestTargets.below("/x", "/"));
    assertEquals("/x", RequestTargets.below("/app/x", "/app"));
    assertEquals("/", RequestTargets.below("/app", "/app"));
    assertNull(RequestTargets.below("/%61pp/x", "/app"));
  }

  @Test
  void framingRefusal_acceptsOneLengthOrChunkedAlone() {
    assertEquals(0, RequestTargets.framingRefusal(List.of(), List.of(), "HTTP/1.1"));
    assertEquals(0, RequestTargets.framingRefusal(List.of("5"), List.of(), "HTTP/1.1"));
    assertEquals(0, RequestTargets.framingRefusal(List.of(" 0 "), List.of(), "HTTP/1.1"));
    assertEquals(0, RequestTargets.framingRefusal(List.of(), List.of("chunked"), "HTTP/1.1"));
    assertEquals(0, RequestTargets.framingRefusal(List.of(), List.of("Chunked"), "HTTP/1.1"));
  }

  @Test
  void framingRefusal_refusesAmbiguousFraming() {
    // Only ASCII letters fold: the Kelvin sign is not a k, and only spaces and tabs are white space.
    assertEquals(400, RequestTargets.framingRefusal(List.of(), List.of("chun\u212Aed"), "HTTP/1.1"));
    assertEquals(400, RequestTargets.framingRefusal(List.of(), List.of("chunked\u000b"), "HTTP/1.1"));
    assertEquals(400, RequestTargets.framingRefusal(List.of(), List.of("\u0000chunked"), "HTTP/1.1"));
    assertEquals(400, RequestTargets.framingRefusal(List.of("5\u000c"), List.of(), "HTTP/1.1"));
    assertEquals(0, RequestTargets.framingRefusal(List.of("\t5 "), List.of(), "HTTP/1.1"));
    assertEquals(0, RequestTargets.framingRefusal(List.of(), List.of(" CHUNKED\t"), "HTTP/1.1"));
    assertEquals(400, RequestTargets.framingRefusal(List.of("5"), List.of("chunked"), "HTTP/1.1"));
    assertEquals(400, RequestTargets.framingRefusal(List.of(), List.of("xchunked"), "HTTP/1.1"));
    assertEquals(400, RequestTargets.framingRefusal(List.of(), List.of("chunked, identity"), "HTTP/1.1"));
    assertEquals(400, RequestTargets.framingRefusal(List.of(), List.of("gzip, chunked"), "HTTP/1.1"));
    assertEquals(400, RequestTargets.framingRefusal(List.of(), List.of("chunked", "chunked"), "HTTP/1.1"));
    assertEquals(400, RequestTargets.framingRefusal(List.of("5", "5"), List.of(), "HTTP/1.1"));
    assertEquals(400, RequestTargets.framingRefusal(List.of("5, 5"), List.of(), "HTTP/1.1"));
    assertEquals(400, RequestTargets.framingRefusal(List.of("+5"), List.of(), "HTTP/1.1"));
    assertEquals(400, RequestTargets.framingRefusal(List.of("-1"), List.of(), "HTTP/1.1"));
    assertEquals(400, RequestTargets.framingRefusal(List.of(""), List.of(), "HTTP/1.1"));
    assertEquals(400, RequestTargets.framingRefusal(List.of("18446744073709551621"), List.of(), "HTTP/1.1"));
    assertEquals(400, RequestTargets.framingRefusal(List.of(), List.of("chunked"), "HTTP/1.0"));
    assertEquals(0, RequestTargets.framingRefusal(List.of("5"), List.of(), "HTTP/1.0"));
  }

  @Test
  void headerValueRefusal_refusesNulCrAndLf() {
    assertEquals(0, RequestTargets.headerValueRefusal(List.of("a", "b c\t")));
    assertEquals(400, RequestTargets.headerValueRefusal(List.of("a\u0000b")));
    assertEquals(400, RequestTargets.headerValueRefusal(List.of("a\rb")));
    assertEquals(400, RequestTargets.headerValueRefusal(List.of("ok", "a\nb")));
  }

  @Test
  void queryRefusal_refusesWhatAQueryMayNotHold() {
    assertEquals(0, RequestTargets.queryRefusal(null, 10));
    assertEquals(0, RequestTargets.queryRefusal("a=b&c=%2F/?x:@!$'()*+,;", 10));
    assertEquals(400, RequestTargets.queryRefusal("q={\"a\":1}", 10));
    assertEquals(400, RequestTargets.queryRefusal("a|b", 10));
    assertEquals(400, RequestTargets.queryRefusal("a b", 10));
    assertEquals(400, RequestTargets.queryRefusal("a%2", 10));
    assertEquals(400, RequestTargets.queryRefusal("a%zz", 10));
    assertEquals(400, RequestTargets.queryRefusal("a#b", 10));
    assertEquals(414, RequestTargets.queryRefusal("a".repeat(RequestTargets.MAX_TARGET_LENGTH), 2));
  }

  @ParameterizedTest
  @CsvSource({
    "http://shop.example.com/x, shop.example.com",
    "HTTP://Shop.Example.com:8080, Shop.Example.com:8080",
    "https://[::1]:8443/x?y, [::1]:8443",
    "http://shop.example.com?q, shop.example.com",
    "ws://other.example.com/x, other.example.com",
  })
  void absoluteAuthority_ofAbsoluteForm_isItsAuthority(String target, String authority) {
    assertEquals(authority, RequestTargets.absoluteAuthority(target));
  }

  @ParameterizedTest
  @ValueSource(strings = {"/x", "/http://a/b", "*", "1http://a/b", "://a"})
  void absoluteAuthority_ofOtherForms_isNull(String target) {
    assertNull(RequestTargets.absoluteAuthority(target));
  }
}
