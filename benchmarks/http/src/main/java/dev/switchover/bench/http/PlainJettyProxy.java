package dev.switchover.bench.http;

import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.proxy.ProxyHandler;
import org.eclipse.jetty.server.Server;

/**
 * The baseline for Switchover's own cost: stock jetty-proxy {@code ProxyHandler.Reverse} sending
 * every request to {@code blue}, with no routing, rewriting the URI the way Switchover's proxy
 * does (upstream scheme, host and port; the request's raw path and query).
 *
 * <p>Usage: {@code PlainJettyProxy <port> <bluePort> <greenPort> <adminSocket>} (the
 * {@code greenPort} and {@code adminSocket} are accepted, so that every Java contender takes the
 * same arguments, and ignored).
 */
public final class PlainJettyProxy {
  private PlainJettyProxy() {}

  /** Starts the proxy and runs until killed. */
  public static void main(String[] args) throws Exception {
    ContenderArgs a = ContenderArgs.parse("PlainJettyProxy", args);
    int bluePort = a.bluePort();
    ProxyHandler.Reverse proxy =
        new ProxyHandler.Reverse(
            request -> {
              HttpURI uri = request.getHttpURI();
              String path = uri.getPath();
              return HttpURI.build()
                  .scheme("http")
                  .host("127.0.0.1")
                  .port(bluePort)
                  .path(path == null || path.isEmpty() ? "/" : path)
                  .query(uri.getQuery());
            });
    Server server = new Server();
    Loopback.addConnector(server, a.port());
    server.setHandler(proxy);
    server.start();
    System.out.printf("plain Jetty ProxyHandler.Reverse on %d -> blue %d%n", a.port(), bluePort);
    server.join();
  }
}
