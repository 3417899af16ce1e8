package dev.switchover.guard;

import dev.switchover.SwitchoverException;

/**
 * A probe did not pass before a switch, so nothing was published. The message names the probe,
 * its URL and how its last attempt failed; {@link #probe()} and {@link #failure()} give them apart.
 */
public final class ProbeFailedException extends SwitchoverException {
  private static final long serialVersionUID = 1L;

  private final String probe;
  private final String failure;

  ProbeFailedException(Probe probe, String failure, int attempts) {
    super(
        "probe "
            + probe.name()
            + " (GET "
            + probe.uri()
            + ") failed: "
            + failure
            + " (attempt "
            + attempts
            + " of at most "
            + probe.maxAttempts()
            + ", "
            + probe.consecutiveSuccesses()
            + " success(es) in a row needed); nothing was published");
    this.probe = probe.name();
    this.failure = failure;
  }

  /** The name of the probe that failed. */
  public String probe() {
    return probe;
  }

  /** How it failed, for example {@code answered 500, expected 200}. */
  public String failure() {
    return failure;
  }
}
