package dev.switchover.testkit;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a condition with a deadline, instead of sleeping and hoping. */
public final class Await {
  /** How long any condition in the suite may take to become true before the test fails. */
  public static final Duration DEADLINE = Duration.ofSeconds(30);

  private Await() {}

  /**
   * Returns once {@code condition} holds, checking it about every millisecond.
   *
   * @throws AssertionError naming {@code what}, and what {@code state} says, if it does not hold
   *     within {@link #DEADLINE}
   */
  public static void until(String what, BooleanSupplier condition, Supplier<String> state) {
    long end = System.nanoTime() + DEADLINE.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - end > 0) {
        throw new AssertionError("timed out waiting for " + what + "; " + state.get());
      }
      LockSupport.parkNanos(1_000_000);
    }
  }
}
