package dev.switchover.http.internal;

import java.net.URI;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One upstream base URI, checked and taken apart once: {@code http://10.0.0.7:8080} or {@code
 * https://green.internal/app}. A request goes to the base's scheme, host and port, with the
 * base's path (without a trailing {@code /}) put before the request's raw path.
 *
 * <p>Two schemes name HTTP/2 upstreams: {@value #H2C} (cleartext, with prior knowledge) and
 * {@value #H2} (TLS, with h2 chosen by ALPN). They are {@code http} and {@code https} on the wire
 * ({@link #httpScheme()}); {@code http} and {@code https} themselves mean HTTP/1.1.
 */
public final class UpstreamBase {
  /** The scheme of an HTTP/2 upstream reached in cleartext, with prior knowledge. */
  public static final String H2C = "h2c";

  /** The scheme of an HTTP/2 upstream reached over TLS, h2 chosen by ALPN. */
  public static final String H2 = "h2";

  private final URI uri;
  private final String scheme;
  private final String host;
  private final int port;
  private final String pathPrefix;

  private UpstreamBase(URI uri, String scheme, String host, int port, String pathPrefix) {
    this.uri = uri;
    this.scheme = scheme;
    this.host = host;
    this.port = port;
    this.pathPrefix = pathPrefix;
  }

  /**
   * Checks and takes apart a base URI.
   *
   * @param schemes the schemes the adapter can reach, in lower case
   * @throws IllegalArgumentException if it is not an absolute URI with one of {@code schemes} and
   *     a host, or if it has user info, a query or a fragment
   */
  public static UpstreamBase of(URI uri, Set<String> schemes) {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!schemes.contains(scheme)) {
      throw invalid(uri, "the scheme must be " + String.join(" or ", schemes.stream().sorted().toList()));
    }
    String host = uri.getHost();
    if (host == null || host.isEmpty()) {
      throw invalid(uri, "it needs a host");
    }
    if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw invalid(uri, "it must not have user info, a query or a fragment");
    }
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    while (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    return new UpstreamBase(uri, scheme, host, uri.getPort(), path);
  }

  private static IllegalArgumentException invalid(URI uri, String rule) {
    return new IllegalArgumentException("upstream base URI " + uri + " is not valid: " + rule);
  }

  /** The URI as given. */
  public URI uri() {
    return uri;
  }

  /** The scheme, in lower case, as given: {@code http}, {@code https}, {@code h2c} or {@code h2}. */
  public String scheme() {
    return scheme;
  }

  /** The scheme on the wire: {@code https} for {@code https} and {@code h2}, else {@code http}. */
  public String httpScheme() {
    return scheme.equals(H2) ? "https" : scheme.equals(H2C) ? "http" : scheme;
  }

  /** Whether the upstream is to be reached over HTTP/2 ({@code h2c} or {@code h2}). */
  public boolean isHttp2() {
    return scheme.equals(H2C) || scheme.equals(H2);
  }

  /** Whether the connection to the upstream is TLS ({@code https} or {@code h2}). */
  public boolean isSecure() {
    return httpScheme().equals("https");
  }

  /** The host, as the URI spells it (an IPv6 literal in brackets). */
  public String host() {
    return host;
  }

  /** The port, or -1 for the scheme's default. */
  public int port() {
    return port;
  }

  /** The base's raw path without a trailing {@code /}: empty, or {@code /app}. */
  public String pathPrefix() {
    return pathPrefix;
  }

  /**
   * The upstream URI of a request: this base followed by the request's raw path (after the base's
   * path) and raw query, both unchanged.
   */
  public String target(String rawPath, @Nullable String rawQuery) {
    StringBuilder target = new StringBuilder(64).append(withoutTrailingSlash());
    target.append(rawPath.isEmpty() ? "/" : rawPath);
    if (rawQuery != null) {
      target.append('?').append(rawQuery);
    }
    return target.toString();
  }

  /**
   * The base as scheme on the wire ({@link #httpScheme()}), host, port and path, without a
   * trailing {@code /}: {@code http://h:1/app}.
   */
  public String withoutTrailingSlash() {
    StringBuilder base = new StringBuilder(48).append(httpScheme()).append("://").append(host);
    if (port >= 0) {
      base.append(':').append(port);
    }
    return base.append(pathPrefix).toString();
  }

  @Override
  public String toString() {
    return uri.toString();
  }
}
