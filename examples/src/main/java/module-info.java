/**
 * Runnable examples of Switchover: the blue-green demo ({@code BlueGreenDemo}), path-based
 * routing, domain verification, the Undertow handler, the servlet filter and a fleet sharing its state through etcd. Not published; nothing else depends on it.
 */
module dev.switchover.examples {
  requires dev.switchover.jetty;
  requires dev.switchover.undertow; // reads Undertow's automatic module undertow.core through it
  requires dev.switchover.servlet; // and jakarta.servlet
  requires dev.switchover.admin; // the Domains page of --admin
  requires dev.switchover.guard; // GuardedReleaseExample
  requires dev.switchover.micrometer; // and its /metrics (through it, Micrometer's automatic modules)
  requires org.eclipse.jetty.ee10.servlet;
  requires org.eclipse.jetty.proxy; // the adapter's upstream targets go through jetty-proxy
  requires org.eclipse.jetty.client;
  requires java.management; // the CPU time of a switch
  requires com.google.common;
  requires dev.switchover.etcd;
  requires dev.switchover.etcd.local;
  requires dev.switchover.rawhttp; // the clients' raw HTTP/1.1 connections, with any Host
}
