package dev.switchover.examples;

import dev.switchover.jetty.StrictFraming;
import java.net.URI;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/** A Jetty server on 127.0.0.1 with one handler: a shop version, or the router. */
final class LoopbackServer implements AutoCloseable {
  private final Server server;
  private final ServerConnector connector;

  private LoopbackServer(Server server, ServerConnector connector) {
    this.server = server;
    this.connector = connector;
  }

  /**
   * Starts a server for {@code handler} on {@code port} of 127.0.0.1 (0: a free port).
   *
   * @throws Exception if the server does not start, for instance because the port is taken
   */
  static LoopbackServer start(String name, Handler handler, int port) throws Exception {
    QueuedThreadPool threads = new QueuedThreadPool();
    threads.setName(name);
    threads.setDaemon(true);
    Server server = new Server(threads);
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(port);
    server.addConnector(connector);
    // The router refuses framing Jetty may read leniently; the servlet filter cannot do it itself.
    StrictFraming.apply(server);
    server.setHandler(handler);
    try {
      server.start();
    } catch (Exception e) {
      new LoopbackServer(server, connector).close();
      throw e;
    }
    return new LoopbackServer(server, connector);
  }

  int port() {
    return connector.getLocalPort();
  }

  /** {@code http://127.0.0.1:<port>}. */
  URI uri() {
    return URI.create("http://127.0.0.1:" + port());
  }

  /** Stops the server; a failure to stop is unchecked, as nothing can be done about it here. */
  @Override
  public void close() {
    try {
      server.stop();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      throw new IllegalStateException("could not stop " + server, e);
    }
  }
}
