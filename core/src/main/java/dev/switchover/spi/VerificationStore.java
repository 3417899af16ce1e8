package dev.switchover.spi;

import dev.switchover.HostName;
import dev.switchover.verification.TrackedDomain;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Where a {@link dev.switchover.verification.VerificationSchedule} keeps the domains it tracks:
 * for each, the challenge issued, the method that checked it and where its verification stands
 * ({@link TrackedDomain}). With a store shared by a fleet, a domain added through one router can
 * be checked through another, and re-checks and expiry survive a restart.
 *
 * <p>The default keeps them in memory ({@link #inMemory()}). A shared store implements the same
 * three operations: reads answer from what the store last saw (they never wait on a remote
 * engine, so that an admin page listing every domain stays cheap), and each write is a
 * compare-and-set on one domain, so that two schedules racing over a domain cannot overwrite each
 * other. Implementations must be thread-safe.
 *
 * <pre>{@code
 * VerificationStore store = VerificationStore.inMemory();
 * VerificationSchedule schedule = VerificationSchedule.create(verifier, router, store);
 * }</pre>
 */
public interface VerificationStore {
  /** What is tracked of {@code domain}; empty if nothing is. */
  Optional<TrackedDomain> load(HostName domain);

  /** Every tracked domain, by name. Costs the number of domains tracked. */
  Map<HostName, TrackedDomain> loadAll();

  /**
   * Replaces what is tracked of {@code domain} with {@code next} (null: tracks it no more) if,
   * and only if, what is tracked now equals {@code expected} (null: nothing).
   *
   * @return whether it was replaced; if not, {@link #load} answers what replaced {@code expected}
   *     (in a shared store, once this store has seen it)
   * @throws IllegalArgumentException if {@code next} is about another domain
   */
  boolean compareAndSet(HostName domain, @Nullable TrackedDomain expected, @Nullable TrackedDomain next);

  /** A store that keeps what is tracked in this process's memory; it starts empty. */
  static VerificationStore inMemory() {
    return new InMemoryVerificationStore();
  }
}
