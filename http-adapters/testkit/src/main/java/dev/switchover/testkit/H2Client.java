package dev.switchover.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.HttpClientTransport;
import org.eclipse.jetty.client.transport.HttpClientConnectionFactory;
import org.eclipse.jetty.client.transport.HttpClientTransportDynamic;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.ClientConnectionFactoryOverHTTP2;
import org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The suite's HTTP/2 client: Jetty's {@link HttpClient} over HTTP/2, on one connection, with every
 * host name resolved to 127.0.0.1, so that a request names any host in {@code :authority} (and TLS
 * server name) and still reaches the router server under test. Many threads may send at once:
 * their requests are concurrent streams of that connection.
 */
final class H2Client implements AutoCloseable {
  /** How the client reaches HTTP/2. */
  enum Mode {
    /** Cleartext, the connection preface first ({@link Transport#H2C}). */
    PRIOR_KNOWLEDGE,
    /** Cleartext, the first request an HTTP/1.1 {@code Upgrade: h2c} ({@link Transport#H2C}). */
    UPGRADE,
    /** TLS with ALPN ({@link Transport#H2_TLS}); the server's certificate is not checked. */
    TLS;

    Transport transport() {
      return this == TLS ? Transport.H2_TLS : Transport.H2C;
    }
  }

  /** An answer: its status, HTTP version, the workspace that served it, and its body. */
  record Reply(int status, HttpVersion version, String workspace, String body) {}

  private final HttpClient client;
  private final Mode mode;
  private final int port;

  private H2Client(HttpClient client, Mode mode, int port) {
    this.client = client;
    this.mode = mode;
    this.port = port;
  }

  /** Starts a client for the router server on {@code port} of 127.0.0.1. */
  static H2Client start(Mode mode, int port) throws Exception {
    ClientConnector connector = new ClientConnector();
    QueuedThreadPool threads = new QueuedThreadPool();
    threads.setName("h2-client");
    threads.setDaemon(true);
    connector.setExecutor(threads);
    SslContextFactory.Client tls = new SslContextFactory.Client(true);
    tls.setEndpointIdentificationAlgorithm(null);
    connector.setSslContextFactory(tls);
    HTTP2Client http2 = new HTTP2Client(connector);
    HttpClientTransport transport =
        mode == Mode.UPGRADE
            ? new HttpClientTransportDynamic(
                connector, HttpClientConnectionFactory.HTTP11, new ClientConnectionFactoryOverHTTP2.HTTP2(http2))
            : new HttpClientTransportOverHTTP2(http2);
    HttpClient client = new HttpClient(transport);
    client.setMaxConnectionsPerDestination(1);
    client.setFollowRedirects(false);
    InetAddress loopback = InetAddress.getLoopbackAddress();
    client.setSocketAddressResolver(
        (host, p, context, promise) -> promise.succeeded(List.of(new InetSocketAddress(loopback, p))));
    client.start();
    return new H2Client(client, mode, port);
  }

  /**
   * Sends a GET for {@code target} (a path and query) to {@code host} and waits for the answer. In
   * {@link Mode#UPGRADE}, every request asks for the upgrade on a connection of its own: Jetty's
   * client sends the requests after an upgrade on a new HTTP/1.1 connection.
   */
  Reply get(String host, String target) throws IOException {
    return send(host, target, mode == Mode.UPGRADE);
  }

  private Reply send(String host, String target, boolean upgrade) throws IOException {
    String scheme = mode == Mode.TLS ? "https" : "http";
    var request = client.newRequest(scheme + "://" + host + ":" + port + target).timeout(Await.DEADLINE.toSeconds(), TimeUnit.SECONDS);
    if (upgrade) {
      request.headers(
          h ->
              h.put(HttpHeader.UPGRADE, "h2c")
                  .put(HttpHeader.HTTP2_SETTINGS, "")
                  .put(HttpHeader.CONNECTION, "Upgrade, HTTP2-Settings"));
    }
    try {
      ContentResponse response = request.send();
      String workspace = response.getHeaders().get(dev.switchover.rawhttp.RawResponse.WORKSPACE_HEADER);
      return new Reply(
          response.getStatus(),
          response.getVersion(),
          workspace == null ? "" : workspace,
          response.getContentAsString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IOException(host + target + ": " + e, e);
    }
  }

  @Override
  public void close() throws IOException {
    try {
      client.stop();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while stopping the HTTP/2 client", e);
    } catch (Exception e) {
      throw new IOException("cannot stop the HTTP/2 client", e);
    }
  }
}
