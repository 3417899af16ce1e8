package dev.switchover.bench.http;

import dev.switchover.Router;
import dev.switchover.servlet.SwitchoverFilter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.util.EnumSet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;

/**
 * The Switchover servlet filter as a reverse proxy: {@link SwitchoverFilter} on {@code /*} of a
 * servlet context, routing {@code shop.localhost} through the router to the {@code blue} or
 * {@code green} upstream (which the filter reaches through Jetty's proxy servlet), switched through
 * {@link SwitchAdmin}.
 *
 * <p>The container is embedded Jetty 12 (ee10), on the same connector as the Jetty contenders
 * ({@link Loopback}): the server core, its threads and its HTTP/1.1 parsing are then the same as
 * for {@code jetty-plain} and {@code switchover-jetty}, and what differs is the filter and its
 * forwarding. The filter answers every request itself (421 for a host it does not know); the one
 * servlet, mapped to {@code /}, is never reached and is there so that the request's whole chain is
 * {@code asyncSupported}, which the filter needs to proxy.
 *
 * <p>Usage: {@code SwitchoverServletProxy <port> <bluePort> <greenPort> <adminSocket>}
 */
public final class SwitchoverServletProxy {
  private SwitchoverServletProxy() {}

  /** Starts the proxy and its admin endpoint, and runs until killed. */
  public static void main(String[] args) throws Exception {
    ContenderArgs a = ContenderArgs.parse("SwitchoverServletProxy", args);
    Router router = SwitchAdmin.newRouter();
    SwitchoverFilter filter =
        SwitchoverFilter.builder(router)
            .upstream("blue", URI.create("http://127.0.0.1:" + a.bluePort()))
            .upstream("green", URI.create("http://127.0.0.1:" + a.greenPort()))
            .build();
    ServletContextHandler context = new ServletContextHandler("/");
    FilterHolder filterHolder = new FilterHolder(filter);
    filterHolder.setName("switchover");
    filterHolder.setAsyncSupported(true);
    context.addFilter(filterHolder, "/*", EnumSet.of(DispatcherType.REQUEST));
    ServletHolder notFound = new ServletHolder("not-found", new NotFound());
    notFound.setAsyncSupported(true);
    context.addServlet(notFound, "/");
    Server server = new Server();
    Loopback.addConnector(server, a.port());
    server.setHandler(context);
    server.start();
    SwitchAdmin.Releases releases = new SwitchAdmin.Releases(router);
    SwitchAdmin.startSocket(a.adminSocket(), releases);
    System.out.printf(
        "Switchover servlet filter (Jetty ee10) on %d (admin socket %s) -> blue %d / green %d%n",
        a.port(), a.adminSocket(), a.bluePort(), a.greenPort());
    server.join();
  }

  /** The end of the filter chain, which the filter never passes a request down: 404. */
  private static final class NotFound extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response)
        throws IOException {
      response.sendError(HttpServletResponse.SC_NOT_FOUND);
    }
  }
}
