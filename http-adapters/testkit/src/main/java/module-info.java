/**
 * The adapter conformance testkit: an abstract JUnit 5 suite that every Switchover adapter runs by
 * saying how to start a router server, and the loopback servers and raw clients it drives. Test
 * code only; never published.
 */
module dev.switchover.testkit {
  requires transitive dev.switchover.core;
  requires transitive dev.switchover.rawhttp;
  requires transitive org.junit.jupiter.api;
  requires transitive org.junit.jupiter.params;
  requires jdk.httpserver;
  requires org.eclipse.jetty.client;
  requires org.eclipse.jetty.http;
  requires org.eclipse.jetty.http2.client;
  requires org.eclipse.jetty.http2.hpack;
  requires org.eclipse.jetty.http2.client.transport;
  requires org.eclipse.jetty.io;
  requires transitive org.eclipse.jetty.server;
  requires org.eclipse.jetty.http2.server;
  requires org.eclipse.jetty.alpn.server;
  requires org.eclipse.jetty.util;
  requires transitive org.eclipse.jetty.websocket.api;
  requires transitive org.eclipse.jetty.websocket.server;
  requires java.net.http;
  requires org.slf4j;

  exports dev.switchover.testkit;

  opens dev.switchover.testkit to
      org.junit.platform.commons;
}
