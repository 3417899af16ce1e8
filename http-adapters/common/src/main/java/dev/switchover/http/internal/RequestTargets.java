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
 * <p>Hosts: a request is refused (400) if it has more than one {@code Host}, an empty one, one
 * that holds a comma or white space, or an absolute-form target whose authority is not exactly its
 * {@code Host} (Undertow refuses a difference in case before any handler runs, so every adapter
 * does).
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
      if (nameEnd == start && !last && !hasParameters) {
        return null; // an empty segment before the last: "//" is ambiguous
      }
      if (!checkRaw(rawPath, nameEnd, end)) {
        return null; // parameters are dropped, but must still be clean text
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

  /** The status with which {@code rawPath} is refused: 414 if it is too long, else 400. */
  public static int refusal(String rawPath) {
    return rawPath.length() > MAX_TARGET_LENGTH ? URI_TOO_LONG : BAD_REQUEST;
  }

  /**
   * 0 if the request's hosts are acceptable, else the status to refuse it with (400).
   *
   * @param hostValues the values of every {@code Host} field the request carries, as received
   * @param absoluteAuthority the authority of an absolute-form request target, or null
   */
  public static int hostRefusal(Iterable<String> hostValues, @Nullable String absoluteAuthority) {
    String host = null;
    int count = 0;
    for (String value : hostValues) {
      if (++count > 1) {
        return BAD_REQUEST;
      }
      host = value;
    }
    if (host == null) {
      return 0; // HTTP/1.0: routed as an empty host, which no table knows
    }
    if (host.isEmpty()) {
      return BAD_REQUEST;
    }
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      if (c <= ' ' || c == ',' || c >= 0x7f) {
        return BAD_REQUEST;
      }
    }
    if (absoluteAuthority != null && !absoluteAuthority.equals(host)) {
      return BAD_REQUEST;
    }
    return 0;
  }

  /**
   * The authority of an absolute-form request target ({@code http://shop.example.com:8080/x}),
   * or null if {@code target} is not in absolute form.
   */
  public static @Nullable String absoluteAuthority(String target) {
    int scheme = target.indexOf("://");
    if (scheme <= 0 || target.charAt(0) == '/') {
      return null;
    }
    String lower = target.substring(0, scheme).toLowerCase(Locale.ROOT);
    if (!lower.equals("http") && !lower.equals("https")) {
      return null;
    }
    int start = scheme + 3;
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
      if (c <= ' ' || c >= 0x7f || c == '%' || c == ';' || c == '\\' || c == '#') {
        return false;
      }
      if (c == '.' && previous == '/') {
        return false; // may start a dot segment
      }
      if (c == '/' && previous == '/') {
        return false;
      }
      previous = c;
    }
    return true;
  }

  /** Whether the raw text from {@code from} to {@code to} holds only characters a path may. */
  private static boolean checkRaw(String raw, int from, int to) {
    for (int i = from; i < to; i++) {
      char c = raw.charAt(i);
      if (c <= ' ' || c >= 0x7f || c == '\\' || c == '#') {
        return false;
      }
    }
    return true;
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
      if (b < 0x20 || b == 0x7f || b == '/' || b == '\\' || b == '%') {
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
