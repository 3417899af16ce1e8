package dev.switchover.bench.http;

import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.proxy.ProxyHandler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;

/**
 * A diagnostic contender between {@link PlainJettyProxy} and the Switchover adapter: stock
 * {@code ProxyHandler.Reverse} to {@code blue}, with no routing, but doing the per-request work
 * Switchover's proxy adds on top of jetty-proxy: {@code X-Forwarded-For/-Proto/-Host} headers
 * and a per-exchange idle timeout. The difference between it and the adapter is then the
 * routing itself (resolve, admission, in-flight counting, the request wrapper).
 *
 * <p>Usage: {@code ForwardingJettyProxy <port> <bluePort> <greenPort> <adminSocket>}
 * ({@code greenPort} and {@code adminSocket} are ignored).
 */
public final class ForwardingJettyProxy {
  private static final long IDLE_TIMEOUT_MILLIS = 30_000;

  private ForwardingJettyProxy() {}

  /** Starts the proxy and runs until killed. */
  public static void main(String[] args) throws Exception {
    ContenderArgs a = ContenderArgs.parse("ForwardingJettyProxy", args);
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
            }) {
          @Override
          protected org.eclipse.jetty.client.Request newProxyToServerRequest(
              Request clientToProxyRequest, HttpURI newHttpURI) {
            return super.newProxyToServerRequest(clientToProxyRequest, newHttpURI)
                .idleTimeout(IDLE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
          }

          @Override
          protected void addProxyHeaders(
              Request clientToProxyRequest, org.eclipse.jetty.client.Request proxyToServerRequest) {
            super.addProxyHeaders(clientToProxyRequest, proxyToServerRequest);
            String remote = Request.getRemoteAddr(clientToProxyRequest);
            String host = clientToProxyRequest.getHeaders().get(HttpHeader.HOST);
            proxyToServerRequest.headers(
                h -> {
                  h.put(HttpHeader.X_FORWARDED_FOR, remote);
                  h.put(HttpHeader.X_FORWARDED_PROTO, "http");
                  if (host != null) {
                    h.put(HttpHeader.X_FORWARDED_HOST, host);
                  }
                });
          }
        };
    Server server = new Server();
    Loopback.addConnector(server, a.port());
    server.setHandler(proxy);
    server.start();
    System.out.printf("Jetty ProxyHandler.Reverse with X-Forwarded-* on %d -> blue %d%n", a.port(), bluePort);
    server.join();
  }
}
