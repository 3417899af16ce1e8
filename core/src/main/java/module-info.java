/**
 * Switchover core: immutable routing tables, the router with atomic promote, swap and rollback,
 * in-flight draining, and the state-store SPI.
 */
module dev.switchover.core {
  requires transitive org.jspecify;
  requires com.google.common;
  requires org.slf4j;

  exports dev.switchover;
  exports dev.switchover.spi;
}
