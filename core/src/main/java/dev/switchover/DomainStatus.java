package dev.switchover;

/**
 * Where a domain stands in proving that its owner controls it. Only a {@link #VERIFIED} domain may
 * carry routes; the host application sets the status, from a verifier's result or on its own
 * authority for names it owns.
 */
public enum DomainStatus {
  /** A challenge was issued and has not been checked successfully yet. */
  PENDING,
  /** Ownership was proved (or asserted by the host application): the domain may carry routes. */
  VERIFIED,
  /** The last check failed. */
  FAILED,
  /** A verification was not renewed in time. */
  EXPIRED,
  /** The host application withdrew the domain. */
  REVOKED;

  /** Whether a domain with this status may carry routes. */
  public boolean mayCarryRoutes() {
    return this == VERIFIED;
  }
}
