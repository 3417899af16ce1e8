package dev.switchover.examples;

import dev.switchover.HostName;
import dev.switchover.Route;
import dev.switchover.RoutingTable;
import dev.switchover.SwitchoverException;
import dev.switchover.WorkspaceId;
import dev.switchover.rawhttp.RawResponse;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The interactive demo: reads commands, one a line, until {@code quit} or the end of the input,
 * and answers on the output. Writes go through the {@link Switchboard}; a refused write (an
 * unknown workspace, nothing to roll back to) is reported and changes nothing.
 */
final class CommandLoop {
  private static final Pattern WORDS = Pattern.compile("\\s+");
  static final String HELP =
      """
      commands:
        status                         the current table, and what each workspace served
        promote <domain> <workspace>   point every route of a domain at a workspace
        swap <domainA> <domainB>       trade the workspaces behind two domains
        rollback                       publish the routing before the last change again
        history                        the current revision and the ones before it
        get <host> [path]              send one request through the router
        help                           this list
        quit                           stop everything and exit""";

  private final ShopDeployment shop;
  private final Switchboard switchboard;
  private final PrintStream out;

  CommandLoop(ShopDeployment shop, Switchboard switchboard, PrintStream out) {
    this.shop = shop;
    this.switchboard = switchboard;
    this.out = out;
  }

  /** Answers commands from {@code in} until {@code quit} or its end. */
  void run(InputStream in) throws IOException {
    BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    out.println(HELP);
    while (true) {
      out.print("> ");
      out.flush();
      String line = reader.readLine();
      if (line == null) {
        out.println();
        return;
      }
      List<String> words = List.of(WORDS.split(line.strip()));
      if (words.get(0).isEmpty()) {
        continue;
      }
      String command = words.get(0).toLowerCase(Locale.ROOT);
      if (command.equals("quit") || command.equals("exit")) {
        return;
      }
      try {
        execute(command, words.subList(1, words.size()));
      } catch (SwitchoverException | IllegalArgumentException | IllegalStateException refused) {
        out.println("refused, nothing changed: " + refused.getMessage());
      }
      out.flush();
    }
  }

  private void execute(String command, List<String> args) {
    switch (command) {
      case "status" -> {
        expect(args, 0, "status");
        status();
      }
      case "promote" -> {
        expect(args, 2, "promote <domain> <workspace>");
        report(switchboard.promote(args.get(0), args.get(1)));
      }
      case "swap" -> {
        expect(args, 2, "swap <domainA> <domainB>");
        report(switchboard.swap(args.get(0), args.get(1)));
      }
      case "rollback" -> {
        expect(args, 0, "rollback");
        report(switchboard.rollback());
      }
      case "history" -> {
        expect(args, 0, "history");
        history();
      }
      case "get" -> {
        if (args.isEmpty() || args.size() > 2) {
          out.println("usage: get <host> [path]");
          return;
        }
        get(args.get(0), args.size() == 2 ? args.get(1) : "/");
      }
      case "help" -> out.println(HELP);
      default -> out.println("unknown command \"" + command + "\"; type help");
    }
  }

  private static void expect(List<String> args, int count, String usage) {
    if (args.size() != count) {
      throw new IllegalArgumentException("usage: " + usage);
    }
  }

  private void report(Switchboard.Switch made) {
    out.printf(Locale.ROOT, "revision %d: %s (published in %s, CPU %s)%n",
        made.revision(), made.description(), made.micros(), made.cpuMicros());
  }

  private void status() {
    RoutingTable table = switchboard.router().current();
    out.printf(Locale.ROOT, "revision %d (%s)%n", table.revision(), table.description());
    for (Route route : table.routes()) {
      HostName host = route.host();
      String kind = table.domainStatus(host).map(s -> "domain, " + s).orElse("preview host");
      out.printf(Locale.ROOT, "  %-26s %-6s -> %-6s (%s)%n", host, route.prefix(), route.workspace(), kind);
    }
    for (ShopApp app : shop.apps()) {
      out.printf(Locale.ROOT, "  %-6s shop v%d: served %,d, in flight now %d%n",
          app.workspace(), app.version(), app.served(),
          switchboard.router().inFlight(WorkspaceId.of(app.workspace())));
    }
  }

  private void history() {
    RoutingTable current = switchboard.router().current();
    out.printf(Locale.ROOT, "  revision %-4d %-13s %s  (current)%n", current.revision(), current.reason(), current.description());
    for (RoutingTable t : switchboard.router().history()) {
      out.printf(Locale.ROOT, "  revision %-4d %-13s %s%n", t.revision(), t.reason(), t.description());
    }
  }

  private void get(String host, String path) {
    try {
      RawResponse reply = ShopRequests.getOnce(shop.port(), host, path);
      String workspace = ShopRequests.workspace(reply);
      String from = workspace.isEmpty() ? "router" : workspace;
      out.printf(Locale.ROOT, "%d from %s: %s%n", reply.status(), from, ShopRequests.firstLine(reply));
    } catch (IOException e) {
      out.println("request failed: " + e);
    }
  }
}
