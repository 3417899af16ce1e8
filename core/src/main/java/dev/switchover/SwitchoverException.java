package dev.switchover;

/**
 * The root of Switchover's own unchecked exceptions: a write that conflicts with another, a table
 * that fails validation, a verification that cannot be carried out. Bad arguments are reported as
 * {@link IllegalArgumentException} and wrong state as {@link IllegalStateException} instead.
 */
public class SwitchoverException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** An exception with this message. */
  public SwitchoverException(String message) {
    super(message);
  }

  /** An exception with this message and cause. */
  public SwitchoverException(String message, Throwable cause) {
    super(message, cause);
  }

  /** The message, which Switchover's exceptions always have. */
  @Override
  public String getMessage() {
    return String.valueOf(super.getMessage());
  }
}
