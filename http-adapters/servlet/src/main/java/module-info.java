/**
 * Switchover for Jakarta Servlet 6: a {@code Filter} that routes each request through the router
 * to a servlet of the application or, through the JDK's HTTP client, to upstream servers.
 */
module dev.switchover.servlet {
  requires transitive dev.switchover.core;
  requires transitive jakarta.servlet;
  requires java.net.http;
  requires org.slf4j;

  exports dev.switchover.servlet;
}
