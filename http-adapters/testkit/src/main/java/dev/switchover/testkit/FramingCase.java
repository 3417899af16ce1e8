package dev.switchover.testkit;

import java.util.ArrayList;
import java.util.List;

/**
 * One way a client frames a request body, as raw bytes, with what an upstream behind the adapter
 * must receive of it: the request whole, with exactly the body the client framed; nothing at all;
 * or at most a request it can tell is cut off. The suite runs each case against a {@link
 * RecordingUpstream}, so what the upstream receives is read strictly, byte by byte.
 *
 * @param name what is unusual about the framing
 * @param request the request text up to where the client stops sending; {@code {target}} stands
 *     for the case's own target, so that what the upstream receives can be told apart, and the
 *     client sends what comes before each {@value #PAUSE} as a packet of its own
 * @param expected what the client and the upstream see
 * @param body the body the upstream must receive, for {@link Expected#FORWARDED}
 * @param clientCloses whether the client closes the connection after sending (a network failure
 *     mid-request); otherwise it ends its output and reads the answer
 */
record FramingCase(String name, String request, Expected expected, String body, boolean clientCloses) {
  /** What the client and the upstream see. */
  enum Expected {
    /** The upstream receives the request whole, with exactly the body framed; the client, 200. */
    FORWARDED,
    /** The client gets 400 and the connection closed; the upstream receives nothing. */
    REFUSED,
    /**
     * The framing goes wrong inside the body: the client gets 400 or the connection closed (never
     * a success), and the upstream receives nothing or a request it can tell is cut off.
     */
    NEVER_COMPLETE,
    /**
     * The client sent the whole body and went away before the end of the message, where only the
     * end of the (empty) trailer section was missing: the upstream may receive nothing, a cut-off
     * request, or the request complete with exactly the body framed, never another body. (Jetty
     * ends the body at the last chunk, before the trailer section; the body is the client's.)
     */
    NEVER_ALTERED
  }

  /** Where the client flushes what it has sent and waits a moment before sending on. */
  static final String PAUSE = "{pause}";

  private static final String HEAD = "POST {target} HTTP/1.1\r\nHost: shop.example.com\r\n";
  private static final String CHUNKED = "Transfer-Encoding: chunked\r\n";
  private static final String CLOSE = "Connection: close\r\n";

  /** The request for {@code target}. */
  String request(String target) {
    return request.replace("{target}", target);
  }

  static List<FramingCase> all() {
    List<FramingCase> all = new ArrayList<>();
    all.addAll(forwarded());
    all.addAll(refused());
    all.addAll(brokenBodies());
    all.addAll(cutOff());
    return all;
  }

  /** Valid framings, forwarded whole; framing-only trailers and hop-by-hop fields are not. */
  static List<FramingCase> forwarded() {
    return List.of(
        forwarded("a Content-Length body", "Content-Length: 5\r\n" + CLOSE + "\r\nhello", "hello"),
        forwarded("an empty Content-Length body", "Content-Length: 0\r\n" + CLOSE + "\r\n", ""),
        forwarded("one chunk", CHUNKED + CLOSE + "\r\n5\r\nhello\r\n0\r\n\r\n", "hello"),
        forwarded("an empty chunked body", CHUNKED + CLOSE + "\r\n0\r\n\r\n", ""),
        forwarded(
            "chunk extensions",
            CHUNKED + CLOSE + "\r\n5;name=value\r\nhello\r\n6;x;y=\"q\"\r\n world\r\n0;z\r\n\r\n",
            "hello world"),
        forwarded(
            "upper-case chunk sizes and coding",
            "Transfer-Encoding: Chunked\r\n" + CLOSE + "\r\nA\r\n0123456789\r\n000\r\n\r\n",
            "0123456789"),
        forwarded(
            "one-byte chunks",
            CHUNKED + CLOSE + "\r\n" + "1\r\nh\r\n1\r\ne\r\n1\r\nl\r\n1\r\nl\r\n1\r\no\r\n0\r\n\r\n",
            "hello"),
        forwarded(
            "trailers naming framing fields",
            CHUNKED + CLOSE + "\r\n5\r\nhello\r\n0\r\nHost: evil.example.org\r\n"
                + "Content-Length: 99\r\nTransfer-Encoding: chunked\r\nX-Checksum: 1\r\n\r\n",
            "hello"),
        forwarded(
            "chunks in packets of their own",
            CHUNKED + CLOSE + "\r\n" + PAUSE + "5\r\nhel" + PAUSE + "lo\r\n0\r\n" + PAUSE + "X-Sum: 1\r\n\r\n",
            "hello"),
        forwarded(
            "hop-by-hop fields",
            "Connection: close, X-Hop\r\nX-Hop: secret\r\nKeep-Alive: timeout=5\r\n"
                + "Proxy-Connection: keep-alive\r\nContent-Length: 5\r\n\r\nhello",
            "hello"));
  }

  /** Framing the head already makes ambiguous or invalid: refused before anything is forwarded. */
  static List<FramingCase> refused() {
    List<FramingCase> refused = new ArrayList<>();
    for (HostileRequest h : HostileRequest.framings()) {
      refused.add(
          new FramingCase(
              h.name(), h.request().replace(" /x ", " {target} "), Expected.REFUSED, "", false));
    }
    refused.add(refused("a bare LF ending a field line", HEAD + "Content-Length: 5\n" + CLOSE + "\r\nhello"));
    refused.add(refused("bare LFs ending every line", HEAD.replace("\r\n", "\n") + "Content-Length: 5\nConnection: close\n\nhello"));
    refused.add(refused("a bare CR inside a field value", HEAD + "X-Note: a\rb\r\nContent-Length: 5\r\n" + CLOSE + "\r\nhello"));
    refused.add(refused("an obsolete folded field", HEAD + "X-Note: a\r\n b\r\nContent-Length: 5\r\n" + CLOSE + "\r\nhello"));
    refused.add(
        refused(
            "a folded Transfer-Encoding beside a Content-Length",
            HEAD + "Content-Length: 5\r\nTransfer-Encoding:\r\n chunked\r\n" + CLOSE + "\r\n5\r\nhello\r\n0\r\n\r\n"));
    refused.add(refused("white space before a colon", HEAD + "Content-Length : 5\r\n" + CLOSE + "\r\nhello"));
    refused.add(refused("a Content-Length in hexadecimal", HEAD + "Content-Length: 0x5\r\n" + CLOSE + "\r\nhello"));
    refused.add(refused("a negative Content-Length", HEAD + "Content-Length: -5\r\n" + CLOSE + "\r\nhello"));
    return refused;
  }

  /** Chunked bodies that break the grammar part way: never forwarded as a complete request. */
  static List<FramingCase> brokenBodies() {
    return List.of(
        broken("a negative chunk size", "-5\r\nhello\r\n0\r\n\r\n"),
        broken("a chunk size that overflows 64 bits", "10000000000000005\r\nhello\r\n0\r\n\r\n"),
        broken("a chunk size that wraps to 5", "ffffffffffffffff5\r\nhello\r\n0\r\n\r\n"),
        broken("a chunk size with a 0x prefix", "0x5\r\nhello\r\n0\r\n\r\n"),
        broken("an empty chunk size", "\r\nhello\r\n0\r\n\r\n"),
        broken("a chunk size followed by a space", "5 \r\nhello\r\n0\r\n\r\n"),
        broken("chunk data not followed by CRLF", "5\r\nhelloXX0\r\n\r\n"),
        broken(
            "chunk data followed by a smuggled request",
            "5\r\nhelloGET /admin HTTP/1.1\r\nHost: shop.example.com\r\n\r\n0\r\n\r\n"),
        broken("a chunk size larger than its data", "A\r\nhello\r\n0\r\n\r\n"),
        broken("bare LFs in the chunked body", "5\nhello\n0\n\n"),
        broken("a bare CR after a chunk size", "5\rhello\r\n0\r\n\r\n"),
        broken("a bare LF inside a chunk extension", "5;a=\nb\r\nhello\r\n0\r\n\r\n"),
        broken("a folded trailer", "5\r\nhello\r\n0\r\nX-Sum: 1\r\n 2\r\n\r\n"),
        broken("chunk data not followed by CRLF, in a later packet", "5\r\nhello" + PAUSE + "XX0\r\n\r\n"),
        broken(
            "a smuggled request after chunk data, in a later packet",
            "5\r\nhello" + PAUSE + "GET /admin HTTP/1.1\r\nHost: shop.example.com\r\n\r\n0\r\n\r\n"),
        broken("bare LFs in a chunked body in a later packet", PAUSE + "5\nhello\n0\n\n"),
        broken("a negative chunk size in a later packet", "5\r\nhello\r\n" + PAUSE + "-5\r\nhello\r\n0\r\n\r\n"));
  }

  /** A client that goes away part way through the body: the upstream never sees it complete. */
  static List<FramingCase> cutOff() {
    return List.of(
        cutOff("after a whole chunk", CHUNKED + "\r\n5\r\nhello\r\n"),
        cutOff("inside a chunk's data", CHUNKED + "\r\na\r\nhel"),
        new FramingCase(
            "the client closing after the last chunk, before the end of the trailers",
            HEAD + CHUNKED + "\r\n5\r\nhello\r\n0\r\n",
            Expected.NEVER_ALTERED,
            "hello",
            true),
        cutOff("inside a Content-Length body", "Content-Length: 10\r\n\r\nhello"));
  }

  private static FramingCase forwarded(String name, String fields, String body) {
    return new FramingCase(name, HEAD + fields, Expected.FORWARDED, body, false);
  }

  private static FramingCase refused(String name, String request) {
    return new FramingCase(name, request, Expected.REFUSED, "", false);
  }

  private static FramingCase broken(String name, String chunkedBody) {
    return new FramingCase(
        name, HEAD + CHUNKED + CLOSE + "\r\n" + chunkedBody, Expected.NEVER_COMPLETE, "", false);
  }

  private static FramingCase cutOff(String name, String rest) {
    return new FramingCase(
        "the client closing " + name, HEAD + rest, Expected.NEVER_COMPLETE, "", true);
  }
}
