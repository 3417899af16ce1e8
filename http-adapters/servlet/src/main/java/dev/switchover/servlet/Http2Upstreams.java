package dev.switchover.servlet;

import dev.switchover.http.internal.UpstreamBase;
import dev.switchover.http.internal.UpstreamBases;
import org.eclipse.jetty.client.transport.HttpClientConnectionFactory;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.ClientConnectionFactoryOverHTTP2;
import org.eclipse.jetty.io.ClientConnectionFactory;
import org.eclipse.jetty.io.ClientConnector;

/**
 * Whether the proxy servlet's client can speak HTTP/2: only with jetty-http2-client-transport on
 * the class path, which applications without HTTP/2 upstreams need not have (the Jetty adapter has
 * the same check: adapters share no Jetty code). This class names
 * none of its types; {@link Transport} does, and is loaded only when they are there.
 */
final class Http2Upstreams {
  private static final String TRANSPORT_CLASS =
      "org.eclipse.jetty.http2.client.transport.ClientConnectionFactoryOverHTTP2";

  /** Whether jetty-http2-client-transport is on the class path. */
  static final boolean AVAILABLE = isAvailable();

  private Http2Upstreams() {}

  private static boolean isAvailable() {
    try {
      Class.forName(TRANSPORT_CLASS, false, Http2Upstreams.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  /**
   * Refuses {@code h2c} and {@code h2} bases when the HTTP/2 client is missing, so that the
   * binding fails rather than every request.
   *
   * @throws IllegalStateException if a base asks for HTTP/2 and jetty-http2-client-transport is
   *     not on the class path
   */
  static UpstreamBases check(UpstreamBases bases) {
    if (!AVAILABLE) {
      for (UpstreamBase base : bases.all()) {
        if (base.isHttp2()) {
          throw new IllegalStateException(
              "upstream base URI " + base + " asks for HTTP/2, which needs"
                  + " org.eclipse.jetty.http2:jetty-http2-client-transport on the class path");
        }
      }
    }
    return bases;
  }

  /** The client's protocols when HTTP/2 is available: HTTP/1.1 first, then HTTP/2. */
  static final class Transport {
    private Transport() {}

    /**
     * HTTP/1.1 for {@code http} and {@code https} bases, HTTP/2 for requests that ask for it by
     * their version: {@code h2c} with prior knowledge on a cleartext connection, {@code h2} by
     * ALPN over TLS. Both share {@code connector}, and so its TLS configuration.
     */
    static ClientConnectionFactory.Info[] protocols(ClientConnector connector) {
      return new ClientConnectionFactory.Info[] {
        HttpClientConnectionFactory.HTTP11,
        new ClientConnectionFactoryOverHTTP2.HTTP2(new HTTP2Client(connector))
      };
    }
  }
}
