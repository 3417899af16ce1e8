package dev.switchover.testkit;

import java.util.List;
import java.util.Set;

/**
 * One request no well-behaved client sends, as raw bytes, with the outcomes the contract allows:
 * the name of the workspace that may serve it (when the canonical reading of the request routes
 * there) or the status codes with which a server may refuse it. Anything else — another
 * workspace, a 5xx, a dropped connection — fails.
 *
 * <p>The cases run against the suite's routing table: {@code shop.example.com} sends {@code /} to
 * {@code blue} and {@code /admin} to {@code green}; {@code other.example.com} sends everything to
 * {@code green}; {@code *.apps.example.com} to {@code green}.
 *
 * @param name what is hostile about it
 * @param request the request text; {@code {port}} stands for the server's port
 * @param target the origin-form target the workspace must receive if the request is served
 * @param allowed the outcomes allowed: workspace names, or status codes as text
 */
record HostileRequest(String name, String request, String target, Set<String> allowed) {
  static final String BLUE = "blue";
  static final String GREEN = "green";
  static final String BAD_REQUEST = "400";
  static final String MISDIRECTED = "421";

  HostileRequest {
    allowed = Set.copyOf(allowed);
  }

  /** The request with the port filled in. */
  String request(int port) {
    return request.replace("{port}", Integer.toString(port));
  }

  private static HostileRequest host(String name, String hostHeader, String... allowed) {
    return new HostileRequest(
        name, "GET /x HTTP/1.1\r\nHost: " + hostHeader + "\r\n\r\n", "/x", Set.of(allowed));
  }

  private static HostileRequest raw(String name, String request, String target, String... allowed) {
    return new HostileRequest(name, request, target, Set.of(allowed));
  }

  private static HostileRequest path(String name, String target, String... allowed) {
    return new HostileRequest(
        name,
        "GET " + target + " HTTP/1.1\r\nHost: shop.example.com\r\n\r\n",
        target,
        Set.of(allowed));
  }

  /** Requests whose authority is unusual or ambiguous. */
  static List<HostileRequest> hosts() {
    return List.of(
        host("the connection's port", "shop.example.com:{port}", BLUE),
        host("another port", "shop.example.com:8080", BLUE),
        host("upper case", "SHOP.Example.COM", BLUE),
        host("a trailing dot", "shop.example.com.", BLUE, BAD_REQUEST),
        host("mixed case, trailing dot and port", "Shop.EXAMPLE.com.:8080", BLUE, BAD_REQUEST),
        host("an IPv6 literal", "[::1]", MISDIRECTED, BAD_REQUEST),
        host("an IPv6 literal with a port", "[::1]:{port}", MISDIRECTED, BAD_REQUEST),
        host("an IPv4 address", "127.0.0.1", MISDIRECTED, BAD_REQUEST),
        host("an IPv4 address with a port", "127.0.0.1:{port}", MISDIRECTED, BAD_REQUEST),
        host("an empty Host", "", MISDIRECTED, BAD_REQUEST),
        host("user info", "user@shop.example.com", MISDIRECTED, BAD_REQUEST),
        host("a port that is not a number", "shop.example.com:http", MISDIRECTED, BAD_REQUEST),
        host("a name under the domain", "evil.shop.example.com", MISDIRECTED),
        host("the domain as a prefix", "shop.example.com.evil.net", MISDIRECTED),
        host("a literal wildcard", "*.apps.example.com", MISDIRECTED, BAD_REQUEST),
        host("two labels under a wildcard", "a.b.apps.example.com", MISDIRECTED),
        host("a percent-encoded dot", "shop%2eexample.com", MISDIRECTED, BAD_REQUEST),
        host("two names with a comma", "shop.example.com,other.example.com", MISDIRECTED, BAD_REQUEST),
        host("a known name and an unknown one with a comma", "shop.example.com,evil.com", MISDIRECTED, BAD_REQUEST),
        host("a name and a space", "shop.example.com other.example.com", MISDIRECTED, BAD_REQUEST),
        host("an encoded NUL in the host", "shop.example.com%00.evil.net", MISDIRECTED, BAD_REQUEST),
        raw("no Host in HTTP/1.1", "GET /x HTTP/1.1\r\n\r\n", "/x", MISDIRECTED, BAD_REQUEST),
        raw("no Host in HTTP/1.0", "GET /x HTTP/1.0\r\n\r\n", "/x", MISDIRECTED, BAD_REQUEST),
        raw(
            "two identical Hosts",
            "GET /x HTTP/1.1\r\nHost: shop.example.com\r\nHost: shop.example.com\r\n\r\n",
            "/x",
            BLUE,
            BAD_REQUEST),
        raw(
            "two different Hosts",
            "GET /x HTTP/1.1\r\nHost: shop.example.com\r\nHost: other.example.com\r\n\r\n",
            "/x",
            MISDIRECTED,
            BAD_REQUEST),
        raw(
            "an absolute-form target naming another routed host",
            "GET http://other.example.com/x HTTP/1.1\r\nHost: shop.example.com\r\n\r\n",
            "/x",
            GREEN,
            BAD_REQUEST),
        raw(
            "an absolute-form target naming an unknown host",
            "GET http://evil.example.net/x HTTP/1.1\r\nHost: shop.example.com\r\n\r\n",
            "/x",
            MISDIRECTED,
            BAD_REQUEST),
        raw(
            "an absolute-form target naming its own host",
            "GET http://shop.example.com/x?q=1 HTTP/1.1\r\nHost: shop.example.com\r\n\r\n",
            "/x?q=1",
            BLUE));
  }

  /**
   * Requests whose path has dot segments, encodings, parameters or empty segments. Where readings
   * of a path legitimately differ (is {@code %2F} a separator? is {@code //} one?), each reading's
   * workspace is allowed, and the suite also checks that the workspace sees the canonical path the
   * router resolved on.
   */
  static List<HostileRequest> paths() {
    return List.of(
        path("a dot-dot segment into /admin", "/public/../admin/x", GREEN, BAD_REQUEST),
        path("a dot-dot segment out of /admin", "/admin/../public", BLUE, BAD_REQUEST),
        path("an encoded dot-dot segment into /admin", "/public/%2e%2e/admin/x", GREEN, BAD_REQUEST),
        path("an upper-case encoded dot-dot", "/public/%2E%2E/admin", GREEN, BAD_REQUEST),
        path("an encoded dot-dot out of /admin", "/admin/%2e%2e/public", BLUE, BAD_REQUEST),
        path("a dot-dot above the root", "/../admin", GREEN, BAD_REQUEST),
        path("a dot segment in /admin", "/admin/./x", GREEN, BAD_REQUEST),
        path("a dot segment outside /admin", "/public/./admin", BLUE, BAD_REQUEST),
        path("a parameter on /admin's segment", "/admin;x=1/secret", GREEN, BAD_REQUEST),
        path("a parameter ending the path", "/admin;x=1", GREEN, BAD_REQUEST),
        path("a parameter before a dot-dot", "/public;x=1/../admin", GREEN, BAD_REQUEST),
        path("a parameter on a dot-dot", "/public/..;/admin", GREEN, BAD_REQUEST),
        path("a leading empty segment", "//admin", GREEN, BLUE, BAD_REQUEST),
        path("an inner empty segment", "/public//admin", BLUE, BAD_REQUEST),
        path("an encoded slash", "/admin%2Fsecret", GREEN, BLUE, BAD_REQUEST),
        path("encoded slashes around a dot-dot", "/public%2F..%2Fadmin", GREEN, BLUE, BAD_REQUEST),
        path("an encoded dot-dot-slash", "/public/%2e%2e%2fadmin", GREEN, BLUE, BAD_REQUEST),
        path("a double-encoded dot-dot", "/admin/%252e%252e/public", GREEN, BAD_REQUEST),
        path("an encoded letter", "/%61dmin/x", GREEN, BAD_REQUEST),
        path("backslashes", "/public\\..\\admin", BLUE, BAD_REQUEST),
        path("another case", "/ADMIN", BLUE),
        path("a longer segment", "/adminx", BLUE),
        path("a dot-dot in the query", "/admin?next=/../public", GREEN),
        path("a prefix in the query", "/public?x=/admin", BLUE),
        path("an encoded slash then dot-dot", "/public/..%2fadmin", GREEN, BLUE, BAD_REQUEST),
        path("an upper-case encoded slash in a prefix", "/api%2Fx", GREEN, BLUE, BAD_REQUEST),
        path("encoded slashes out of /admin", "/admin%2f..%2fpublic", GREEN, BLUE, BAD_REQUEST),
        path("lower-case encoded slashes into /admin", "/public%2f..%2fadmin", GREEN, BLUE, BAD_REQUEST),
        path("an encoded NUL", "/%00/admin", GREEN, BLUE, BAD_REQUEST),
        path("an encoded NUL in a segment", "/admin%00x", GREEN, BLUE, BAD_REQUEST),
        path("an encoded backslash", "/public%5c..%5cadmin", GREEN, BLUE, BAD_REQUEST),
        path("an upper-case encoded backslash", "/admin%5Cx", GREEN, BLUE, BAD_REQUEST),
        path("a raw backslash", "/admin\\x", GREEN, BLUE, BAD_REQUEST),
        path("a double-encoded slash", "/public%252f..%252fadmin", GREEN, BLUE, BAD_REQUEST),
        path("a double-encoded backslash", "/admin%255cx", GREEN, BLUE, BAD_REQUEST),
        path("an encoded dot-dot next to an encoded slash", "/public/%2e%2e%2Fadmin", GREEN, BLUE, BAD_REQUEST),
        path("a mixed-case encoded dot-dot", "/public/%2E.%2fadmin", GREEN, BLUE, BAD_REQUEST),
        path("an overlong path", "/admin/" + "a".repeat(9000), GREEN, BLUE, BAD_REQUEST, "414", "431"),
        raw(
            "an absolute-form target in upper case",
            "GET http://SHOP.EXAMPLE.COM/admin HTTP/1.1\r\nHost: shop.example.com\r\n\r\n",
            "/admin",
            GREEN,
            BAD_REQUEST),
        raw(
            "an absolute-form target with a port",
            "GET http://shop.example.com:{port}/admin HTTP/1.1\r\nHost: shop.example.com\r\n\r\n",
            "/admin",
            GREEN,
            BAD_REQUEST),
        raw(
            "an absolute-form target with an encoded slash",
            "GET http://shop.example.com/public%2f..%2fadmin HTTP/1.1\r\nHost: shop.example.com\r\n\r\n",
            "/public%2f..%2fadmin",
            GREEN,
            BLUE,
            BAD_REQUEST));
  }
}
