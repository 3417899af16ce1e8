package dev.switchover.http.internal;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The headers every adapter adds to a request it forwards to an upstream, in one format: {@code
 * Forwarded} (RFC 7239) and {@code Via} get this hop appended; {@code X-Forwarded-For} gets the
 * client's address appended; {@code X-Forwarded-Proto} and {@code X-Forwarded-Host} are set to the
 * client's scheme and {@code Host}, replacing what the client sent. The client's {@code Host} is
 * forwarded unchanged.
 *
 * <p>An adapter reads the client's values, calls {@link #of}, and writes the five fields with its
 * server's header API.
 */
public final class ForwardingHeaders {
  /** The pseudonym this hop goes by in {@code Via}. */
  public static final String VIA_NAME = "switchover";

  private final String forwarded;
  private final String via;
  private final String forwardedFor;
  private final String proto;
  private final @Nullable String host;

  private ForwardingHeaders(
      String forwarded, String via, String forwardedFor, String proto, @Nullable String host) {
    this.forwarded = forwarded;
    this.via = via;
    this.forwardedFor = forwardedFor;
    this.proto = proto;
    this.host = host;
  }

  /**
   * The headers for one forwarded request.
   *
   * @param remoteAddress the client's IP address as text, or null if unknown
   * @param host the client's {@code Host}, or null if it sent none
   * @param scheme the scheme the client used ({@code http} or {@code https})
   * @param protocol the client's protocol ({@code HTTP/1.1})
   * @param previousForwarded the {@code Forwarded} values the client sent, joined with commas, or null
   * @param previousVia the {@code Via} values the client sent, joined with commas, or null
   * @param previousFor the {@code X-Forwarded-For} values the client sent, joined, or null
   */
  public static ForwardingHeaders of(
      @Nullable String remoteAddress,
      @Nullable String host,
      String scheme,
      String protocol,
      @Nullable String previousForwarded,
      @Nullable String previousVia,
      @Nullable String previousFor) {
    String proto = scheme.toLowerCase(Locale.ROOT);
    String address = remoteAddress == null || remoteAddress.isEmpty() ? "unknown" : remoteAddress;
    StringBuilder element = new StringBuilder(64).append("for=");
    if (address.indexOf(':') >= 0) {
      element.append("\"[").append(address).append("]\"");
    } else {
      element.append(address);
    }
    if (host != null && !host.isEmpty()) {
      element.append(";host=");
      appendValue(element, host);
    }
    element.append(";proto=").append(proto);
    return new ForwardingHeaders(
        appended(previousForwarded, element.toString()),
        appended(previousVia, viaVersion(protocol) + " " + VIA_NAME),
        appended(previousFor, address),
        proto,
        host);
  }

  /** {@code Forwarded}: the client's, with this hop appended. */
  public String forwarded() {
    return forwarded;
  }

  /** {@code Via}: the client's, with this hop appended. */
  public String via() {
    return via;
  }

  /** {@code X-Forwarded-For}: the client's, with its address appended. */
  public String forwardedFor() {
    return forwardedFor;
  }

  /** {@code X-Forwarded-Proto}: the client's scheme. */
  public String forwardedProto() {
    return proto;
  }

  /** {@code X-Forwarded-Host}: the client's {@code Host}, or null to remove the field. */
  public @Nullable String forwardedHost() {
    return host;
  }

  private static String appended(@Nullable String previous, String value) {
    return previous == null || previous.isBlank() ? value : previous + ", " + value;
  }

  /** {@code 1.1} for {@code HTTP/1.1}; the whole protocol if it is not HTTP. */
  private static String viaVersion(String protocol) {
    return protocol.regionMatches(true, 0, "HTTP/", 0, 5) ? protocol.substring(5) : protocol;
  }

  /** A token as is, anything else as a quoted string (RFC 7239, section 4). */
  private static void appendValue(StringBuilder out, String value) {
    boolean token = true;
    for (int i = 0; i < value.length() && token; i++) {
      char c = value.charAt(i);
      token = c > ' ' && c < 127 && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0;
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
