package dev.switchover.verification;

/** What one check found: whether the challenge was proved, and the reason in words. */
record CheckResult(boolean proved, String reason) {
  static CheckResult proved(String reason) {
    return new CheckResult(true, reason);
  }

  static CheckResult failed(String reason) {
    return new CheckResult(false, reason);
  }
}
