package dev.switchover.examples;

import dev.switchover.DomainStatus;
import dev.switchover.HostName;
import dev.switchover.PathPrefix;
import dev.switchover.Router;
import dev.switchover.RoutingTable;
import dev.switchover.WorkspaceId;
import dev.switchover.jetty.SwitchoverHandler;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Path-based routing: one domain whose {@code /api} is served by one workspace and everything else
 * by another, and a release of the API alone.
 *
 * <p>The three workspaces are in-process Jetty handlers (the other kind of target next to the
 * upstream servers of {@link BlueGreenDemo}), all behind one Jetty server on 127.0.0.1. The
 * example sends a few requests, promotes {@code /api} to {@code api-v2}, sends them again, and
 * exits with 0 if every answer came from the workspace expected. Option: {@code --port N}.
 */
public final class PathRoutingExample {
  private static final String SHOP = "shop.localhost";

  private PathRoutingExample() {}

  /** Runs the example on standard output, and exits with its status. */
  public static void main(String[] args) {
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    System.exit(run(args, out));
  }

  /** Runs the example; 0 if every answer came from the expected workspace, 1 if not, 2 for bad arguments. */
  public static int run(String[] args, PrintStream out) {
    int port = 0;
    if (args.length == 2 && args[0].equals("--port")) {
      try {
        port = Integer.parseInt(args[1]);
      } catch (NumberFormatException e) {
        out.println("--port needs a number, but got " + args[1]);
        return BlueGreenDemo.USAGE;
      }
    } else if (args.length != 0) {
      out.println("usage: PathRoutingExample [--port N]");
      return BlueGreenDemo.USAGE;
    }

    // One verified domain; /api (and /api/...) on one workspace, every other path on another.
    RoutingTable table =
        RoutingTable.builder()
            .workspace("web")
            .workspace("api")
            .workspace("api-v2")
            .domain(SHOP, DomainStatus.VERIFIED)
            .route(SHOP, "/", "web")
            .route(SHOP, "/api", "api")
            .build();
    Router router = Router.create(table);
    SwitchoverHandler switchover =
        SwitchoverHandler.builder(router)
            .handler("web", new ShopApp("web", 1))
            .handler("api", new ShopApp("api", 1))
            .handler("api-v2", new ShopApp("api-v2", 2))
            .build();

    try (LoopbackServer server = LoopbackServer.start("path-routing", switchover, port)) {
      out.println("router at " + server.uri() + ": " + SHOP + " / -> web, /api -> api");
      boolean ok = true;
      ok &= expect(out, server.port(), "/", "web");
      ok &= expect(out, server.port(), "/api/products", "api");
      ok &= expect(out, server.port(), "/api", "api");
      ok &= expect(out, server.port(), "/apix", "web"); // prefixes match whole segments only

      // Release the API alone: one prefix of the domain now points at api-v2.
      RoutingTable next =
          router.promote(HostName.parse(SHOP), PathPrefix.of("/api"), WorkspaceId.of("api-v2"));
      out.printf(Locale.ROOT, "revision %d: %s%n", next.revision(), next.description());
      ok &= expect(out, server.port(), "/api/products", "api-v2");
      ok &= expect(out, server.port(), "/", "web");
      out.println(ok ? "every answer came from the workspace its path routes to" : "UNEXPECTED ANSWERS");
      return ok ? BlueGreenDemo.OK : BlueGreenDemo.FAILED;
    } catch (Exception e) {
      out.println("the example failed: " + e);
      return BlueGreenDemo.FAILED;
    }
  }

  private static boolean expect(PrintStream out, int port, String path, String workspace) throws IOException {
    LoopbackConnection.Reply reply = LoopbackConnection.getOnce(port, SHOP, path);
    boolean ok = reply.workspace().equals(workspace);
    out.printf(Locale.ROOT, "  GET %-15s -> %d from %s%s%n",
        path, reply.status(), reply.workspace(), ok ? "" : " (expected " + workspace + ")");
    return ok;
  }
}
