/**
 * The etcd {@link dev.switchover.spi.TableStore}: {@link dev.switchover.etcd.EtcdTableStore}, its
 * wire format and its exceptions.
 */
@NullMarked
package dev.switchover.etcd;

import org.jspecify.annotations.NullMarked;
