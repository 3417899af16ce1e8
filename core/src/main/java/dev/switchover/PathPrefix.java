package dev.switchover;

import static com.google.common.base.Preconditions.checkNotNull;

import org.jspecify.annotations.Nullable;

/**
 * A path prefix that a route matches on segment boundaries: {@code /}, {@code /api}, {@code
 * /api/v2}.
 *
 * <p>{@code /api} matches the paths {@code /api}, {@code /api/} and {@code /api/x}, never {@code
 * /apix}; {@code /} matches every path. A prefix starts with {@code /}, has no empty, {@code .}
 * or {@code ..} segment, no trailing {@code /} (but for the root), and only visible ASCII
 * characters other than {@code ?}, {@code #} and {@code %}: it is compared with the server's
 * decoded, normalized path, case-sensitively. Instances are immutable and thread-safe.
 *
 * <pre>{@code
 * PathPrefix api = PathPrefix.of("/api");
 * api.matches("/api/orders"); // true
 * api.matches("/apix");       // false
 * }</pre>
 */
public final class PathPrefix implements Comparable<PathPrefix> {
  /** The longest prefix accepted, in characters. */
  public static final int MAX_LENGTH = 1024;

  /** The root prefix {@code /}, which matches every path. */
  public static final PathPrefix ROOT = new PathPrefix("/");

  private final String value;

  private PathPrefix(String value) {
    this.value = value;
  }

  /**
   * Returns the prefix for this text.
   *
   * @throws IllegalArgumentException if the text breaks the rules above
   */
  public static PathPrefix of(String text) {
    checkNotNull(text, "text");
    if (text.equals("/")) {
      return ROOT;
    }
    if (text.isEmpty() || text.charAt(0) != '/') {
      throw invalid(text, "must start with '/'");
    }
    if (text.length() > MAX_LENGTH) {
      throw invalid(text, "at most " + MAX_LENGTH + " characters");
    }
    if (text.endsWith("/")) {
      throw invalid(text, "must not end with '/' (write \"" + text.substring(0, text.length() - 1)
          + "\"; it matches the same paths)");
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c <= ' ' || c >= 0x7f || c == '?' || c == '#' || c == '%') {
        throw invalid(text, "only visible ASCII characters other than '?', '#' and '%' are allowed"
            + " (the prefix is compared with the decoded path); found code point " + (int) c
            + " at index " + i);
      }
    }
    int start = 1;
    while (start <= text.length()) {
      int end = text.indexOf('/', start);
      if (end < 0) {
        end = text.length();
      }
      String segment = text.substring(start, end);
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        throw invalid(text, "segments cannot be empty, '.' or '..'");
      }
      start = end + 1;
    }
    return new PathPrefix(text);
  }

  /** Whether this prefix matches the path on a segment boundary. */
  public boolean matches(CharSequence path) {
    checkNotNull(path, "path");
    if (value.equals("/")) {
      return path.length() == 0 || path.charAt(0) == '/';
    }
    int n = value.length();
    if (path.length() < n) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      if (path.charAt(i) != value.charAt(i)) {
        return false;
      }
    }
    return path.length() == n || path.charAt(n) == '/';
  }

  /** The number of segments: 0 for {@code /}, 1 for {@code /api}, 2 for {@code /api/v2}. */
  public int depth() {
    if (value.equals("/")) {
      return 0;
    }
    int depth = 0;
    for (int i = 0; i < value.length(); i++) {
      if (value.charAt(i) == '/') {
        depth++;
      }
    }
    return depth;
  }

  /**
   * The characters that a path must start with (before a boundary) to match: empty for the root,
   * otherwise the prefix itself.
   */
  String matchKey() {
    return value.equals("/") ? "" : value;
  }

  @Override
  public int compareTo(PathPrefix other) {
    return value.compareTo(other.value);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof PathPrefix other && other.value.equals(value);
  }

  @Override
  public int hashCode() {
    return value.hashCode();
  }

  /** The prefix as text, such as {@code /api}. */
  @Override
  public String toString() {
    return value;
  }

  private static IllegalArgumentException invalid(String text, String rule) {
    return new IllegalArgumentException("invalid path prefix \"" + text + "\": " + rule);
  }
}
