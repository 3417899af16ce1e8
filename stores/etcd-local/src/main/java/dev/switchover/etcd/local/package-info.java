/** {@link dev.switchover.etcd.local.LocalEtcd}: etcd members on loopback, for tests and demos. */
@NullMarked
package dev.switchover.etcd.local;

import org.jspecify.annotations.NullMarked;
