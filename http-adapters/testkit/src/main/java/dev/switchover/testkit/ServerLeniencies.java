package dev.switchover.testkit;

import java.util.HashMap;
import java.util.Map;

/**
 * What servers read leniently before an adapter sees the request, so that no adapter can refuse
 * it, by the name of the suite's case: for {@link AdapterConformanceSuite#serverLeniencies()}.
 * Each entry says what the server does; the adapters' documentation names them too.
 */
public final class ServerLeniencies {
  /**
   * Undertow's HTTP/1.1 request parser (undertow-core 2.3.27): a folded field line is joined to
   * its field before any handler runs. (The Undertow adapter holds chunked bodies to the grammar
   * itself.)
   */
  public static final Map<String, String> UNDERTOW =
      Map.of(
          "an obsolete folded field",
          "Undertow's parser joins a folded line to the field before any handler runs");

  /**
   * Undertow's servlet container, on top of {@link #UNDERTOW}: its chunk decoder, which a filter
   * cannot replace, reads these chunked bodies as valid ones, and the length check fails with a
   * 500 before any filter runs.
   */
  public static final Map<String, String> UNDERTOW_SERVLET = undertowServlet();

  /**
   * Jetty with its default compliance mode (RFC9110), as a servlet container: it accepts a bare LF
   * as a line end, as RFC 9112 allows; a filter cannot change a connector's mode (the Jetty
   * adapter does).
   */
  public static final Map<String, String> JETTY_DEFAULT_COMPLIANCE =
      Map.of(
          "a bare LF ending a field line",
          "Jetty's RFC9110 compliance mode accepts a bare LF ending a line",
          "bare LFs ending every line",
          "Jetty's RFC9110 compliance mode accepts a bare LF ending a line");

  private ServerLeniencies() {}

  private static Map<String, String> undertowServlet() {
    Map<String, String> all = new HashMap<>(UNDERTOW);
    all.put(
        "a chunk size followed by a space",
        "Undertow's chunk decoder reads whatever follows the hex digits as an extension");
    all.put(
        "chunk data followed by a smuggled request",
        "Undertow's chunk decoder skips to the next LF after chunk data instead of requiring CRLF");
    all.put(
        "a smuggled request after chunk data, in a later packet",
        "Undertow's chunk decoder skips to the next LF after chunk data instead of requiring CRLF");
    all.put("bare LFs in the chunked body", "Undertow's chunk decoder takes a bare LF for a line end");
    all.put(
        "bare LFs in a chunked body in a later packet",
        "Undertow's chunk decoder takes a bare LF for a line end");
    all.put("a bare LF inside a chunk extension", "Undertow's chunk decoder takes a bare LF for a line end");
    all.put(
        "an overflowing Content-Length",
        "Undertow's servlet container answers 500 (it fails to parse the length) before any"
            + " filter runs; nothing is forwarded");
    return Map.copyOf(all);
  }
}
