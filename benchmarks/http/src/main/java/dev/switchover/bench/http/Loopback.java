package dev.switchover.bench.http;

import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/** The one way every Jetty process of the benchmark listens: HTTP/1.1 on 127.0.0.1. */
final class Loopback {
  private Loopback() {}

  static ServerConnector addConnector(Server server, int port) {
    HttpConfiguration config = new HttpConfiguration();
    config.setSendServerVersion(false);
    config.setSendDateHeader(false);
    ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(config));
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
