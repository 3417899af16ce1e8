package dev.switchover.guard;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/** A server on a loopback port that answers 200 while a flag says healthy and 503 otherwise. */
final class Flapping implements AutoCloseable {
  private final HttpServer server;
  private final AtomicInteger requests = new AtomicInteger();

  private Flapping(HttpServer server) {
    this.server = server;
  }

  static Flapping start(AtomicBoolean healthy) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    Flapping f = new Flapping(server);
    server.createContext(
        "/",
        exchange -> {
          try (exchange) {
            f.requests.incrementAndGet();
            exchange.sendResponseHeaders(healthy.get() ? 200 : 503, -1);
          }
        });
    server.start();
    return f;
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/health");
  }

  int requests() {
    return requests.get();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
