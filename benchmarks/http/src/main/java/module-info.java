/**
 * The Java parts of the end-to-end HTTP benchmark ({@code benchmarks/http/run.sh}): the upstream
 * workspaces, the proxies under test, and the switcher. Not published; run from the shaded jar.
 */
module dev.switchover.bench.http {
  requires dev.switchover.jetty;
  requires dev.switchover.undertow; // reads Undertow's automatic module undertow.core through it
  requires dev.switchover.servlet; // and jakarta.servlet
  requires org.eclipse.jetty.ee10.servlet;
  requires org.eclipse.jetty.ee10.proxy;
  requires org.eclipse.jetty.server;
  requires org.eclipse.jetty.http2.server; // h2c listeners (PROTOCOL=h2c)
  requires org.eclipse.jetty.websocket.api; // the upstreams' echo (PROTOCOL=ws)
  requires org.eclipse.jetty.websocket.server;
  requires java.net.http; // WsRate
  requires org.eclipse.jetty.proxy;
  requires org.eclipse.jetty.client;
  requires dev.switchover.rawhttp; // the switcher's probe
}
