package dev.switchover.testkit;

import java.util.List;

/**
 * One request no well-behaved client sends, as raw bytes, with the one outcome every adapter, in
 * every container and with every kind of target, must give it: the name of the workspace that
 * serves it (when the canonical reading of the request routes there), or the status with which
 * it is refused. The policy behind the answers is the adapters' shared one: see {@code
 * RequestTargets} in the adapters' common module.
 *
 * <p>The cases run against the suite's routing table: {@code shop.example.com} sends {@code /} to
 * {@code blue} and {@code /admin} (and {@code /api}) to {@code green}; {@code other.example.com}
 * sends everything to {@code green}; {@code *.apps.example.com} to {@code green}.
 *
 * @param name what is hostile about it
 * @param request the request text; {@code {port}} stands for the server's port
 * @param target the origin-form target the workspace must receive if the request is served
 * @param expected the outcome: a workspace name, or a status code as text
 */
record HostileRequest(String name, String request, String target, String expected) {
  static final String BLUE = "blue";
  static final String GREEN = "green";
  static final String BAD_REQUEST = "400";
  static final String MISDIRECTED = "421";
  static final String URI_TOO_LONG = "414";

  /** The request with the port filled in. */
  String request(int port) {
    return request.replace("{port}", Integer.toString(port));
  }

  private static HostileRequest host(String name, String hostHeader, String expected) {
    return new HostileRequest(name, "GET /x HTTP/1.1\r\nHost: " + hostHeader + "\r\n\r\n", "/x", expected);
  }

  private static HostileRequest raw(String name, String request, String target, String expected) {
    return new HostileRequest(name, request, target, expected);
  }

  private static HostileRequest path(String name, String target, String expected) {
    return new HostileRequest(
        name, "GET " + target + " HTTP/1.1\r\nHost: shop.example.com\r\n\r\n", target, expected);
  }

  /**
   * Requests whose body is framed ambiguously: a proxy that reads the framing one way in front of
   * a server that reads it another is how requests are smuggled. Each is refused, and the
   * connection closed (the suite sends each on its own connection).
   */
  static List<HostileRequest> framings() {
    return List.of(
        framed("Content-Length and Transfer-Encoding together", "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", "5\r\nhello\r\n0\r\n\r\n"),
        framed("Transfer-Encoding that is not chunked", "Transfer-Encoding: xchunked\r\n", "5\r\nhello\r\n0\r\n\r\n"),
        framed("chunked then identity", "Transfer-Encoding: chunked, identity\r\n", "5\r\nhello\r\n0\r\n\r\n"),
        framed("identity then chunked", "Transfer-Encoding: identity, chunked\r\n", "5\r\nhello\r\n0\r\n\r\n"),
        framed("chunked twice in one field", "Transfer-Encoding: chunked, chunked\r\n", "5\r\nhello\r\n0\r\n\r\n"),
        framed("two Transfer-Encoding fields", "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", "5\r\nhello\r\n0\r\n\r\n"),
        framed("an overflowing Content-Length", "Content-Length: 18446744073709551621\r\n", "hello"),
        framed("a signed Content-Length", "Content-Length: +5\r\n", "hello"),
        framed("a list as Content-Length", "Content-Length: 5, 5\r\n", "hello"),
        framed("two different Content-Lengths", "Content-Length: 5\r\nContent-Length: 6\r\n", "hello!"),
        framed("a NUL in a header value", "Content-Length: 5\r\nX-Note: a\u0000b\r\n", "hello"),
        new HostileRequest(
            "HTTP/1.0 with Transfer-Encoding",
            "POST /x HTTP/1.0\r\nHost: shop.example.com\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
            "/x",
            BAD_REQUEST));
  }

  private static HostileRequest framed(String name, String framing, String body) {
    return new HostileRequest(
        name,
        "POST /x HTTP/1.1\r\nHost: shop.example.com\r\n" + framing + "Connection: close\r\n\r\n" + body,
        "/x",
        BAD_REQUEST);
  }

  /**
   * The {@link #hosts()} cases that name their authority in a {@code Host} field alone, as the
   * {@code :authority} an HTTP/2 request would carry instead (with {@code {port}} in it).
   */
  static List<HostileRequest> authorities() {
    String prefix = "GET /x HTTP/1.1\r\nHost: ";
    return hosts().stream()
        .filter(c -> c.request().startsWith(prefix) && c.request().indexOf("\r\n", prefix.length()) == c.request().length() - 4)
        .map(c -> new HostileRequest(c.name(), c.request().substring(prefix.length(), c.request().length() - 4), c.target(), c.expected()))
        .toList();
  }

  /** Requests whose authority is unusual or ambiguous. */
  static List<HostileRequest> hosts() {
    return List.of(
        host("the connection's port", "shop.example.com:{port}", BLUE),
        host("another port", "shop.example.com:8080", BLUE),
        host("the scheme's default port", "shop.example.com:80", BLUE),
        host("port zero", "shop.example.com:0", BAD_REQUEST),
        host("a port above 65535", "shop.example.com:65536", BAD_REQUEST),
        host("an empty port", "shop.example.com:", BAD_REQUEST),
        host("upper case", "SHOP.Example.COM", BLUE),
        host("a trailing dot", "shop.example.com.", BLUE),
        host("mixed case, trailing dot and port", "Shop.EXAMPLE.com.:8080", BLUE),
        host("an IPv6 literal", "[::1]", MISDIRECTED),
        host("an IPv6 literal with a port", "[::1]:{port}", MISDIRECTED),
        host("an IPv4 address", "127.0.0.1", MISDIRECTED),
        host("an IPv4 address with a port", "127.0.0.1:{port}", MISDIRECTED),
        host("an empty Host", "", BAD_REQUEST),
        host("user info", "user@shop.example.com", BAD_REQUEST),
        host("a port that is not a number", "shop.example.com:http", BAD_REQUEST),
        host("a name under the domain", "evil.shop.example.com", MISDIRECTED),
        host("the domain as a prefix", "shop.example.com.evil.net", MISDIRECTED),
        host("a literal wildcard", "*.apps.example.com", BAD_REQUEST),
        host("two labels under a wildcard", "a.b.apps.example.com", MISDIRECTED),
        host("a percent-encoded dot", "shop%2eexample.com", BAD_REQUEST),
        host("two names with a comma", "shop.example.com,other.example.com", BAD_REQUEST),
        host("a known name and an unknown one with a comma", "shop.example.com,evil.com", BAD_REQUEST),
        host("a name and a space", "shop.example.com other.example.com", BAD_REQUEST),
        host("an encoded NUL in the host", "shop.example.com%00.evil.net", BAD_REQUEST),
        raw(
            "an absolute-form target naming https over plain HTTP",
            "GET https://shop.example.com/x HTTP/1.1\r\nHost: shop.example.com\r\n\r\n",
            "/x",
            BLUE),
        raw(
            "an absolute-form target of another scheme naming another host",
            "GET ws://other.example.com/x HTTP/1.1\r\nHost: shop.example.com\r\n\r\n",
            "/x",
            BAD_REQUEST),
        raw(
            "an absolute-form target with the default port",
            "GET http://shop.example.com:80/x HTTP/1.1\r\nHost: shop.example.com\r\n\r\n",
            "/x",
            BLUE),
        raw("no Host in HTTP/1.1", "GET /x HTTP/1.1\r\n\r\n", "/x", BAD_REQUEST),
        raw("no Host in HTTP/1.0", "GET /x HTTP/1.0\r\n\r\n", "/x", MISDIRECTED),
        raw(
            "two identical Hosts",
            "GET /x HTTP/1.1\r\nHost: shop.example.com\r\nHost: shop.example.com\r\n\r\n",
            "/x", BAD_REQUEST),
        raw(
            "two different Hosts",
            "GET /x HTTP/1.1\r\nHost: shop.example.com\r\nHost: other.example.com\r\n\r\n",
            "/x", BAD_REQUEST),
        raw(
            "an absolute-form target naming another routed host",
            "GET http://other.example.com/x HTTP/1.1\r\nHost: shop.example.com\r\n\r\n",
            "/x", BAD_REQUEST),
        raw(
            "an absolute-form target naming an unknown host",
            "GET http://evil.example.net/x HTTP/1.1\r\nHost: shop.example.com\r\n\r\n",
            "/x", BAD_REQUEST),
        raw(
            "an absolute-form target naming its own host",
            "GET http://shop.example.com/x?q=1 HTTP/1.1\r\nHost: shop.example.com\r\n\r\n",
            "/x?q=1", BLUE));
  }

  /**
   * Requests whose path has dot segments, encodings, parameters or empty segments. Where readings
   * of a path could differ between the router and a workspace (is {@code %2F} a separator? is
   * {@code //} one? is {@code %2e%2e} a dot segment?), the request is refused; a served request
   * must also show the workspace the canonical path the router resolved on.
   */
  static List<HostileRequest> paths() {
    return List.of(
        path("a dot-dot segment into /admin", "/public/../admin/x", GREEN),
        path("a dot-dot segment out of /admin", "/admin/../public", BLUE),
        path("an encoded dot-dot segment into /admin", "/public/%2e%2e/admin/x", BAD_REQUEST),
        path("an upper-case encoded dot-dot", "/public/%2E%2E/admin", BAD_REQUEST),
        path("an encoded dot-dot out of /admin", "/admin/%2e%2e/public", BAD_REQUEST),
        path("a dot-dot above the root", "/../admin", BAD_REQUEST),
        path("a dot segment in /admin", "/admin/./x", GREEN),
        path("a dot segment outside /admin", "/public/./admin", BLUE),
        path("a parameter on /admin's segment", "/admin;x=1/secret", GREEN),
        path("a parameter ending the path", "/admin;x=1", GREEN),
        path("a parameter before a dot-dot", "/public;x=1/../admin", GREEN),
        path("a parameter on a dot-dot", "/public/..;/admin", BAD_REQUEST),
        path("a leading empty segment", "//admin", BAD_REQUEST),
        path("an inner empty segment", "/public//admin", BAD_REQUEST),
        path("an encoded slash", "/admin%2Fsecret", BAD_REQUEST),
        path("encoded slashes around a dot-dot", "/public%2F..%2Fadmin", BAD_REQUEST),
        path("an encoded dot-dot-slash", "/public/%2e%2e%2fadmin", BAD_REQUEST),
        path("a double-encoded dot-dot", "/admin/%252e%252e/public", BAD_REQUEST),
        path("an encoded letter", "/%61dmin/x", GREEN),
        path("backslashes", "/public\\..\\admin", BAD_REQUEST),
        path("another case", "/ADMIN", BLUE),
        path("a longer segment", "/adminx", BLUE),
        path("a dot-dot in the query", "/admin?next=/../public", GREEN),
        path("a prefix in the query", "/public?x=/admin", BLUE),
        path("an encoded slash then dot-dot", "/public/..%2fadmin", BAD_REQUEST),
        path("an upper-case encoded slash in a prefix", "/api%2Fx", BAD_REQUEST),
        path("encoded slashes out of /admin", "/admin%2f..%2fpublic", BAD_REQUEST),
        path("lower-case encoded slashes into /admin", "/public%2f..%2fadmin", BAD_REQUEST),
        path("an encoded NUL", "/%00/admin", BAD_REQUEST),
        path("an encoded NUL in a segment", "/admin%00x", BAD_REQUEST),
        path("an encoded backslash", "/public%5c..%5cadmin", BAD_REQUEST),
        path("an upper-case encoded backslash", "/admin%5Cx", BAD_REQUEST),
        path("a raw backslash", "/admin\\x", BAD_REQUEST),
        path("a double-encoded slash", "/public%252f..%252fadmin", BAD_REQUEST),
        path("a double-encoded backslash", "/admin%255cx", BAD_REQUEST),
        path("an encoded dot-dot next to an encoded slash", "/public/%2e%2e%2Fadmin", BAD_REQUEST),
        path("a mixed-case encoded dot-dot", "/public/%2E.%2fadmin", BAD_REQUEST),
        path("an escape that is not UTF-8", "/admin%ff", BAD_REQUEST),
        path("an overlong UTF-8 dot-dot", "/%C0%AE%C0%AE/admin", BAD_REQUEST),
        path("an encoded dot segment", "/admin/%2e/x", BAD_REQUEST),
        path("a truncated escape", "/admin%2", BAD_REQUEST),
        path("an encoded percent", "/admin/50%25", BAD_REQUEST),
        path("an encoded control character", "/admin%0d%0aX-Injected:%20yes", BAD_REQUEST),
        path("an empty segment with parameters", "/;x/admin", BAD_REQUEST),
        path("an inner empty segment with parameters", "/a/;/b", BAD_REQUEST),
        path("encoded slashes in parameters", "/public;%2F..%2Fadmin", BAD_REQUEST),
        path("an encoded NUL in parameters", "/admin;%00/x", BAD_REQUEST),
        path("an encoded semicolon", "/admin%3Bx", BAD_REQUEST),
        path("a raw brace", "/admin/{x}", BAD_REQUEST),
        path("a raw pipe in the query", "/admin?a|b", BAD_REQUEST),
        path("raw quotes and braces in the query", "/admin?q={\"a\":1}", BAD_REQUEST),
        path("a malformed escape in the query", "/admin?q=%zz", BAD_REQUEST),
        path("an overlong query", "/admin?q=" + "a".repeat(9000), URI_TOO_LONG),
        path("an overlong path", "/admin/" + "a".repeat(9000), URI_TOO_LONG),
        raw(
            "an absolute-form target in upper case",
            "GET http://SHOP.EXAMPLE.COM/admin HTTP/1.1\r\nHost: shop.example.com\r\n\r\n",
            "/admin", BAD_REQUEST),
        raw(
            "an absolute-form target with a port",
            "GET http://shop.example.com:{port}/admin HTTP/1.1\r\nHost: shop.example.com\r\n\r\n",
            "/admin", BAD_REQUEST),
        raw(
            "an absolute-form target with an encoded slash",
            "GET http://shop.example.com/public%2f..%2fadmin HTTP/1.1\r\nHost: shop.example.com\r\n\r\n",
            "/public%2f..%2fadmin", BAD_REQUEST));
  }
}
