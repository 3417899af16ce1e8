/**
 * Switchover guarded releases: a release that probes its target workspace before the switch and
 * watches it afterwards, rolling the switch back by compare-and-set when the workspace fails.
 */
module dev.switchover.guard {
  requires transitive dev.switchover.core;
  requires com.google.common;
  requires org.slf4j;
  requires java.net.http;

  exports dev.switchover.guard;
}
