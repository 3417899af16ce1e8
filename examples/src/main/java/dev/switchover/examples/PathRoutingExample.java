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
    int port = ExampleRun.port("PathRoutingExample", args, out);
    if (port < 0) {
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
      ok &= ExampleRun.expect(out, server.port(), SHOP, "/", "web");
      ok &= ExampleRun.expect(out, server.port(), SHOP, "/api/products", "api");
      ok &= ExampleRun.expect(out, server.port(), SHOP, "/api", "api");
      ok &= ExampleRun.expect(out, server.port(), SHOP, "/apix", "web"); // prefixes match whole segments only

      // Release the API alone: one prefix of the domain now points at api-v2.
      RoutingTable next =
          router.promote(HostName.parse(SHOP), PathPrefix.of("/api"), WorkspaceId.of("api-v2"));
      out.printf(Locale.ROOT, "revision %d: %s%n", next.revision(), next.description());
      ok &= ExampleRun.expect(out, server.port(), SHOP, "/api/products", "api-v2");
      ok &= ExampleRun.expect(out, server.port(), SHOP, "/", "web");
      out.println(ok ? "every answer came from the workspace its path routes to" : "UNEXPECTED ANSWERS");
      return ok ? BlueGreenDemo.OK : BlueGreenDemo.FAILED;
    } catch (Exception e) {
      out.println("the example failed: " + e);
      return BlueGreenDemo.FAILED;
    }
  }
}
