package dev.switchover;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.net.InetAddresses;
import java.net.InetAddress;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Where an adapter finds the sticky key that keeps a client on one side of a {@linkplain Split
 * split} route: a cookie the adapter sets when it is missing (the default), a request header the
 * host application's clients send (a user or session id), or the client's IP address.
 *
 * <p>Adapters look for the key only in a request whose route splits ({@link
 * Router.StickyKeys}). A request without a key gets a new random one ({@link
 * Admission#newStickyKey()}): with a cookie, the adapter sets it, so the client stays where it
 * was sent; with a header or an address, there is nothing to set, and such a request's side is
 * drawn at random each time. Behind another proxy, every client has that proxy's address: use a
 * header or the cookie there. A key is hashed as the server decoded it: keep header keys ASCII
 * (the cookie the adapters set is). Immutable and thread-safe.
 *
 * <pre>{@code
 * SwitchoverHandler.builder(router).canaryKey(CanaryKey.header("X-User-Id"))...
 * }</pre>
 */
public final class CanaryKey {
  /** Where the key comes from. */
  public enum Source {
    /** A cookie, set by the adapter when a request to a split route has none. */
    COOKIE,
    /** A request header. */
    HEADER,
    /** The client's IP address, as the server sees it. */
    CLIENT_ADDRESS
  }

  /** The cookie {@link #cookie()} names. */
  public static final String DEFAULT_COOKIE = "switchover-canary";

  private static final String TOKEN_SYMBOLS = "!#$%&'*+-.^_`|~";
  private static final CanaryKey DEFAULT = new CanaryKey(Source.COOKIE, DEFAULT_COOKIE);
  private static final CanaryKey ADDRESS = new CanaryKey(Source.CLIENT_ADDRESS, "");

  private final Source source;
  private final String name;

  private CanaryKey(Source source, String name) {
    this.source = source;
    this.name = name;
  }

  /** The {@value #DEFAULT_COOKIE} cookie: the default. */
  public static CanaryKey cookie() {
    return DEFAULT;
  }

  /**
   * A cookie of this name, set by the adapter when missing.
   *
   * @throws IllegalArgumentException if the name is not an RFC 6265 cookie name
   */
  public static CanaryKey cookie(String name) {
    return new CanaryKey(Source.COOKIE, checkToken(name, "cookie"));
  }

  /**
   * A request header of this name (matched ignoring case, as HTTP does).
   *
   * @throws IllegalArgumentException if the name is not an HTTP field name
   */
  public static CanaryKey header(String name) {
    return new CanaryKey(Source.HEADER, checkToken(name, "header").toLowerCase(Locale.ROOT));
  }

  /** The client's IP address, without its port. */
  public static CanaryKey clientAddress() {
    return ADDRESS;
  }

  /**
   * A canary key as configuration text spells it: {@code cookie} (the default cookie), {@code
   * cookie:<name>}, {@code header:<name>} or {@code client-address}.
   *
   * @throws IllegalArgumentException if the text is none of these, or names no valid cookie or
   *     header
   */
  public static CanaryKey parse(String text) {
    checkNotNull(text, "text");
    String t = text.trim();
    if (t.equals("cookie")) {
      return cookie();
    } else if (t.equals("client-address")) {
      return clientAddress();
    } else if (t.startsWith("cookie:")) {
      return cookie(t.substring("cookie:".length()));
    } else if (t.startsWith("header:")) {
      return header(t.substring("header:".length()));
    }
    throw new IllegalArgumentException(
        "a canary key is cookie, cookie:<name>, header:<name> or client-address, but was \"" + text + "\"");
  }

  /**
   * The sticky key of a client's IP address: its canonical text (an IPv6 address as RFC 5952
   * writes it, without brackets or a scope), so that every adapter, on every server, keys a client
   * alike.
   */
  public static String addressKey(InetAddress address) {
    return InetAddresses.toAddrString(checkNotNull(address, "address"));
  }

  /**
   * The sticky key of a client's IP address as a server writes it ({@code 10.0.0.7}, {@code
   * [0:0:0:0:0:0:0:1]}, {@code fe80::1%eth0}): see {@link #addressKey(InetAddress)}. Text that is
   * not an IP address is returned as it is.
   */
  public static String addressKey(String text) {
    checkNotNull(text, "text");
    String t = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
    int scope = t.indexOf('%');
    if (scope >= 0) {
      t = t.substring(0, scope);
    }
    return InetAddresses.isInetAddress(t) ? InetAddresses.toAddrString(InetAddresses.forString(t)) : text;
  }

  /** Where the key comes from. */
  public Source source() {
    return source;
  }

  /** The cookie's or the header's name (a header's in lower case); empty for the client address. */
  public String name() {
    return name;
  }

  /**
   * The value of the {@code Set-Cookie} field that hands a new key to the client: a host-only
   * cookie for every path, kept for 30 days, not readable by scripts, {@code Secure} over TLS.
   *
   * @throws IllegalStateException if this key is not a cookie
   * @throws IllegalArgumentException if the key is empty or holds a character a cookie value may
   *     not
   */
  public String setCookie(String stickyKey, boolean secure) {
    checkNotNull(stickyKey, "stickyKey");
    if (source != Source.COOKIE) {
      throw new IllegalStateException("a " + source + " canary key is not set by the adapter");
    }
    for (int i = 0; i < stickyKey.length(); i++) {
      char c = stickyKey.charAt(i);
      // RFC 6265's cookie-octet: visible ASCII but for DQUOTE, comma, semicolon and backslash
      checkArgument(
          c > 0x20 && c < 0x7f && c != '"' && c != ',' && c != ';' && c != '\\',
          "a cookie value is visible ASCII without '\"', ',', ';' or '\\', but has U+%s",
          Integer.toHexString(c));
    }
    checkArgument(!stickyKey.isEmpty(), "a sticky key must not be empty");
    return name + "=" + stickyKey + "; Path=/; Max-Age=2592000; HttpOnly; SameSite=Lax" + (secure ? "; Secure" : "");
  }

  /** An RFC 9110 token: what both a cookie name and a field name must be. */
  private static String checkToken(String name, String what) {
    checkNotNull(name, "name");
    checkArgument(!name.isEmpty(), "a %s name must not be empty", what);
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean token =
          (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || TOKEN_SYMBOLS.indexOf(c) >= 0;
      checkArgument(token, "a %s name is ASCII letters, digits and %s, but \"%s\" has '%s'", what, TOKEN_SYMBOLS, name, c);
    }
    return name;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof CanaryKey other && source == other.source && name.equals(other.name);
  }

  @Override
  public int hashCode() {
    return Objects.hash(source, name);
  }

  /** For example {@code cookie switchover-canary}, {@code header x-user-id}, {@code client address}. */
  @Override
  public String toString() {
    return switch (source) {
      case COOKIE -> "cookie " + name;
      case HEADER -> "header " + name;
      case CLIENT_ADDRESS -> "client address";
    };
  }
}
