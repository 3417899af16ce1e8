package dev.switchover.testkit;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.jspecify.annotations.Nullable;

/**
 * An upstream workspace that speaks HTTP/2 and nothing else (unless its {@link Mode} says
 * otherwise): a Jetty server on a free loopback port that serves one {@link WorkspaceApp}, and
 * records the protocol and header fields of every request it received, so that a test can prove a
 * proxy reached it over HTTP/2 and sent no connection-specific field.
 *
 * <pre>{@code
 * try (Http2WorkspaceServer green = Http2WorkspaceServer.start(WorkspaceApp.named("green"), Mode.H2C)) {
 *   URI upstream = green.baseUri(); // h2c://127.0.0.1:<port>
 * }
 * }</pre>
 */
public final class Http2WorkspaceServer implements AutoCloseable {
  /** How the server accepts connections. */
  public enum Mode {
    /** Cleartext HTTP/2 with prior knowledge only: an HTTP/1.1 request is a protocol error. */
    H2C,
    /** TLS ({@link LoopbackTls}) with ALPN offering h2 only. */
    H2_TLS,
    /** TLS ({@link LoopbackTls}) with ALPN offering h2 and http/1.1: the client's choice. */
    TLS_H2_OR_HTTP_1_1,
    /** TLS ({@link LoopbackTls}) with ALPN offering http/1.1 only: it never chooses h2. */
    TLS_HTTP_1_1_ONLY
  }

  /** One request as the server received it: its protocol, {@code :authority} and fields. */
  public record Seen(String protocol, @Nullable String authority, Map<String, List<String>> fields) {
    public Seen {
      requireNonNull(protocol, "protocol");
      fields = Map.copyOf(fields);
    }
  }

  private final Server server;
  private final ServerConnector connector;
  private final Mode mode;
  private final String address;
  private final Queue<Seen> seen = new ConcurrentLinkedQueue<>();

  private Http2WorkspaceServer(Server server, ServerConnector connector, Mode mode, String address) {
    this.server = server;
    this.connector = connector;
    this.mode = mode;
    this.address = address;
  }

  /** Starts a server for {@code app} on a free port of 127.0.0.1. */
  public static Http2WorkspaceServer start(WorkspaceApp app, Mode mode) throws Exception {
    return start(app, mode, "127.0.0.1");
  }

  /**
   * Starts a server for {@code app} on a free port of {@code address}, a loopback address (its
   * certificate names 127.0.0.1 only).
   */
  public static Http2WorkspaceServer start(WorkspaceApp app, Mode mode, String address)
      throws Exception {
    requireNonNull(app, "app");
    requireNonNull(mode, "mode");
    Server server = new Server();
    HttpConfiguration http = new HttpConfiguration();
    ServerConnector connector = new ServerConnector(server, connectionFactories(http, mode));
    connector.setHost(address);
    server.addConnector(connector);
    Http2WorkspaceServer ws = new Http2WorkspaceServer(server, connector, mode, address);
    server.setHandler(ws.new AppHandler(app));
    server.start();
    return ws;
  }

  private static ConnectionFactory[] connectionFactories(HttpConfiguration http, Mode mode) {
    if (mode == Mode.H2C) {
      return new ConnectionFactory[] {new HTTP2CServerConnectionFactory(http)};
    }
    SslContextFactory.Server tls = new SslContextFactory.Server();
    tls.setKeyStore(LoopbackTls.keyStore());
    tls.setKeyStorePassword(LoopbackTls.PASSWORD);
    SecureRequestCustomizer secure = new SecureRequestCustomizer();
    secure.setSniHostCheck(false);
    http.addCustomizer(secure);
    if (mode == Mode.H2_TLS) {
      ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory("h2");
      alpn.setDefaultProtocol("h2");
      return new ConnectionFactory[] {
        new SslConnectionFactory(tls, alpn.getProtocol()), alpn, new HTTP2ServerConnectionFactory(http)
      };
    }
    if (mode == Mode.TLS_HTTP_1_1_ONLY) {
      ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory("http/1.1");
      alpn.setDefaultProtocol("http/1.1");
      return new ConnectionFactory[] {
        new SslConnectionFactory(tls, alpn.getProtocol()), alpn, new HttpConnectionFactory(http)
      };
    }
    ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory("h2", "http/1.1");
    alpn.setDefaultProtocol("http/1.1");
    return new ConnectionFactory[] {
      new SslConnectionFactory(tls, alpn.getProtocol()),
      alpn,
      new HTTP2ServerConnectionFactory(http),
      new HttpConnectionFactory(http)
    };
  }

  /**
   * The base URI to bind the workspace to: {@code h2c://<address>:<port>} or {@code
   * h2://<address>:<port>}; {@code https://<address>:<port>} for the modes that speak HTTP/1.1.
   */
  public URI baseUri() {
    String scheme =
        switch (mode) {
          case H2C -> "h2c";
          case H2_TLS -> "h2";
          case TLS_H2_OR_HTTP_1_1, TLS_HTTP_1_1_ONLY -> "https";
        };
    return URI.create(scheme + "://" + authority());
  }

  /** The server's authority, {@code 127.0.0.1:<port>}. */
  public String authority() {
    return address + ":" + connector.getLocalPort();
  }

  /** The requests received so far, in the order they arrived. */
  public List<Seen> seen() {
    return List.copyOf(seen);
  }

  /** Stops the server at once: connections are closed, in-flight exchanges are cut off. */
  @Override
  public void close() throws IOException {
    try {
      server.stop();
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("stopping " + this, e);
    }
  }

  @Override
  public String toString() {
    return "Http2WorkspaceServer{" + baseUri() + "}";
  }

  /** The app, bridged into a Jetty handler; the body is read whole before the app sees it. */
  private final class AppHandler extends Handler.Abstract {
    private final WorkspaceApp app;

    AppHandler(WorkspaceApp app) {
      this.app = app;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
      HttpURI uri = request.getHttpURI();
      Map<String, List<String>> fields = new LinkedHashMap<>();
      for (HttpField field : request.getHeaders()) {
        fields.computeIfAbsent(field.getLowerCaseName(), k -> new ArrayList<>()).add(field.getValue());
      }
      String protocol = request.getConnectionMetaData().getProtocol();
      seen.add(new Seen(protocol, uri.getAuthority(), fields));
      String target = uri.getPathQuery();
      AppRequest.Builder appRequest = AppRequest.builder(request.getMethod(), target == null ? "/" : target);
      for (HttpField field : request.getHeaders()) {
        appRequest.header(field.getName(), field.getValue());
      }
      if (!request.getHeaders().contains(HttpHeader.HOST) && uri.getAuthority() != null) {
        // An HTTP/2 request may carry its host as :authority only.
        appRequest.header("Host", uri.getAuthority());
      }
      byte[] body = Content.Source.asInputStream(request).readAllBytes();
      appRequest.body(body);
      AppRequest built = appRequest.build();
      try {
        var unused = app.serve(built)
            .whenComplete(
                (answer, failure) ->
                    write(
                        answer != null
                            ? answer
                            : AppResponse.text(500, app.name(), "failed: " + failure + "\n"),
                        response,
                        callback));
      } catch (IllegalStateException e) {
        write(AppResponse.text(500, app.name(), "failed: " + e.getMessage() + "\n"), response, callback);
      }
      return true;
    }

    private void write(AppResponse answer, Response response, Callback callback) {
      response.setStatus(answer.status());
      for (Map.Entry<String, String> h : answer.headers().entrySet()) {
        response.getHeaders().put(h.getKey(), h.getValue());
      }
      byte[] body = answer.body();
      response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
      response.write(true, ByteBuffer.wrap(body), callback);
    }

    @Override
    public String toString() {
      return "AppHandler{" + app.name() + "}";
    }
  }
}
