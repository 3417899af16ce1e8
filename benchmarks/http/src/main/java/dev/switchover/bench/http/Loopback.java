package dev.switchover.bench.http;

import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * The one way every Jetty process of the benchmark listens: HTTP/1.1 on 127.0.0.1, and with the
 * system property {@value #H2C} set (run.sh's {@code PROTOCOL=h2c}), HTTP/2 over cleartext with
 * prior knowledge on the same port too.
 */
final class Loopback {
  /** The system property that adds h2c to every listener of the benchmark's processes. */
  static final String H2C = "switchover.bench.h2c";

  private Loopback() {}

  /** Whether the processes listen for h2c too. */
  static boolean h2c() {
    return Boolean.getBoolean(H2C);
  }

  static ServerConnector addConnector(Server server, int port) {
    HttpConfiguration config = new HttpConfiguration();
    config.setSendServerVersion(false);
    config.setSendDateHeader(false);
    ServerConnector connector =
        h2c()
            ? new ServerConnector(server, new HttpConnectionFactory(config), new HTTP2CServerConnectionFactory(config))
            : new ServerConnector(server, new HttpConnectionFactory(config));
    connector.setHost("127.0.0.1");
    connector.setPort(port);
    server.addConnector(connector);
    return connector;
  }

  static int port(String arg, String name) {
    int port;
    try {
      port = Integer.parseInt(arg);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a port number, but was " + arg, e);
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException(name + " must be a port number, but was " + arg);
    }
    return port;
  }
}
