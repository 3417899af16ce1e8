package dev.switchover.testkit;

/**
 * A running server with the adapter under test in front of its workspaces, listening on a
 * loopback port. The suite stops it after each test.
 */
public interface RouterServer {
  /** The loopback port (on 127.0.0.1) the server listens on. */
  int port();

  /** Stops the server and releases its resources. */
  void stop() throws Exception;
}
