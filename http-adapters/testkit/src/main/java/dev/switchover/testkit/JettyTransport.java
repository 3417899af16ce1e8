package dev.switchover.testkit;

import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/** A Jetty connector for each {@link Transport}, for the Jetty adapter's and the servlet filter's tests. */
public final class JettyTransport {
  private JettyTransport() {}

  /**
   * The connection factories of a connector for {@code transport}: HTTP/1.1; or h2c beside it
   * (prior knowledge and upgrade); or TLS with {@link LoopbackTls}'s key pair, h2 and HTTP/1.1 by
   * ALPN (which adds a {@code SecureRequestCustomizer} to {@code http}).
   */
  public static ConnectionFactory[] connectionFactories(HttpConfiguration http, Transport transport) {
    return switch (transport) {
      case H2C -> new ConnectionFactory[] {
        new HttpConnectionFactory(http), new HTTP2CServerConnectionFactory(http)
      };
      case H2_TLS -> {
        SslContextFactory.Server tls = new SslContextFactory.Server();
        tls.setKeyStore(LoopbackTls.keyStore());
        tls.setKeyStorePassword(LoopbackTls.PASSWORD);
        SecureRequestCustomizer secure = new SecureRequestCustomizer();
        // One test certificate for every host the suite names; a real server has one per domain.
        secure.setSniHostCheck(false);
        http.addCustomizer(secure);
        ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory("h2", "http/1.1");
        alpn.setDefaultProtocol("http/1.1");
        yield new ConnectionFactory[] {
          new SslConnectionFactory(tls, alpn.getProtocol()),
          alpn,
          new HTTP2ServerConnectionFactory(http),
          new HttpConnectionFactory(http)
        };
      }
      case HTTP_1_1 -> new ConnectionFactory[] {new HttpConnectionFactory(http)};
    };
  }
}
