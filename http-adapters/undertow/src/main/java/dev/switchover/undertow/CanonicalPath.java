package dev.switchover.undertow;

import org.jspecify.annotations.Nullable;

/**
 * The path Switchover routes on, made from the path Undertow decoded.
 *
 * <p>Undertow decodes the path ({@code %2e} becomes {@code .}; {@code %2F} stays encoded unless
 * the server allows encoded slashes) and removes path parameters, except from a segment that
 * would otherwise become a dot segment ({@code ..;x} stays as it is), but it never removes dot
 * segments. This does the rest, the way a servlet container or Jetty reads such a path: every
 * segment loses its parameters ({@code ;...}), then {@code .} segments are dropped and {@code
 * ..} segments remove the segment before them (RFC 3986, section 5.2.4). A path whose {@code ..}
 * would climb above the root is refused, as is one that does not start with {@code /}, and one
 * with an empty segment other than the last ({@code //admin}, {@code /a//b}): servers disagree on
 * whether {@code //} is one separator or two, so such a path is ambiguous — Jetty refuses it too.
 */
final class CanonicalPath {
  private CanonicalPath() {}

  /** The canonical path, or null if the path must be refused (400). */
  static @Nullable String of(String decoded) {
    if (decoded.isEmpty() || decoded.charAt(0) != '/') {
      return null;
    }
    if (decoded.contains("//")) {
      return null;
    }
    if (decoded.indexOf('.') < 0 && decoded.indexOf(';') < 0) {
      return decoded; // the common case: nothing to remove
    }
    StringBuilder out = new StringBuilder(decoded.length());
    int start = 1; // just after a '/'
    int length = decoded.length();
    while (start <= length) {
      int end = decoded.indexOf('/', start);
      boolean last = end < 0;
      if (last) {
        end = length;
      }
      int semicolon = decoded.indexOf(';', start);
      int segmentEnd = semicolon >= 0 && semicolon < end ? semicolon : end;
      int segmentLength = segmentEnd - start;
      if (segmentLength == 1 && decoded.charAt(start) == '.') {
        if (last) {
          out.append('/');
        }
      } else if (segmentLength == 2 && decoded.startsWith("..", start)) {
        int slash = out.lastIndexOf("/");
        if (slash < 0) {
          return null; // above the root
        }
        out.setLength(slash);
        if (last) {
          out.append('/');
        }
      } else {
        out.append('/').append(decoded, start, segmentEnd);
      }
      start = end + 1;
    }
    return out.length() == 0 ? "/" : out.toString();
  }
}
