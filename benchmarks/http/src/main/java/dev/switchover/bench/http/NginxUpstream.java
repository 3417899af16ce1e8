package dev.switchover.bench.http;

/**
 * The {@code upstream shop} block that run.sh's nginx configuration includes, pointing at one
 * workspace's port, with idle keep-alive connections to it kept open. Printed by {@code main} for
 * run.sh's first configuration; rewritten by the {@link Switcher} for each switch.
 *
 * <p>Usage: {@code NginxUpstream <port>}
 */
public final class NginxUpstream {
  private NginxUpstream() {}

  static String block(int port) {
    return "upstream shop {\n"
        + "  server 127.0.0.1:" + port + ";\n"
        + "  keepalive 64;\n"
        + "  keepalive_requests 1000000;\n"
        + "}\n";
  }

  /** Prints the block for {@code port}. */
  public static void main(String[] args) {
    if (args.length != 1) {
      throw new IllegalArgumentException("usage: NginxUpstream <port>");
    }
    System.out.print(block(Loopback.port(args[0], "port")));
  }
}
