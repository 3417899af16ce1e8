package dev.switchover.http.internal;

import dev.switchover.PreviewToken;
import dev.switchover.PreviewTokens;
import java.time.Clock;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * How a request carries a preview token, the same in every adapter: the {@value #HEADER} header,
 * or else the {@value #COOKIE} cookie that the token endpoint ({@value #ENDPOINT}{@code
 * ?token=...} on the production domain) sets. Read only when the adapter has preview tokens
 * configured; a request without either costs a header look-up or two.
 */
public final class Previews {
  /** The longest a preview cookie lasts, whatever its token's expiry. */
  public static final Duration MAX_COOKIE_AGE = Duration.ofHours(8);

  /** The request header that carries a preview token. */
  public static final String HEADER = "Switchover-Preview";
  /** The cookie that carries a preview token in a browser. */
  public static final String COOKIE = "switchover-preview";
  /**
   * The path on the production domain that sets the cookie: {@code ?token=<token>} to start a
   * preview (303 to {@code /}), {@code ?end} to end it.
   */
  public static final String ENDPOINT = "/.well-known/switchover-preview";

  private Previews() {}

  /** The token the request carries: the header's, else the cookie's; null if neither. */
  public static @Nullable String token(@Nullable String header, @Nullable String cookieHeader) {
    if (header != null && !header.isEmpty()) {
      return header;
    }
    return cookieHeader == null ? null : cookieValue(cookieHeader);
  }

  /**
   * The value of the {@value #COOKIE} cookie in one {@code Cookie} field, or null. Over HTTP/2 a
   * browser may send each cookie in a field of its own: an adapter asks each field in turn.
   */
  public static @Nullable String cookieValue(String cookieHeader) {
    return Cookies.value(cookieHeader, COOKIE);
  }

  /** The answer of the token endpoint: a status and, when it changes the cookie, its {@code Set-Cookie}. */
  public record EndpointAnswer(int status, @Nullable String setCookie) {}

  /**
   * The token endpoint's answer for {@code host}: with a {@code token} valid for the host, 303 to
   * {@code /} setting the cookie until the token expires (or for {@link #MAX_COOKIE_AGE}, if sooner); with {@code end}, 303 clearing it; with
   * anything else 403 (a token that is not valid here) or 400 (no token), and no cookie.
   *
   * @param rawQuery the request's query, undecoded
   * @param secure whether the request came over TLS: the cookie is then {@code Secure}
   */
  public static EndpointAnswer endpoint(
      PreviewTokens previews, String host, @Nullable String rawQuery, boolean secure, Clock clock) {
    String query = rawQuery == null ? "" : rawQuery;
    String attributes = "; Path=/; HttpOnly; SameSite=Lax" + (secure ? "; Secure" : "");
    if (parameter(query, "end") != null) {
      return new EndpointAnswer(303, COOKIE + "=" + attributes + "; Max-Age=0");
    }
    String token = parameter(query, "token");
    if (token == null || token.isEmpty()) {
      return new EndpointAnswer(400, null);
    }
    PreviewToken valid = previews.verify(token, host);
    if (valid == null) {
      return new EndpointAnswer(403, null);
    }
    // A working day at most, whatever the token's life: a link followed once (perhaps from another
    // site) does not pin a browser to a preview for weeks.
    long maxAge =
        Math.max(1, Math.min(MAX_COOKIE_AGE.toSeconds(), Duration.between(clock.instant(), valid.expires()).toSeconds()));
    // A token is base64url and dots: nothing in it needs quoting in a cookie.
    return new EndpointAnswer(303, COOKIE + "=" + token + attributes + "; Max-Age=" + maxAge);
  }

  /** A query parameter's raw value ("" if it has none), or null if absent. */
  static @Nullable String parameter(String query, String key) {
    int start = 0;
    while (start <= query.length()) {
      int end = query.indexOf('&', start);
      if (end < 0) {
        end = query.length();
      }
      int eq = query.indexOf('=', start);
      int keyEnd = eq >= 0 && eq < end ? eq : end;
      if (keyEnd - start == key.length() && query.startsWith(key, start)) {
        return keyEnd == end ? "" : query.substring(keyEnd + 1, end);
      }
      start = end + 1;
    }
    return null;
  }
}
