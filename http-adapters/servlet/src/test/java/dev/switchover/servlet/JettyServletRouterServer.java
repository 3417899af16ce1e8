package dev.switchover.servlet;

import dev.switchover.testkit.RouterServer;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Servlet;
import java.util.EnumSet;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
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
    ServletContextHandler context = new ServletContextHandler("/");
    for (Map.Entry<String, Servlet> s : d.namedServlets().entrySet()) {
      ServletHolder holder = new ServletHolder(s.getKey(), s.getValue());
      holder.setAsyncSupported(true);
      context.getServletHandler().addServlet(holder);
    }
    ServletHolder fallback = new ServletHolder("fallback", d.defaultServlet());
    fallback.setAsyncSupported(true);
    context.addServlet(fallback, "/");
    FilterHolder filter = new FilterHolder(d.filter());
    filter.setAsyncSupported(true);
    context.addFilter(filter, "/*", EnumSet.of(DispatcherType.REQUEST));
    Server server = new Server();
    HttpConfiguration http = new HttpConfiguration();
    if (d.ambiguousSeparators()) {
      // Jetty refuses %2F and %5C itself unless both its parser and its servlet handler allow them.
      http.setUriCompliance(
          UriCompliance.DEFAULT.with(
              "separators",
              UriCompliance.Violation.AMBIGUOUS_PATH_SEPARATOR,
              UriCompliance.Violation.AMBIGUOUS_PATH_ENCODING,
              UriCompliance.Violation.SUSPICIOUS_PATH_CHARACTERS));
      context.getServletHandler().setDecodeAmbiguousURIs(true);
    }
    ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    server.setHandler(context);
    server.start();
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
