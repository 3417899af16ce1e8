package dev.switchover;

import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.net.InternetDomainName;
import java.net.IDN;
import org.jspecify.annotations.Nullable;

/**
 * A normalized host name, or a wildcard {@code *.example.com} that matches exactly one extra
 * label.
 *
 * <p>Normalization happens once, in {@link #parse}: ASCII lower case (independent of the default
 * locale), internationalized names to punycode, one trailing dot and a {@code :port} removed.
 * The result must be an RFC 1123 name: labels of 1 to 63 letters, digits and hyphens, not
 * starting or ending with a hyphen, at most 253 characters in all, and a last label that is not
 * all digits (so that an IPv4 address is never taken for a name). IP literals are refused. A
 * wildcard cannot stand for a whole public suffix ({@code *.com}, {@code *.co.uk}); {@code
 * *.localhost} is fine. A port must be 1 to 65535. Two spellings of the same name parse to equal
 * values. Instances are immutable and thread-safe.
 *
 * <p>Internationalized names are converted with the JDK's IDNA2003 rules; the few characters on
 * which IDNA2003 and IDNA2008 disagree ({@code ß}, final sigma, ZWJ, ZWNJ) are refused, so give
 * such names in punycode.
 *
 * <pre>{@code
 * HostName.parse("Shop.Example.COM.:443").toString();   // "shop.example.com"
 * HostName.parse("bücher.example").toString();          // "xn--bcher-kva.example"
 * HostName.parse("*.preview.example.net").isWildcard(); // true
 * }</pre>
 */
public final class HostName implements Comparable<HostName> {
  /** The longest host name RFC 1123 allows, in characters, without a trailing dot. */
  public static final int MAX_LENGTH = 253;

  static final int MAX_LABEL_LENGTH = 63;
  private static final String WILDCARD_PREFIX = "*.";

  private final String name;
  private final boolean wildcard;
  /** {@link #lookupKey()}, made once. */
  private final String key;

  /**
   * The key's {@link Hashing#hostHash hash}, made on first use: every write that names this host
   * needs it, and a release's write runs as cold code, where a loop over the name is slow. As in
   * {@link String#hashCode()}, a race only makes it twice, and {@link #hashIsZero} tells a hash of
   * 0 from one not yet made.
   */
  private int hash;

  private boolean hashIsZero;

  private HostName(String name, boolean wildcard) {
    this.name = name;
    this.wildcard = wildcard;
    this.key = wildcard ? name.substring(WILDCARD_PREFIX.length()) : name;
  }

  /**
   * Parses and normalizes a host name or a wildcard.
   *
   * @throws IllegalArgumentException if the text is not a valid host name after normalization; the
   *     message names the text and the rule it breaks
   */
  public static HostName parse(String text) {
    checkNotNull(text, "text");
    String s = text;
    if (s.startsWith("[")) {
      throw invalid(text, "IP literals are not host names");
    }
    int colon = s.indexOf(':');
    if (colon >= 0) {
      String port = s.substring(colon + 1);
      if (!isPort(port, 0, port.length())) {
        throw invalid(text, "what follows ':' must be a port number of 1 to 5 digits");
      }
      s = s.substring(0, colon);
    }
    if (s.endsWith(".")) {
      s = s.substring(0, s.length() - 1);
    }
    boolean wildcard = s.startsWith(WILDCARD_PREFIX);
    if (wildcard) {
      s = s.substring(WILDCARD_PREFIX.length());
    }
    if (!isAscii(s)) {
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (c == '\u00df' || c == '\u03c2' || c == '\u200c' || c == '\u200d') {
          // IDNA2003 (the JDK's) maps these away, IDNA2008 (browsers') keeps them: the two would
          // give different names, so the caller must say which one is meant.
          throw invalid(text, "'" + c + "' is converted differently by IDNA2003 and IDNA2008; give the name in punycode (xn--...)");
        }
      }
      try {
        s = IDN.toASCII(s, IDN.USE_STD3_ASCII_RULES);
      } catch (IllegalArgumentException e) {
        throw invalid(text, "not a valid internationalized domain name (" + e.getMessage() + ")");
      }
    }
    s = asciiLowerCase(s);
    String problem = checkLabels(s);
    if (problem != null) {
      throw invalid(text, problem);
    }
    if (wildcard) {
      if (isPublicSuffix(s)) {
        throw invalid(text, "a wildcard cannot cover a public suffix such as " + s);
      }
      if (s.length() + WILDCARD_PREFIX.length() > MAX_LENGTH) {
        throw invalid(text, "at most " + MAX_LENGTH + " characters");
      }
      return new HostName(WILDCARD_PREFIX + s, true);
    }
    return new HostName(s, false);
  }

  /** Whether this is a wildcard {@code *.parent} that matches one extra label. */
  public boolean isWildcard() {
    return wildcard;
  }

  /**
   * For a wildcard {@code *.example.com}, the name it stands under ({@code example.com}); for a
   * plain name, the name itself.
   */
  public HostName parent() {
    return wildcard ? new HostName(key, false) : this;
  }

  /**
   * Whether this name is {@code suffix} itself or a name under it: {@code a.b.example.net} is
   * under {@code example.net}. A wildcard is under a suffix when its parent is.
   */
  public boolean isUnder(HostName suffix) {
    String own = key;
    String other = suffix.key;
    return own.equals(other)
        || (own.length() > other.length()
            && own.endsWith(other)
            && own.charAt(own.length() - other.length() - 1) == '.');
  }

  /** The key this name is found under: the name, or for a wildcard the parent's name. */
  String lookupKey() {
    return key;
  }

  /** The {@link Hashing#hostHash hash} of {@link #lookupKey()}. */
  int lookupHash() {
    int h = hash;
    if (h == 0 && !hashIsZero) {
      h = Hashing.hostHash(key);
      if (h == 0) {
        hashIsZero = true;
      } else {
        hash = h;
      }
    }
    return h;
  }

  @Override
  public int compareTo(HostName other) {
    return name.compareTo(other.name);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof HostName other && other.name.equals(name);
  }

  @Override
  public int hashCode() {
    return name.hashCode();
  }

  /** The normalized name, {@code *.} included for a wildcard. */
  @Override
  public String toString() {
    return name;
  }

  // ---- shared rules, also used by the request-side parse on the hot path ----

  /** Whether {@code s[from, to)} is a port number from 1 to 65535, in at most 5 digits. */
  static boolean isPort(CharSequence s, int from, int to) {
    int n = to - from;
    if (n < 1 || n > 5) {
      return false;
    }
    int value = 0;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
      value = value * 10 + (c - '0');
    }
    return value >= 1 && value <= 65535;
  }

  /**
   * Whether a lower-case name is a public suffix ({@code com}, {@code co.uk}) or a registry
   * suffix ({@code github.io}) in the public suffix list that Guava carries.
   */
  static boolean isPublicSuffix(String name) {
    try {
      InternetDomainName domain = InternetDomainName.from(name);
      return domain.isPublicSuffix() || domain.isRegistrySuffix();
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * Whether this name is a public or registry suffix, such as {@code com}, {@code co.uk} or {@code
   * github.io}: names under it belong to different owners, so it can be neither verified nor routed.
   */
  public boolean isPublicSuffix() {
    return isPublicSuffix(lookupKey());
  }

  static boolean isLabelChar(char lower) {
    return (lower >= 'a' && lower <= 'z') || (lower >= '0' && lower <= '9') || lower == '-';
  }

  /**
   * ASCII lower case of one character; every other character is unchanged. Branch-free: request
   * hosts come in random mixed case, where a branch per character mispredicts half the time.
   */
  static char asciiLower(char c) {
    // (64 - c) & (c - 91) is negative exactly when 'A' <= c <= 'Z'; its sign selects the 0x20 bit
    return (char) (c | ((((64 - c) & (c - 91)) >> 31) & 0x20));
  }

  private static boolean isAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }

  private static String asciiLowerCase(String s) {
    char[] chars = s.toCharArray();
    for (int i = 0; i < chars.length; i++) {
      chars[i] = asciiLower(chars[i]);
    }
    return new String(chars);
  }

  /** Returns what is wrong with a lower-case ASCII name, or null if it is a valid name. */
  private static @Nullable String checkLabels(String s) {
    if (s.isEmpty()) {
      return "a host name cannot be empty";
    }
    if (s.length() > MAX_LENGTH) {
      return "at most " + MAX_LENGTH + " characters, but has " + s.length();
    }
    int start = 0;
    boolean lastAllDigits = false;
    while (start <= s.length()) {
      int end = s.indexOf('.', start);
      if (end < 0) {
        end = s.length();
      }
      int length = end - start;
      if (length == 0) {
        return "labels cannot be empty (found an empty label at index " + start + ")";
      }
      if (length > MAX_LABEL_LENGTH) {
        return "labels are at most " + MAX_LABEL_LENGTH + " characters";
      }
      boolean allDigits = true;
      for (int i = start; i < end; i++) {
        char c = s.charAt(i);
        if (!isLabelChar(c)) {
          return "labels may contain only letters, digits and '-'; found '" + c + "'";
        }
        allDigits &= c >= '0' && c <= '9';
      }
      if (s.charAt(start) == '-' || s.charAt(end - 1) == '-') {
        return "a label cannot start or end with '-'";
      }
      lastAllDigits = allDigits;
      start = end + 1;
    }
    if (lastAllDigits) {
      return "the last label cannot be all digits (IP addresses are not host names)";
    }
    return null;
  }

  private static IllegalArgumentException invalid(String text, String rule) {
    return new IllegalArgumentException("invalid host name \"" + text + "\": " + rule);
  }
}
