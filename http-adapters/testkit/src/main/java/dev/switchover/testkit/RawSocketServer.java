package dev.switchover.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A raw {@link ServerSocket} on a free loopback port that hands each connection to {@link #serve}
 * on a thread of its own: the ground the suite's hand-written upstreams stand on, so that nothing
 * between the proxy and the test is lenient or clever. Thread-safe.
 */
abstract class RawSocketServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RawSocketServer.class);

  private final ServerSocket socket;
  private final ExecutorService executor;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();

  /** Binds a free port of 127.0.0.1; {@link #startAccepting} starts serving. */
  RawSocketServer(String threadName) throws IOException {
    this.socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    AtomicInteger threads = new AtomicInteger();
    this.executor =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, threadName + "-" + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
  }

  /** Serves one accepted connection; the connection is closed when this returns. */
  abstract void serve(Socket connection) throws IOException;

  final void startAccepting() {
    executor.execute(this::acceptLoop);
  }

  /** The base URI, {@code http://127.0.0.1:<port>}. */
  public URI baseUri() {
    return URI.create(
        "http://" + socket.getInetAddress().getHostAddress() + ":" + socket.getLocalPort());
  }

  /** How many connections are open now. */
  public int openConnections() {
    return open.size();
  }

  /** Stops accepting and closes every connection still open. */
  @Override
  public void close() throws IOException {
    try {
      socket.close();
      for (Socket connection : open) {
        connection.close();
      }
    } finally {
      executor.shutdownNow();
    }
  }

  private void acceptLoop() {
    while (!socket.isClosed()) {
      Socket connection;
      try {
        connection = socket.accept();
      } catch (IOException e) {
        if (!socket.isClosed()) {
          log.warn("{} stopped accepting", this, e);
        }
        return;
      }
      open.add(connection);
      executor.execute(
          () -> {
            try (connection) {
              serve(connection);
            } catch (IOException e) {
              log.debug("{}: the connection ended", this, e);
            } finally {
              open.remove(connection);
            }
          });
    }
  }
}
