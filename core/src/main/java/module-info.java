/**
 * Switchover core: immutable routing tables, the router with atomic promote, swap and rollback,
 * in-flight draining, domain verification, and the state-store and DNS look-up SPIs.
 */
module dev.switchover.core {
  requires transitive org.jspecify;
  requires com.google.common;
  requires org.slf4j;
  requires org.dnsjava;
  requires java.net.http;

  exports dev.switchover;
  exports dev.switchover.spi;
  exports dev.switchover.verification;
}
