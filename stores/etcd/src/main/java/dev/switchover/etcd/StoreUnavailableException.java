package dev.switchover.etcd;

import dev.switchover.SwitchoverException;

/**
 * etcd did not answer in time, or refused the connection: the write or the load that throws this
 * did not complete. Routers keep serving their last table meanwhile and catch up by themselves
 * once etcd answers again. A write that timed out after it was sent may still have been made;
 * it is then seen, once, through the watch.
 */
public final class StoreUnavailableException extends SwitchoverException {
  private static final long serialVersionUID = 1L;

  /** An exception with this message and the client's error as cause. */
  public StoreUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
