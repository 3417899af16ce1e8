package dev.switchover.bench.http;

/**
 * The arguments every Java contender takes: {@code <port> <bluePort> <greenPort> <adminPort>}. The
 * contender listens on {@code port}, proxies {@code shop.localhost} to {@code blue} first, and, if
 * it can switch, takes switch commands on {@code adminPort} ({@link SwitchAdmin}).
 */
record ContenderArgs(int port, int bluePort, int greenPort, int adminPort) {
  static ContenderArgs parse(String name, String[] args) {
    if (args.length != 4) {
      throw new IllegalArgumentException(
          "usage: " + name + " <port> <bluePort> <greenPort> <adminPort>");
    }
    return new ContenderArgs(
        Loopback.port(args[0], "port"),
        Loopback.port(args[1], "bluePort"),
        Loopback.port(args[2], "greenPort"),
        Loopback.port(args[3], "adminPort"));
  }
}
