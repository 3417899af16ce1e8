package dev.switchover.testkit;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.net.URI;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * An upstream workspace that speaks WebSocket: a Jetty server on a free loopback port whose every
 * WebSocket request reaches a {@link WebSocketEcho} endpoint of the app's name (the JDK's HTTP
 * server, which {@link WorkspaceServer} uses, has no WebSocket). Other requests are answered 404.
 */
public final class WebSocketWorkspaceServer implements AutoCloseable {
  private final Server server;
  private final ServerConnector connector;

  private WebSocketWorkspaceServer(Server server, ServerConnector connector) {
    this.server = server;
    this.connector = connector;
  }

  /** Starts a server for {@code app} on a free port of 127.0.0.1. */
  public static WebSocketWorkspaceServer start(WorkspaceApp app) throws Exception {
    requireNonNull(app, "app");
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    Handler notFound =
        new Handler.Abstract() {
          @Override
          public boolean handle(org.eclipse.jetty.server.Request request, Response response, Callback callback) {
            Response.writeError(request, response, callback, 404);
            return true;
          }
        };
    server.setHandler(JettyWebSocketEcho.handler(server, app.name(), notFound));
    server.start();
    return new WebSocketWorkspaceServer(server, connector);
  }

  /** The server's base URI, {@code http://127.0.0.1:<port>}. */
  public URI baseUri() {
    return URI.create("http://127.0.0.1:" + connector.getLocalPort());
  }

  /** Stops the server: its WebSockets are cut off. */
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
    return "WebSocketWorkspaceServer{" + baseUri() + "}";
  }
}
