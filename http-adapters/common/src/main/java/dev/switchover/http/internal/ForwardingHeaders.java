package dev.switchover.http.internal;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/**
 * The headers every adapter adds to a request it forwards to an upstream, in one format: {@code
 * Forwarded} (RFC 7239) and {@code Via} get this hop appended ({@code ", "} between elements);
 * {@code X-Forwarded-For} gets the client's address appended ({@code ","} between addresses, as
 * Undertow's proxy writes it); {@code X-Forwarded-Proto}, {@code -Host}, {@code -Port} and {@code
 * -Server} are set to the client's scheme, its {@code Host}, the port it connected to and {@value
 * #VIA_NAME}, replacing whatever the client sent. The client's {@code Host} is forwarded unchanged.
 *
 * <p>An adapter reads the client's values, calls {@link #of}, and writes the seven fields with its
 * server's header API.
 */
public final class ForwardingHeaders {
  /** The pseudonym this hop goes by in {@code Via}. */
  public static final String VIA_NAME = "switchover";

  /**
   * The fields of a client's WebSocket handshake that an adapter does not copy into its own
   * handshake with an upstream (lower case): those its WebSocket client writes itself, those of
   * this hop, and the forwarding fields, which it writes anew.
   */
  public static final Set<String> NOT_FORWARDED_TO_A_WEBSOCKET =
      Set.of(
          "connection",
          "upgrade",
          "host",
          "content-length",
          "transfer-encoding",
          "keep-alive",
          "te",
          "trailer",
          "proxy-connection",
          "sec-websocket-key",
          "sec-websocket-version",
          "sec-websocket-extensions",
          "sec-websocket-protocol",
          "forwarded",
          "via",
          "x-forwarded-for",
          "x-forwarded-proto",
          "x-forwarded-host",
          "x-forwarded-port",
          "x-forwarded-server");

  private static final Set<String> KEPT_WHATEVER_CONNECTION_SAYS =
      Set.of("close", "connection", "host", "content-length", "transfer-encoding", "upgrade");

  private final String forwarded;
  private final String via;
  private final String previousFor;
  private final String forwardedFor;
  private final String proto;
  private final @Nullable String host;
  private final String port;

  private ForwardingHeaders(
      String forwarded,
      String via,
      String previousFor,
      String forwardedFor,
      String proto,
      @Nullable String host,
      String port) {
    this.forwarded = forwarded;
    this.via = via;
    this.previousFor = previousFor;
    this.forwardedFor = forwardedFor;
    this.proto = proto;
    this.host = host;
    this.port = port;
  }

  /**
   * The headers for one forwarded request.
   *
   * @param remoteAddress the client's IP address as text, or null if unknown
   * @param host the client's {@code Host}, or null if it sent none
   * @param scheme the scheme the client used ({@code http} or {@code https})
   * @param protocol the client's protocol ({@code HTTP/1.1})
   * @param localPort the port of this server the client connected to
   * @param previousForwarded the {@code Forwarded} fields the client sent, in order
   * @param previousVia the {@code Via} fields the client sent
   * @param previousFor the {@code X-Forwarded-For} fields the client sent
   */
  public static ForwardingHeaders of(
      @Nullable String remoteAddress,
      @Nullable String host,
      String scheme,
      String protocol,
      int localPort,
      Iterable<String> previousForwarded,
      Iterable<String> previousVia,
      Iterable<String> previousFor) {
    String proto = scheme.toLowerCase(Locale.ROOT);
    String address = remoteAddress == null || remoteAddress.isEmpty() ? "unknown" : remoteAddress;
    if (address.length() > 2 && address.startsWith("[") && address.endsWith("]")) {
      address = address.substring(1, address.length() - 1); // Jetty's addresses come bracketed
    }
    StringBuilder element = new StringBuilder(64).append("for=");
    if (address.indexOf(':') >= 0) {
      element.append("\"[").append(address).append("]\"");
    } else {
      appendValue(element, address);
    }
    if (host != null && !host.isEmpty()) {
      element.append(";host=");
      appendValue(element, host);
    }
    element.append(";proto=").append(proto);
    String before = joined(previousFor, ",");
    String forwardedBefore = joined(previousForwarded, ", ");
    return new ForwardingHeaders(
        appended(isForwardedList(forwardedBefore) ? forwardedBefore : "", element.toString()),
        appended(joined(previousVia, ", "), viaVersion(protocol) + " " + VIA_NAME),
        before,
        before.isEmpty() ? address : before + "," + address,
        proto,
        host,
        Integer.toString(localPort));
  }

  /**
   * Hands each of the seven fields to {@code field}: its name, and its value, or null where the
   * field must be removed ({@code X-Forwarded-Host} of a client that sent no {@code Host}).
   */
  public void forEachField(BiConsumer<String, @Nullable String> field) {
    field.accept("Forwarded", forwarded);
    field.accept("Via", via);
    field.accept("X-Forwarded-For", forwardedFor);
    field.accept("X-Forwarded-Proto", proto);
    field.accept("X-Forwarded-Host", host);
    field.accept("X-Forwarded-Port", port);
    field.accept("X-Forwarded-Server", VIA_NAME);
  }

  /** {@code Forwarded}: the client's, with this hop appended. */
  public String forwarded() {
    return forwarded;
  }

  /** {@code Via}: the client's, with this hop appended. */
  public String via() {
    return via;
  }

  /** {@code X-Forwarded-For}: the client's, with its address appended after a comma. */
  public String forwardedFor() {
    return forwardedFor;
  }

  /**
   * The {@code X-Forwarded-For} chain the client sent, its fields joined, without this hop: for a
   * proxy that appends the client's address itself. Empty if the client sent none.
   */
  public String previousForwardedFor() {
    return previousFor;
  }

  /** {@code X-Forwarded-Proto}: the client's scheme. */
  public String forwardedProto() {
    return proto;
  }

  /** {@code X-Forwarded-Host}: the client's {@code Host}, or null to remove the field. */
  public @Nullable String forwardedHost() {
    return host;
  }

  /** {@code X-Forwarded-Port}: the port of this server the client connected to. */
  public String forwardedPort() {
    return port;
  }

  /** {@code X-Forwarded-Server}: {@value #VIA_NAME}. */
  public String forwardedServer() {
    return VIA_NAME;
  }

  private static String appended(String previous, String value) {
    return previous.isEmpty() ? value : previous + ", " + value;
  }

  /**
   * The request fields that belong to the client's connection and are not forwarded (RFC 9110,
   * section 7.6.1), lower-cased: {@code Keep-Alive}, {@code Proxy-Connection}, and every field the
   * client's {@code Connection} fields name. The framing and routing fields ({@code Host}, {@code
   * Content-Length}, {@code Transfer-Encoding}) and {@code Upgrade} are never among them, whatever
   * {@code Connection} says: naming them there must not strip them.
   *
   * @param connection the client's {@code Connection} field values
   */
  public static Set<String> hopByHopFields(Iterable<String> connection) {
    Set<String> names = new LinkedHashSet<>(List.of("keep-alive", "proxy-connection"));
    for (String value : connection) {
      for (String token : value.split(",", -1)) {
        String name = token.strip().toLowerCase(Locale.ROOT);
        if (!name.isEmpty() && !KEPT_WHATEVER_CONNECTION_SAYS.contains(name)) {
          names.add(name);
        }
      }
    }
    return names;
  }

  /**
   * The fields of an upstream's answer to a WebSocket handshake it refused (any status but 101)
   * that an adapter does not pass on to the client, lower-cased: those of the connection between
   * adapter and upstream ({@code Connection}, {@code Keep-Alive}, {@code Proxy-Connection}, {@code
   * Upgrade}, {@code TE}, {@code Trailer}, and every field the upstream's {@code Connection} fields
   * name) and the framing fields ({@code Content-Length}, {@code Transfer-Encoding}), which the
   * adapter's server writes itself for the body it sends.
   *
   * @param connection the upstream's {@code Connection} field values
   */
  public static Set<String> notForwardedFromARefusedUpgrade(Iterable<String> connection) {
    Set<String> names =
        new LinkedHashSet<>(
            List.of(
                "connection",
                "keep-alive",
                "proxy-connection",
                "upgrade",
                "te",
                "trailer",
                "content-length",
                "transfer-encoding"));
    for (String value : connection) {
      for (String token : value.split(",", -1)) {
        String name = token.strip().toLowerCase(Locale.ROOT);
        if (!name.isEmpty()) {
          names.add(name);
        }
      }
    }
    return names;
  }

  /**
   * Whether a client's {@code Forwarded} value parses as RFC 7239 elements (pairs of a token and
   * a token or quoted string, {@code ;} between pairs, {@code ,} between elements). A malformed
   * one, such as an unclosed quote that would swallow this hop's element, is dropped.
   */
  static boolean isForwardedList(String value) {
    int i = 0;
    int n = value.length();
    while (i < n) {
      while (i < n && (value.charAt(i) == ' ' || value.charAt(i) == '\t' || value.charAt(i) == ',' || value.charAt(i) == ';')) {
        i++;
      }
      if (i == n) {
        break;
      }
      int name = i;
      while (i < n && isTokenChar(value.charAt(i))) {
        i++;
      }
      if (i == name || i == n || value.charAt(i) != '=') {
        return false;
      }
      i++;
      if (i < n && value.charAt(i) == '"') {
        i++;
        while (i < n && value.charAt(i) != '"') {
          if (value.charAt(i) == '\\') {
            i++;
          }
          i++;
        }
        if (i >= n) {
          return false; // unclosed
        }
        i++;
      } else {
        int start = i;
        while (i < n && isTokenChar(value.charAt(i))) {
          i++;
        }
        if (i == start) {
          return false;
        }
      }
      while (i < n && (value.charAt(i) == ' ' || value.charAt(i) == '\t')) {
        i++;
      }
      if (i < n && value.charAt(i) != ',' && value.charAt(i) != ';') {
        return false;
      }
    }
    return true;
  }

  private static boolean isTokenChar(char c) {
    return c > ' ' && c < 127 && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0;
  }

  /** The non-blank fields, trimmed and joined with {@code separator}. */
  private static String joined(Iterable<String> fields, String separator) {
    StringBuilder out = new StringBuilder();
    for (String field : fields) {
      if (!field.isBlank()) {
        if (out.length() > 0) {
          out.append(separator);
        }
        out.append(field.trim());
      }
    }
    return out.toString();
  }

  /** {@code 1.1} for {@code HTTP/1.1}; the whole protocol if it is not HTTP. */
  private static String viaVersion(String protocol) {
    return protocol.regionMatches(true, 0, "HTTP/", 0, 5) ? protocol.substring(5) : protocol;
  }

  /** A token as is, anything else as a quoted string (RFC 7239, section 4). */
  private static void appendValue(StringBuilder out, String value) {
    boolean token = !value.isEmpty();
    for (int i = 0; i < value.length() && token; i++) {
      token = isTokenChar(value.charAt(i));
    }
    if (token) {
      out.append(value);
      return;
    }
    out.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\');
      }
      out.append(c);
    }
    out.append('"');
  }
}
