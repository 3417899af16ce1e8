package dev.switchover.etcd;

import com.google.common.base.Splitter;
import dev.switchover.ChangeReason;
import dev.switchover.Router;
import dev.switchover.RoutingTable;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A router in a JVM of its own, for the fleet tests: it loads the state under a prefix and prints
 * each table it is given ({@code TABLE <revision> <shop's workspace>}), or {@code HALF <revision>}
 * if a swap routes the shop and its staging host to one workspace (a swap seen half done). On
 * standard input it takes {@code promote <host> <workspace>} and {@code quit}.
 */
final class FleetMember {
  private FleetMember() {}

  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    try (EtcdTableStore store = EtcdTableStore.builder().endpoints(Splitter.on(',').splitToList(args[0]).toArray(String[]::new)).keyPrefix(args[1]).build();
        Router router = Router.builder().store(store).build()) {
      router.addListener(t -> report(out, t));
      out.println("READY " + router.current().revision());
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      String line;
      while ((line = in.readLine()) != null && !line.equals("quit")) {
        List<String> words = Splitter.on(' ').splitToList(line);
        try {
          out.println("DONE " + router.promote(words.get(1), words.get(2)).revision());
        } catch (RuntimeException e) {
          out.println("ERROR " + e.getMessage());
        }
      }
    }
  }

  private static void report(PrintStream out, RoutingTable t) {
    String shop = t.resolve("shop.example.com", "/").workspace().name();
    String staging = t.resolve("staging.example.com", "/").workspace().name();
    out.println((t.reason() == ChangeReason.SWAP && shop.equals(staging) ? "HALF " : "TABLE ") + t.revision() + " " + shop);
  }
}
