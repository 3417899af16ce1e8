/**
 * Local etcd members as child processes ({@code LocalEtcd}), for the etcd store's tests, the
 * fleet example and the fleet benchmark. Not published.
 */
module dev.switchover.etcd.local {
  requires transitive org.jspecify;
  requires java.net.http;

  exports dev.switchover.etcd.local;
}
