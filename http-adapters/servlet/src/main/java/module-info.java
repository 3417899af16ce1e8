/**
 * Switchover for Jakarta Servlet 6: a {@code Filter} that routes each request through the router
 * to a servlet of the application or, through Jetty's proxy servlet on jetty-client, to upstream
 * servers.
 */
module dev.switchover.servlet {
  requires transitive dev.switchover.core;
  requires transitive jakarta.servlet;
  requires dev.switchover.http;
  requires org.eclipse.jetty.ee10.proxy;
  requires org.eclipse.jetty.client;
  requires static org.eclipse.jetty.http2.client;
  requires static org.eclipse.jetty.http2.client.transport;
  requires org.eclipse.jetty.http;
  requires org.slf4j;

  exports dev.switchover.servlet;
}
