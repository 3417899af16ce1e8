/**
 * The Java parts of the end-to-end HTTP benchmark ({@code benchmarks/http/run.sh}): the upstream
 * workspaces, the proxies under test, and the switcher. Not published; run from the shaded jar.
 */
module dev.switchover.bench.http {
  requires dev.switchover.jetty;
  requires org.eclipse.jetty.server;
  requires org.eclipse.jetty.proxy;
  requires org.eclipse.jetty.client;
  requires jdk.httpserver;
}
