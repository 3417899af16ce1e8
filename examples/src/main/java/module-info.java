/**
 * Runnable examples of Switchover: the blue-green demo ({@code BlueGreenDemo}), path-based
 * routing and domain verification. Not published; nothing else depends on it.
 */
module dev.switchover.examples {
  requires dev.switchover.jetty;
  requires org.eclipse.jetty.proxy; // the adapter's upstream targets go through jetty-proxy
  requires org.eclipse.jetty.client;
  requires java.management; // the CPU time of a switch
  requires com.google.common;
}
