package dev.switchover.examples;

import dev.switchover.Router;
import dev.switchover.RoutingTable;
import dev.switchover.servlet.SwitchoverFilter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Locale;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;

/**
 * The servlet filter in a plain servlet application: two servlets, {@code blue-app} (v1) and
 * {@code green-app} (v2), and {@link SwitchoverFilter} on {@code /*} routing each request to one
 * of them, in an embedded Jetty 12 (ee10) servlet context on 127.0.0.1.
 *
 * <p>The container creates the filter and configures it from init parameters, as a {@code
 * web.xml} would: the router is a servlet-context attribute, and {@code workspace.<name>.servlet}
 * names the servlet of each workspace. The example asks for {@code shop.localhost} (on {@code
 * blue}) and for green's preview host, promotes {@code shop.localhost} to {@code green}, asks
 * again, and exits with 0 if every answer came from the workspace expected. Option: {@code --port
 * N}.
 */
public final class ServletFilterExample {
  private static final String SHOP = ExampleRun.SHOP;
  private static final String GREEN_PREVIEW = ExampleRun.GREEN_PREVIEW;

  private ServletFilterExample() {}

  /** Runs the example on standard output, and exits with its status. */
  public static void main(String[] args) {
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    System.exit(run(args, out));
  }

  /** Runs the example; 0 if every answer came from the expected workspace, 1 if not, 2 for bad arguments. */
  public static int run(String[] args, PrintStream out) {
    int port = ExampleRun.port("ServletFilterExample", args, out);
    if (port < 0) {
      return BlueGreenDemo.USAGE;
    }

    Router router = Router.create(ExampleRun.blueGreen()); // shop.localhost on blue

    ServletContextHandler context = new ServletContextHandler("/");
    context.setAttribute(SwitchoverFilter.DEFAULT_ROUTER_ATTRIBUTE, router);
    // The workspaces' servlets are named, not mapped: only the filter dispatches to them.
    context.getServletHandler().addServlet(new ServletHolder("blue-app", new ShopServlet("blue", 1)));
    context.getServletHandler().addServlet(new ServletHolder("green-app", new ShopServlet("green", 2)));
    FilterHolder filter = new FilterHolder(SwitchoverFilter.class);
    filter.setName("switchover");
    filter.setInitParameter("workspace.blue.servlet", "blue-app");
    filter.setInitParameter("workspace.green.servlet", "green-app");
    context.addFilter(filter, "/*", EnumSet.of(DispatcherType.REQUEST));

    try (LoopbackServer server = LoopbackServer.start("servlet-filter", context, port)) {
      out.println("servlet application at " + server.uri() + ": " + SHOP + " -> blue-app");
      boolean ok = true;
      ok &= ExampleRun.expect(out, server.port(), SHOP, "/", "blue");
      ok &= ExampleRun.expect(out, server.port(), SHOP, "/cart", "blue");
      ok &= ExampleRun.expect(out, server.port(), GREEN_PREVIEW, "/", "green");

      RoutingTable next = router.promote(SHOP, "green");
      out.printf(Locale.ROOT, "revision %d: %s%n", next.revision(), next.description());
      ok &= ExampleRun.expect(out, server.port(), SHOP, "/", "green");
      ok &= ExampleRun.expect(out, server.port(), SHOP, "/cart", "green");
      out.println(ok ? "every answer came from the workspace expected" : "UNEXPECTED ANSWERS");
      return ok ? BlueGreenDemo.OK : BlueGreenDemo.FAILED;
    } catch (Exception e) {
      out.println("the example failed: " + e);
      return BlueGreenDemo.FAILED;
    }
  }

  /** A one-page shop of one version, saying which workspace served it and which path it got. */
  private static final class ShopServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    private final String workspace;
    private final String page;

    ShopServlet(String workspace, int version) {
      this.workspace = workspace;
      this.page = "shop v" + version + " from " + workspace;
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
      response.setHeader(ShopApp.WORKSPACE_HEADER, workspace);
      response.setContentType("text/plain; charset=utf-8");
      response.getWriter().println(page + ": " + request.getRequestURI());
    }
  }
}
