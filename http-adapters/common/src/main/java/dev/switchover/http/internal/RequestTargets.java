package dev.switchover.http.internal;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The request-target policy every adapter applies before routing, so that the same bytes get the
 * same answer whatever the server: which paths and hosts are refused, and the canonical path a
 * request is routed on, made here from the raw path rather than from each server's own decoding
 * (servers disagree on exactly the cases an attacker picks).
 *
 * <p>A path is refused (400) if it is not absolute, holds a raw backslash, a control character,
 * a space or a byte outside ASCII, a malformed escape, or an escape that decodes to a slash,
 * backslash, NUL, control character or percent sign ({@code %2F}, {@code %5C}, {@code %00},
 * {@code %25}...: a workspace that decodes again, or splits on a decoded slash, would read another
 * path than the router did); if a segment is empty before the last ({@code //admin}); if a dot
 * segment is encoded ({@code %2e%2e}) or carries parameters ({@code ..;x}); if {@code ..} climbs
 * above the root; or if its escapes are not UTF-8. A target longer than {@link
 * #MAX_TARGET_LENGTH} is refused with 414. Otherwise the canonical path is the decoded path with
 * each segment's parameters ({@code ;...}) removed and dot segments resolved (RFC 3986, 5.2.4).
 *
 * <p>Hosts: a request is refused (400) if it has more than one {@code Host}, one that is not a
 * plain name or IP literal with an optional port (empty, with user info, an escape, a comma or
 * white space), or an absolute-form target whose scheme is not {@code http} or {@code https} or
 * whose authority is not exactly its {@code Host} (a default port aside). Queries: a character a query
 * may not hold, or a malformed escape, is refused (400); the whole target counts for 414.
 */
public final class RequestTargets {
  /** The longest request target (path and query) accepted; longer ones get 414. */
  public static final int MAX_TARGET_LENGTH = 8192;

  /** 400: a request refused by this policy. */
  public static final int BAD_REQUEST = 400;

  /** 414: a request target longer than {@link #MAX_TARGET_LENGTH}. */
  public static final int URI_TOO_LONG = 414;

  /**
   * The path routed for requests that name no path of the host ({@code CONNECT}, {@code OPTIONS
   * *}): it matches no prefix, so a known host answers 404. Switchover is a gateway, not a tunnel.
   */
  public static final String NO_PATH = "*";

  private RequestTargets() {}

  /**
   * The canonical path of {@code rawPath} (the target's path, still encoded, without its query),
   * or null if the policy refuses it; {@link #refusal} then says with which status.
   */
  public static @Nullable String canonicalPath(String rawPath) {
    int length = rawPath.length();
    if (length == 0 || length > MAX_TARGET_LENGTH || rawPath.charAt(0) != '/') {
      return null;
    }
    if (isPlain(rawPath)) {
      return rawPath; // the common case: nothing to decode, remove or resolve
    }
    StringBuilder out = new StringBuilder(length);
    int start = 1; // just after a '/'
    while (start <= length) {
      int end = rawPath.indexOf('/', start);
      boolean last = end < 0;
      if (last) {
        end = length;
      }
      int semicolon = rawPath.indexOf(';', start);
      boolean hasParameters = semicolon >= 0 && semicolon < end;
      int nameEnd = hasParameters ? semicolon : end;
      if (nameEnd == start && !last) {
        return null; // an empty segment before the last ("//", "/;x/"): ambiguous
      }
      if (hasParameters && decode(rawPath, nameEnd + 1, end) == null) {
        return null; // parameters are dropped, but a workspace that keeps them reads them decoded
      }
      String name = decode(rawPath, start, nameEnd);
      if (name == null) {
        return null;
      }
      boolean dot = name.equals(".");
      boolean dotDot = name.equals("..");
      if (dot || dotDot) {
        if (nameEnd - start != name.length() || hasParameters) {
          return null; // "%2e%2e" or "..;x": read as a dot segment by some, as a name by others
        }
        if (dotDot) {
          int slash = out.lastIndexOf("/");
          if (slash < 0) {
            return null; // above the root
          }
          out.setLength(slash);
        }
        if (last) {
          out.append('/');
        }
      } else {
        out.append('/').append(name);
      }
      start = end + 1;
    }
    return out.length() == 0 ? "/" : out.toString();
  }

  /**
   * The raw path with its encoded slashes and backslashes ({@code %2F}, {@code %5C}, either case)
   * made separators, for an adapter configured to decode them: it routes on the canonical path
   * of this form, and forwards this form instead of the client's, so that router and workspace
   * read the same path. Any other escape stays as it was. The same string if there is none.
   */
  public static String separatorsDecoded(String rawPath) {
    int percent = rawPath.indexOf('%');
    if (percent < 0) {
      return rawPath;
    }
    StringBuilder out = null;
    int copied = 0;
    for (int i = percent; i + 2 < rawPath.length(); i++) {
      if (rawPath.charAt(i) != '%') {
        continue;
      }
      char high = rawPath.charAt(i + 1);
      char low = Character.toLowerCase(rawPath.charAt(i + 2));
      if ((high == '2' && low == 'f') || (high == '5' && low == 'c')) {
        if (out == null) {
          out = new StringBuilder(rawPath.length());
        }
        out.append(rawPath, copied, i).append('/');
        copied = i + 3;
        i += 2;
      }
    }
    return out == null ? rawPath : out.append(rawPath, copied, rawPath.length()).toString();
  }

  /**
   * The raw path below {@code prefix}, the context path or mount an adapter sits under ({@code
   * /} if nothing is left); {@code rawPath} itself if the prefix is null, empty or {@code /}; null
   * if the path does not start with the prefix (the server matched a spelling it does not share).
   */
  public static @Nullable String below(String rawPath, @Nullable String prefix) {
    if (prefix == null || prefix.isEmpty() || prefix.equals("/")) {
      return rawPath;
    }
    if (!rawPath.startsWith(prefix)) {
      return null;
    }
    String rest = rawPath.substring(prefix.length());
    return rest.isEmpty() ? "/" : rest;
  }

  /** The status with which {@code rawPath} is refused: 414 if it is too long, else 400. */
  public static int refusal(String rawPath) {
    return rawPath.length() > MAX_TARGET_LENGTH ? URI_TOO_LONG : BAD_REQUEST;
  }

  /**
   * 0 if the request's hosts are acceptable, else the status to refuse it with (400).
   *
   * @param hostValues the values of every {@code Host} field the request carries, as received;
   *     for an HTTP/2 request, none, or the {@code host} the client sent besides {@code :authority}
   * @param absoluteTarget the request target if it was in absolute form (or, for an adapter that
   *     cannot tell, the request URL as its server shows it), else null
   * @param secure whether the server takes the request as an {@code https} one: its default port
   *     is then 443. (Whether an absolute-form target may name {@code https} over a plain
   *     connection is the server's call: Jetty and servlet containers follow it, as they follow a
   *     customizer that trusts a front proxy's {@code X-Forwarded-Proto}, and cannot tell the two
   *     apart.)
   */
  public static int hostRefusal(Iterable<String> hostValues, @Nullable String absoluteTarget, boolean secure) {
    String host = null;
    int count = 0;
    for (String value : hostValues) {
      if (++count > 1) {
        return BAD_REQUEST;
      }
      host = value;
    }
    String scheme = secure ? "https" : "http";
    if (absoluteTarget != null) {
      String targetScheme = absoluteScheme(absoluteTarget);
      if (targetScheme != null
          && !targetScheme.equalsIgnoreCase("http")
          && !targetScheme.equalsIgnoreCase("https")) {
        return BAD_REQUEST; // ws://, ftp://: not a request for an HTTP origin
      }
    }
    if (host == null) {
      // HTTP/2 names the authority in :authority, which servers show as the request URL's (a
      // Host beside it may be dropped or replaced by the server); HTTP/1.0 without Host names
      // none, and the server's own name stands in.
      String authority = absoluteTarget == null ? null : absoluteAuthority(absoluteTarget);
      return authority == null || isAuthority(authority) ? 0 : BAD_REQUEST;
    }
    if (!isAuthority(host)) {
      return BAD_REQUEST;
    }
    String authority = absoluteTarget == null ? null : absoluteAuthority(absoluteTarget);
    if (authority != null
        && !withoutDefaultPort(authority, scheme).equals(withoutDefaultPort(host, scheme))) {
      return BAD_REQUEST;
    }
    return 0;
  }

  /**
   * 0 if the request's body is framed unambiguously, else 400: a request with both {@code
   * Content-Length} and {@code Transfer-Encoding}, a {@code Transfer-Encoding} that is not one
   * field saying {@code chunked}, or a {@code Content-Length} that is not one field of 1 to 18
   * digits. Servers differ on every one of these (Undertow reads an overflowing length, or
   * re-chunks an encoding it does not know), and a proxy that reads the framing otherwise than
   * the server behind it is how requests are smuggled.
   *
   * @param contentLengths the {@code Content-Length} fields as received
   * @param transferEncodings the {@code Transfer-Encoding} fields as received
   * @param protocol the request's protocol ({@code HTTP/1.1}): an HTTP/1.0 request with a {@code
   *     Transfer-Encoding} is faulty (RFC 9112, section 6.1)
   */
  public static int framingRefusal(
      Iterable<String> contentLengths, Iterable<String> transferEncodings, String protocol) {
    if (asciiEqualsIgnoreCase(protocol, "HTTP/1.0") && first(transferEncodings) != null) {
      return BAD_REQUEST;
    }
    if (count(contentLengths) > 1 || count(transferEncodings) > 1) {
      return BAD_REQUEST;
    }
    String length = first(contentLengths);
    String encoding = first(transferEncodings);
    if (length != null && encoding != null) {
      return BAD_REQUEST;
    }
    if (encoding != null && !asciiEqualsIgnoreCase(withoutOws(encoding), "chunked")) {
      return BAD_REQUEST;
    }
    if (length != null) {
      String digits = withoutOws(length);
      if (digits.isEmpty() || digits.length() > 18) {
        return BAD_REQUEST;
      }
      for (int i = 0; i < digits.length(); i++) {
        if (digits.charAt(i) < '0' || digits.charAt(i) > '9') {
          return BAD_REQUEST;
        }
      }
    }
    return 0;
  }

  /** 0 if no header value holds a NUL, CR or LF, else 400: servers and upstreams read them apart. */
  public static int headerValueRefusal(Iterable<String> values) {
    for (String value : values) {
      for (int i = 0; i < value.length(); i++) {
        char c = value.charAt(i);
        if (c == 0 || c == '\r' || c == '\n') {
          return BAD_REQUEST;
        }
      }
    }
    return 0;
  }

  /**
   * Compares ASCII letters without regard to case and every other character exactly: unlike
   * {@link String#equalsIgnoreCase}, the Kelvin sign is not a {@code k} and a dotless {@code ı} is
   * not an {@code i}, so a value the container took for another never passes as {@code chunked}.
   */
  static boolean asciiEqualsIgnoreCase(String a, String b) {
    if (a.length() != b.length()) {
      return false;
    }
    for (int i = 0; i < a.length(); i++) {
      char x = a.charAt(i);
      char y = b.charAt(i);
      if (x != y && (!isAsciiLetter(x) || (x ^ y) != 0x20)) {
        return false;
      }
    }
    return true;
  }

  private static boolean isAsciiLetter(char c) {
    char lower = (char) (c | 0x20);
    return lower >= 'a' && lower <= 'z';
  }

  /** The value without the optional white space (spaces and tabs only) around it. */
  private static String withoutOws(String value) {
    int start = 0;
    int end = value.length();
    while (start < end && (value.charAt(start) == ' ' || value.charAt(start) == '\t')) {
      start++;
    }
    while (end > start && (value.charAt(end - 1) == ' ' || value.charAt(end - 1) == '\t')) {
      end--;
    }
    return value.substring(start, end);
  }

  private static int count(Iterable<String> values) {
    int n = 0;
    for (String unused : values) {
      n++;
    }
    return n;
  }

  private static @Nullable String first(Iterable<String> values) {
    for (String value : values) {
      return value;
    }
    return null;
  }

  /**
   * Whether {@code host} is a {@code Host} value this policy accepts: a name of letters, digits,
   * {@code -}, {@code .} and {@code _}, or an IP literal in brackets, then at most a port of one to
   * five digits. No user info, no escapes, no white space, no commas.
   */
  static boolean isAuthority(String host) {
    int end = host.length();
    int i;
    if (host.startsWith("[")) {
      int close = host.indexOf(']');
      if (close < 2) {
        return false;
      }
      for (i = 1; i < close; i++) {
        char c = host.charAt(i);
        if (Character.digit(c, 16) < 0 && c != ':' && c != '.') {
          return false;
        }
      }
      i = close + 1;
    } else {
      for (i = 0; i < end && host.charAt(i) != ':'; i++) {
        char c = host.charAt(i);
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_')) {
          return false;
        }
      }
      if (i == 0) {
        return false;
      }
    }
    if (i == end) {
      return true;
    }
    if (host.charAt(i) != ':' || end - i - 1 < 1 || end - i - 1 > 5) {
      return false;
    }
    int port = 0;
    for (int k = i + 1; k < end; k++) {
      char c = host.charAt(k);
      if (c < '0' || c > '9') {
        return false;
      }
      port = port * 10 + (c - '0');
    }
    return port >= 1 && port <= 65535;
  }

  /**
   * The authority without the scheme's default port ({@code :80}, {@code :443}). Case counts:
   * Undertow refuses a target whose host differs from {@code Host} in case before any handler runs,
   * so every adapter does.
   */
  private static String withoutDefaultPort(String authority, String scheme) {
    String defaultPort = scheme.equals("https") ? ":443" : ":80";
    return authority.endsWith(defaultPort)
        ? authority.substring(0, authority.length() - defaultPort.length())
        : authority;
  }

  /** The scheme of an absolute-form target ({@code http} of {@code http://a/b}), or null. */
  public static @Nullable String absoluteScheme(String target) {
    int end = target.indexOf("://");
    if (end <= 0) {
      return null;
    }
    for (int i = 0; i < end; i++) {
      char c = target.charAt(i);
      boolean letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      if (!letter && (i == 0 || !((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'))) {
        return null;
      }
    }
    return target.substring(0, end);
  }

  /**
   * The authority of an absolute-form request target ({@code http://shop.example.com:8080/x}),
   * or null if {@code target} is not in absolute form.
   */
  public static @Nullable String absoluteAuthority(String target) {
    String scheme = absoluteScheme(target);
    if (scheme == null) {
      return null;
    }
    int start = scheme.length() + 3;
    int end = start;
    while (end < target.length() && "/?#".indexOf(target.charAt(end)) < 0) {
      end++;
    }
    return target.substring(start, end);
  }

  /** True if the path has nothing to decode, remove or resolve, and nothing to refuse. */
  private static boolean isPlain(String path) {
    char previous = 0;
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c == '/') {
        if (previous == '/') {
          return false;
        }
      } else if (c == '%' || c == ';' || !isPathChar(c)) {
        return false;
      } else if (c == '.' && previous == '/') {
        return false; // may start a dot segment
      }
      previous = c;
    }
    return true;
  }

  /**
   * A character a path segment may hold as it is (RFC 3986's pchar, with {@code %} for escapes):
   * letters, digits, {@code -._~!$&'()*+,;=:@}. Everything else (space, {@code " < > \ ^ ` { | }
   * #}, controls, bytes outside ASCII) is refused, as {@code java.net.URI}, which proxies build
   * upstream requests with, refuses it.
   */
  private static boolean isPathChar(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || "-._~!$&'()*+,;=:@%".indexOf(c) >= 0;
  }

  /** Whether the raw text from {@code from} to {@code to} holds only characters a path may. */
  private static boolean checkRaw(String raw, int from, int to) {
    for (int i = from; i < to; i++) {
      if (!isPathChar(raw.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /**
   * 0 if the query is acceptable, else the status to refuse the request with: 414 if the whole
   * target (path, {@code ?} and query) is longer than {@link #MAX_TARGET_LENGTH}, 400 if the query
   * holds a character a query may not (anything but a path's characters, {@code /} and {@code ?})
   * or a malformed escape.
   *
   * @param rawQuery the query as received, without its {@code ?}, or null if there is none
   * @param rawPathLength the length of the raw path before it
   */
  public static int queryRefusal(@Nullable String rawQuery, int rawPathLength) {
    if (rawQuery == null) {
      return 0;
    }
    if (rawPathLength + 1 + rawQuery.length() > MAX_TARGET_LENGTH) {
      return URI_TOO_LONG;
    }
    for (int i = 0; i < rawQuery.length(); i++) {
      char c = rawQuery.charAt(i);
      if (c == '%') {
        if (i + 2 >= rawQuery.length()
            || Character.digit(rawQuery.charAt(i + 1), 16) < 0
            || Character.digit(rawQuery.charAt(i + 2), 16) < 0) {
          return BAD_REQUEST;
        }
      } else if (c != '/' && c != '?' && !isPathChar(c)) {
        return BAD_REQUEST;
      }
    }
    return 0;
  }

  /** The segment name decoded as UTF-8, or null if anything in it must be refused. */
  private static @Nullable String decode(String raw, int from, int to) {
    if (!checkRaw(raw, from, to)) {
      return null;
    }
    int percent = raw.indexOf('%', from);
    if (percent < 0 || percent >= to) {
      return raw.substring(from, to);
    }
    ByteBuffer bytes = ByteBuffer.allocate(to - from);
    for (int i = from; i < to; i++) {
      char c = raw.charAt(i);
      if (c != '%') {
        bytes.put((byte) c);
        continue;
      }
      if (i + 2 >= to) {
        return null; // a truncated escape
      }
      int high = Character.digit(raw.charAt(i + 1), 16);
      int low = Character.digit(raw.charAt(i + 2), 16);
      if (high < 0 || low < 0) {
        return null;
      }
      int b = high * 16 + low;
      if (b < 0x20 || b == 0x7f || b == '/' || b == '\\' || b == '%' || b == ';') {
        return null;
      }
      bytes.put((byte) b);
      i += 2;
    }
    bytes.flip();
    try {
      CharBuffer chars =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(bytes);
      return chars.toString();
    } catch (CharacterCodingException notUtf8) {
      return null;
    }
  }
}
