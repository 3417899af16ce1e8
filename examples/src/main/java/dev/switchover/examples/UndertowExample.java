package dev.switchover.examples;

import dev.switchover.Router;
import dev.switchover.RoutingTable;
import dev.switchover.undertow.SwitchoverHttpHandler;
import io.undertow.Undertow;
import io.undertow.server.HttpHandler;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The Undertow adapter: {@link SwitchoverHttpHandler} as the handler of an Undertow server on
 * 127.0.0.1, in front of two in-process Undertow handlers, {@code blue} (v1) and {@code green}
 * (v2).
 *
 * <p>The example asks for {@code shop.localhost} (served by {@code blue}) and for green's preview
 * host, promotes {@code shop.localhost} to {@code green}, asks again, and exits with 0 if every
 * answer came from the workspace expected. A host the table does not know is answered 421.
 * Option: {@code --port N}.
 */
public final class UndertowExample {
  private static final String SHOP = ExampleRun.SHOP;
  private static final String GREEN_PREVIEW = ExampleRun.GREEN_PREVIEW;
  private static final HttpString WORKSPACE_HEADER = HttpString.tryFromString(ShopApp.WORKSPACE_HEADER);

  private UndertowExample() {}

  /** Runs the example on standard output, and exits with its status. */
  public static void main(String[] args) {
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    System.exit(run(args, out));
  }

  /** Runs the example; 0 if every answer came from the expected workspace, 1 if not, 2 for bad arguments. */
  public static int run(String[] args, PrintStream out) {
    int port = ExampleRun.port("UndertowExample", args, out);
    if (port < 0) {
      return BlueGreenDemo.USAGE;
    }

    Router router = Router.create(ExampleRun.blueGreen()); // shop.localhost on blue
    // The router is the server's handler; each workspace here is an ordinary Undertow handler.
    SwitchoverHttpHandler switchover =
        SwitchoverHttpHandler.builder(router)
            .handler("blue", shop("blue", 1))
            .handler("green", shop("green", 2))
            .build();
    Undertow server =
        Undertow.builder().addHttpListener(port, "127.0.0.1").setHandler(switchover).build();
    try {
      server.start();
    } catch (RuntimeException e) { // Undertow wraps the bind failure, for instance a port taken
      out.println("Undertow did not start: " + e);
      switchover.close();
      return BlueGreenDemo.FAILED;
    }
    try {
      int actualPort = ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
      out.println("Undertow at http://127.0.0.1:" + actualPort + ": " + SHOP + " -> blue");
      boolean ok = true;
      ok &= ExampleRun.expect(out, actualPort, SHOP, "/", "blue");
      ok &= ExampleRun.expect(out, actualPort, GREEN_PREVIEW, "/", "green");
      ok &= ExampleRun.expect(out, actualPort, "other.localhost", "/", ""); // 421: not in the table

      RoutingTable next = router.promote(SHOP, "green");
      out.printf(Locale.ROOT, "revision %d: %s%n", next.revision(), next.description());
      ok &= ExampleRun.expect(out, actualPort, SHOP, "/", "green");
      out.println(ok ? "every answer came from the workspace expected" : "UNEXPECTED ANSWERS");
      return ok ? BlueGreenDemo.OK : BlueGreenDemo.FAILED;
    } catch (Exception e) {
      out.println("the example failed: " + e);
      return BlueGreenDemo.FAILED;
    } finally {
      server.stop();
      switchover.close();
    }
  }

  /** A one-page shop of version {@code version}, saying which workspace served it. */
  private static HttpHandler shop(String workspace, int version) {
    String page = "shop v" + version + " from " + workspace + "\n";
    return exchange -> {
      exchange.getResponseHeaders().put(WORKSPACE_HEADER, workspace);
      exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; charset=utf-8");
      exchange.getResponseSender().send(page, StandardCharsets.UTF_8);
    };
  }
}
