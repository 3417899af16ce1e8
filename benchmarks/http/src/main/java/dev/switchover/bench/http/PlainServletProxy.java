package dev.switchover.bench.http;

import org.eclipse.jetty.ee10.proxy.AsyncProxyServlet;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;

/**
 * The baseline for the servlet filter's own cost: stock Jetty {@code AsyncProxyServlet.Transparent}
 * (the proxy the filter forwards through) in the same container (Jetty ee10), sending every request
 * to {@code blue}, keeping the client's {@code Host}, with no routing.
 *
 * <p>Usage: {@code PlainServletProxy <port> <bluePort> <greenPort> <adminSocket>} (the last two are
 * accepted, so that every Java contender takes the same arguments, and ignored).
 */
public final class PlainServletProxy {
  private PlainServletProxy() {}

  /** Starts the proxy and runs until killed. */
  public static void main(String[] args) throws Exception {
    ContenderArgs a = ContenderArgs.parse("PlainServletProxy", args);
    ServletContextHandler context = new ServletContextHandler("/");
    ServletHolder proxy = new ServletHolder("proxy", AsyncProxyServlet.Transparent.class);
    proxy.setInitParameter("proxyTo", "http://127.0.0.1:" + a.bluePort());
    proxy.setInitParameter("preserveHost", "true");
    proxy.setInitParameter("maxThreads", "256");
    proxy.setAsyncSupported(true);
    context.addServlet(proxy, "/*");
    Server server = new Server();
    Loopback.addConnector(server, a.port());
    server.setHandler(context);
    server.start();
    System.out.printf("plain Jetty AsyncProxyServlet (ee10) on %d -> blue %d%n", a.port(), a.bluePort());
    server.join();
  }
}
