/**
 * Switchover for Jetty 12: a core {@code Handler} that routes each request through the router to
 * an in-process handler or, through jetty-proxy, to upstream servers. jetty-proxy and
 * jetty-client are needed only when a workspace is bound to upstream servers.
 */
module dev.switchover.jetty {
  requires transitive dev.switchover.core;
  requires dev.switchover.http;
  requires transitive org.eclipse.jetty.server;
  requires static org.eclipse.jetty.proxy;
  requires static org.eclipse.jetty.client;
  requires static org.eclipse.jetty.http2.client;
  requires static org.eclipse.jetty.http2.client.transport;
  requires static org.eclipse.jetty.websocket.core.common;
  requires static org.eclipse.jetty.websocket.core.server;
  requires static org.eclipse.jetty.websocket.core.client;
  requires org.slf4j;

  exports dev.switchover.jetty;
}
