/**
 * Switchover for Undertow: an {@code HttpHandler} that routes each request through the router to
 * an in-process handler or, through Undertow's {@code ProxyHandler}, to upstream servers.
 * Undertow ships without a module descriptor; its automatic module is {@code undertow.core}.
 */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module dev.switchover.undertow {
  requires transitive dev.switchover.core;
  requires dev.switchover.http;
  requires transitive undertow.core;
  requires xnio.api;
  requires org.slf4j;

  exports dev.switchover.undertow;
}
