package dev.switchover.verification;

import static com.google.common.base.Preconditions.checkNotNull;

import dev.switchover.HostName;
import dev.switchover.SwitchoverException;

/**
 * A verification could not be carried out at all (the waiting thread was interrupted, or a check
 * broke in an unexpected way): not a failed proof, which is a {@link Verification} with status
 * {@code FAILED}, but no result. Names the domain and what happened.
 */
public final class VerificationException extends SwitchoverException {
  private static final long serialVersionUID = 1L;

  private final String domain;

  /** An exception about {@code domain}, saying what happened and what caused it. */
  public VerificationException(HostName domain, String message, Throwable cause) {
    super(
        "verification of " + checkNotNull(domain, "domain") + " could not be carried out: " + checkNotNull(message, "message"),
        checkNotNull(cause, "cause"));
    this.domain = domain.toString();
  }

  /** The domain whose verification could not be carried out. */
  public HostName domain() {
    return HostName.parse(domain);
  }
}
