package dev.switchover.etcd;

import static com.google.common.base.Preconditions.checkNotNull;

import dev.switchover.SwitchoverException;

/**
 * What the store found under its key prefix is not a state it can read: a value that is not its
 * JSON, a format version newer than this release reads, a key written outside a Switchover write,
 * or a state that would not make a valid table. Names the etcd key. While the store holds such
 * data, routers keep serving the last good table and the store refuses writes, so that nothing is
 * overwritten silently; it reads the state again after each change under the prefix, and takes it
 * once it is readable.
 */
public final class StoreDataException extends SwitchoverException {
  private static final long serialVersionUID = 1L;

  private final String key;

  /** An exception about the value (or the absence) of one etcd key. */
  public StoreDataException(String key, String problem) {
    super("etcd key " + checkNotNull(key, "key") + ": " + checkNotNull(problem, "problem"));
    this.key = key;
  }

  /** The same problem, with the cause that revealed it. */
  public StoreDataException(String key, String problem, Throwable cause) {
    super("etcd key " + checkNotNull(key, "key") + ": " + checkNotNull(problem, "problem"), cause);
    this.key = key;
  }

  /** The etcd key whose value is wrong or missing. */
  public String key() {
    return key;
  }
}
