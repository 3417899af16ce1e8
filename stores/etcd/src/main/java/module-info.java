/**
 * Switchover's etcd store: the routing state a fleet of routers shares, in etcd through jetcd.
 * jetcd ships no module descriptor, so it is required by its file-derived name.
 */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module dev.switchover.etcd {
  requires transitive dev.switchover.core;
  requires transitive jetcd.core;
  requires jetcd.common;
  requires com.fasterxml.jackson.databind;
  requires com.google.common;
  requires org.slf4j;

  exports dev.switchover.etcd;
}
