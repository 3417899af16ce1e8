package dev.switchover.servlet;

import dev.switchover.jetty.StrictFraming;
import dev.switchover.testkit.JettyTransport;
import dev.switchover.testkit.RouterServer;
import dev.switchover.testkit.Transport;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Servlet;
import java.util.EnumSet;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.websocket.jakarta.server.config.JakartaWebSocketServletContainerInitializer;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/** Jetty 12 (ee10) on a free loopback port with a deployment of the filter. */
final class JettyServletRouterServer implements RouterServer {
  private final Server server;
  private final ServerConnector connector;

  private JettyServletRouterServer(Server server, ServerConnector connector) {
    this.server = server;
    this.connector = connector;
  }

  /** The container on a free loopback port with {@code d} deployed. */
  static JettyServletRouterServer start(ServletRouterServers.Deployment d) throws Exception {
    FilterHolder filter = new FilterHolder(d.filter());
    filter.setAsyncSupported(true);
    ServletContextHandler context = context(filter, d.namedServlets(), d.defaultServlet());
    JakartaWebSocketServletContainerInitializer.configure(context, null); // the workspaces' WebSockets
    return start(context, d.ambiguousSeparators(), d.transport());
  }

  /**
   * A context on {@code /} with {@code filter} on {@code /*}, {@code namedServlets} under their
   * names and {@code fallback} on {@code /}; the servlets with async support.
   */
  static ServletContextHandler context(
      FilterHolder filter, Map<String, Servlet> namedServlets, Servlet fallback) {
    ServletContextHandler context = new ServletContextHandler("/");
    context.addFilter(filter, "/*", EnumSet.of(DispatcherType.REQUEST));
    for (Map.Entry<String, Servlet> s : namedServlets.entrySet()) {
      ServletHolder holder = new ServletHolder(s.getKey(), s.getValue());
      holder.setAsyncSupported(true);
      context.getServletHandler().addServlet(holder);
    }
    ServletHolder holder = new ServletHolder("fallback", fallback);
    holder.setAsyncSupported(true);
    context.addServlet(holder, "/");
    return context;
  }

  /**
   * Jetty on a free loopback port serving {@code context}; with {@code ambiguousSeparators}, Jetty
   * lets {@code %2F} and {@code %5C} reach it. A server that fails to start is stopped again.
   */
  static JettyServletRouterServer start(ServletContextHandler context, boolean ambiguousSeparators)
      throws Exception {
    return start(context, ambiguousSeparators, Transport.HTTP_1_1);
  }

  private static JettyServletRouterServer start(
      ServletContextHandler context, boolean ambiguousSeparators, Transport transport) throws Exception {
    Server server = new Server();
    HttpConfiguration http = new HttpConfiguration();
    if (ambiguousSeparators) {
      // Jetty refuses %2F and %5C itself unless both its parser and its servlet handler allow them.
      http.setUriCompliance(
          UriCompliance.DEFAULT.with(
              "separators",
              UriCompliance.Violation.AMBIGUOUS_PATH_SEPARATOR,
              UriCompliance.Violation.AMBIGUOUS_PATH_ENCODING,
              UriCompliance.Violation.SUSPICIOUS_PATH_CHARACTERS));
      context.getServletHandler().setDecodeAmbiguousURIs(true);
    }
    ServerConnector connector =
        new ServerConnector(server, JettyTransport.connectionFactories(http, transport));
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    StrictFraming.apply(server); // as servlet.md tells users of the filter on Jetty
    server.setHandler(context);
    try {
      server.start();
    } catch (Exception e) {
      try {
        server.stop();
      } catch (Exception stopping) {
        e.addSuppressed(stopping);
      }
      throw e;
    }
    return new JettyServletRouterServer(server, connector);
  }

  @Override
  public int port() {
    return connector.getLocalPort();
  }

  @Override
  public void stop() throws Exception {
    server.stop();
  }
}
