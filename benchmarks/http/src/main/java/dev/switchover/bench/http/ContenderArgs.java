package dev.switchover.bench.http;

import java.nio.file.Path;

/**
 * The arguments every Java contender takes: {@code <port> <bluePort> <greenPort> <adminSocket>}.
 * The contender listens on {@code port}, proxies {@code shop.localhost} to {@code blue} first,
 * and, if it can switch, takes switch commands on the Unix domain socket {@code adminSocket}
 * ({@link SwitchAdmin}).
 */
record ContenderArgs(int port, int bluePort, int greenPort, Path adminSocket) {
  static ContenderArgs parse(String name, String[] args) {
    if (args.length != 4) {
      throw new IllegalArgumentException(
          "usage: " + name + " <port> <bluePort> <greenPort> <adminSocket>");
    }
    return new ContenderArgs(
        Loopback.port(args[0], "port"),
        Loopback.port(args[1], "bluePort"),
        Loopback.port(args[2], "greenPort"),
        Path.of(args[3]));
  }
}
