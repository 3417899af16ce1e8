package dev.switchover.examples;

import dev.switchover.Router;
import dev.switchover.RoutingTable;
import dev.switchover.etcd.EtcdTableStore;
import dev.switchover.etcd.StoreUnavailableException;
import dev.switchover.etcd.local.LocalEtcd;
import dev.switchover.jetty.SwitchoverHandler;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * A fleet of two routers sharing one routing state through etcd: a promote on one is served by
 * both, a rollback from the other undoes it on both, and with etcd stopped both keep serving.
 *
 * <p>It starts a local etcd member when the {@code etcd} binary is installed (or uses {@code
 * --etcd URL}, which it does not stop), two routers on two ports of 127.0.0.1, each with its own
 * store on one key prefix and its own Jetty server, and the shop's {@code blue} and {@code green}
 * versions as in-process handlers. It exits with 0 if every answer came from the workspace
 * expected.
 */
public final class FleetExample {
  private static final String USAGE_TEXT = "usage: FleetExample [--etcd URL]";

  private FleetExample() {}

  /** Runs the example on standard output, and exits with its status. */
  public static void main(String[] args) {
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    System.exit(run(args, out));
  }

  /** Runs the example; 0 if every answer came as expected, 1 if not, 2 for bad arguments or no etcd. */
  public static int run(String[] args, PrintStream out) {
    String url = null;
    if (args.length == 2 && args[0].equals("--etcd")) {
      url = args[1];
    } else if (args.length != 0) {
      out.println(USAGE_TEXT);
      return BlueGreenDemo.USAGE;
    }
    if (url == null && !LocalEtcd.isInstalled()) {
      out.println("etcd is not installed: apt-get install etcd-server, or give --etcd URL of a running etcd");
      return BlueGreenDemo.USAGE;
    }
    List<AutoCloseable> open = new ArrayList<>();
    try {
      LocalEtcd local = null;
      String[] endpoints;
      if (url == null) {
        local = LocalEtcd.start(1);
        open.add(local);
        endpoints = local.endpoints();
        out.println("started a local etcd at " + endpoints[0]);
      } else {
        endpoints = new String[] {url};
      }
      boolean ok = fleet(out, endpoints, local, open);
      out.println(ok ? "both routers served every answer from the workspace expected" : "UNEXPECTED ANSWERS");
      return ok ? BlueGreenDemo.OK : BlueGreenDemo.FAILED;
    } catch (Exception e) {
      out.println("the example failed: " + e);
      return BlueGreenDemo.FAILED;
    } finally {
      for (int i = open.size() - 1; i >= 0; i--) {
        try {
          open.get(i).close();
        } catch (Exception e) {
          out.println("could not close " + open.get(i) + ": " + e);
        }
      }
    }
  }

  private static boolean fleet(PrintStream out, String[] endpoints, @Nullable LocalEtcd local, List<AutoCloseable> open)
      throws Exception {
    // A fresh prefix, so that a run never finds an earlier run's state; a real fleet names its own.
    String prefix = "/switchover-examples/fleet-" + UUID.randomUUID() + "/";
    List<Router> routers = new ArrayList<>();
    List<LoopbackServer> servers = new ArrayList<>();
    for (int i = 1; i <= 2; i++) {
      EtcdTableStore.Builder store =
          EtcdTableStore.builder().endpoints(endpoints).keyPrefix(prefix).writeTimeout(Duration.ofSeconds(1));
      if (i == 1) {
        store.initialTable(ExampleRun.blueGreen()); // the first router writes it; the second loads it
      }
      EtcdTableStore s = store.build();
      open.add(s);
      Router router = Router.builder().store(s).build();
      open.add(router);
      LoopbackServer server =
          LoopbackServer.start("fleet-router-" + i, SwitchoverHandler.builder(router)
                  // each router's server has its own copy of the shop's two versions (a Jetty
                  // handler belongs to one server); in a real fleet they are upstream servers
                  .handler("blue", new ShopApp("blue", 1))
                  .handler("green", new ShopApp("green", 2))
                  .build(),
              0);
      open.add(server);
      routers.add(router);
      servers.add(server);
      out.println("router " + i + " at " + server.uri() + ", state under " + prefix);
    }
    boolean ok = both(out, servers, "blue");

    RoutingTable promoted = routers.get(0).promote(ExampleRun.SHOP, "green");
    out.printf(Locale.ROOT, "router 1, revision %d: %s%n", promoted.revision(), promoted.description());
    ok &= awaitRevision(routers.get(1), promoted.revision());
    ok &= both(out, servers, "green");

    RoutingTable back = routers.get(1).rollback();
    out.printf(Locale.ROOT, "router 2, revision %d: %s%n", back.revision(), back.description());
    ok &= awaitRevision(routers.get(0), back.revision());
    ok &= both(out, servers, "blue");

    if (local == null) {
      out.println("(etcd was given with --etcd: it is not stopped)");
      return ok;
    }
    local.stopAll();
    out.println("etcd stopped");
    ok &= both(out, servers, "blue");
    try {
      routers.get(0).promote(ExampleRun.SHOP, "green");
      out.println("a promote with etcd stopped was accepted: UNEXPECTED");
      ok = false;
    } catch (StoreUnavailableException e) {
      out.println("router 1 refused a promote: " + e.getMessage());
    }
    return ok;
  }

  private static boolean both(PrintStream out, List<LoopbackServer> servers, String workspace) throws Exception {
    boolean ok = true;
    for (LoopbackServer s : servers) {
      ok &= ExampleRun.expect(out, s.port(), ExampleRun.SHOP, "/", workspace);
    }
    return ok;
  }

  /** Waits up to 10 s for a router to be at {@code revision}, as the watch brings it. */
  private static boolean awaitRevision(Router router, long revision) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (router.current().revision() < revision) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(1);
    }
    return true;
  }
}
