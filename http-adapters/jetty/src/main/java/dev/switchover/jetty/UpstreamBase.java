package dev.switchover.jetty;

import java.net.URI;
import java.util.Locale;

/**
 * One upstream base URI, checked and taken apart once: {@code http://10.0.0.7:8080} or {@code
 * https://green.internal/app}. A request is forwarded to the base's scheme, host and port, with
 * the base's path (without a trailing {@code /}) put before the request's raw path.
 */
final class UpstreamBase {
  final URI uri;
  final String scheme;
  final String host;
  final int port;
  final String pathPrefix;

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
   * @throws IllegalArgumentException if it is not an absolute http or https URI with a host, or
   *     if it has user info, a query or a fragment
   */
  static UpstreamBase of(URI uri) {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw invalid(uri, "the scheme must be http or https");
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

  @Override
  public String toString() {
    return uri.toString();
  }
}
