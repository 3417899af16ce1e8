package dev.switchover.examples;

import dev.switchover.DomainStatus;
import dev.switchover.RoutingTable;
import dev.switchover.rawhttp.RawResponse;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Locale;

/** What the small examples share: their one option, and a request whose answer they check. */
final class ExampleRun {
  static final String SHOP = "shop.localhost";
  static final String GREEN_PREVIEW = "green.preview.localhost";

  private ExampleRun() {}

  /**
   * The table of the adapter examples: workspaces {@code blue} and {@code green}, the verified
   * domain {@value #SHOP} on {@code blue}, and {@value #GREEN_PREVIEW} previewing {@code green}.
   */
  static RoutingTable blueGreen() {
    return RoutingTable.builder()
        .workspace("blue")
        .workspace("green")
        .domain(SHOP, DomainStatus.VERIFIED)
        .route(SHOP, "/", "blue")
        .previewSuffix("preview.localhost")
        .previewHost(GREEN_PREVIEW, "green")
        .build();
  }

  /**
   * Parses the arguments of an example that takes only {@code [--port N]}.
   *
   * @return the port (0 if none was given: a free one), or -1 after printing why the arguments are
   *     wrong
   */
  static int port(String example, String[] args, PrintStream out) {
    if (args.length == 0) {
      return 0;
    }
    if (args.length == 2 && args[0].equals("--port")) {
      try {
        int port = Integer.parseInt(args[1]);
        if (port >= 0 && port <= 65_535) {
          return port;
        }
      } catch (NumberFormatException e) {
        // answered below
      }
      out.println("--port needs a port number, but got " + args[1]);
      return -1;
    }
    out.println("usage: " + example + " [--port N]");
    return -1;
  }

  /**
   * Sends {@code GET path} for {@code host} to 127.0.0.1:{@code port} on a new connection, prints
   * the answer, and says whether it came from {@code workspace} (empty: from no workspace).
   */
  static boolean expect(PrintStream out, int port, String host, String path, String workspace)
      throws IOException {
    RawResponse reply = ShopRequests.getOnce(port, host, path);
    String servedBy = ShopRequests.workspace(reply);
    boolean ok = servedBy.equals(workspace);
    out.printf(Locale.ROOT, "  %-23s GET %-15s -> %d from %s%s%n",
        host, path, reply.status(), servedBy.isEmpty() ? "-" : servedBy,
        ok ? "" : " (expected " + (workspace.isEmpty() ? "none" : workspace) + ")");
    return ok;
  }
}
