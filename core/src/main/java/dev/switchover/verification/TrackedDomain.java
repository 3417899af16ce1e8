package dev.switchover.verification;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import dev.switchover.HostName;
import dev.switchover.verification.Challenge.Method;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link VerificationSchedule} keeps of one domain it tracks: the challenge it checks, the
 * method that checked it (once it was checked), and where the domain's verification stands. This
 * is what a {@link dev.switchover.spi.VerificationStore} stores, so that a schedule in another
 * process (another router of a fleet, or this one after a restart) can check the same challenge
 * and re-check or expire the domain on time. Immutable and thread-safe.
 *
 * <pre>{@code
 * TrackedDomain t = store.load(HostName.parse("shop.example.com")).orElseThrow();
 * t.challenge().recordValue();   // what the owner publishes
 * t.verification().status();     // PENDING, VERIFIED...
 * }</pre>
 */
public final class TrackedDomain {
  private final Challenge challenge;
  private final @Nullable Method method;
  private final Verification verification;

  private TrackedDomain(Challenge challenge, @Nullable Method method, Verification verification) {
    this.challenge = challenge;
    this.method = method;
    this.verification = verification;
  }

  /**
   * A tracked domain with these parts.
   *
   * @param method how the challenge was checked; null while it has not been
   * @throws IllegalArgumentException if the challenge and the verification are about different
   *     domains, or the verification is {@code VERIFIED} without a method
   */
  public static TrackedDomain of(Challenge challenge, @Nullable Method method, Verification verification) {
    checkNotNull(challenge, "challenge");
    checkNotNull(verification, "verification");
    checkArgument(
        challenge.domain().equals(verification.domain()),
        "the challenge is for %s but the verification is about %s",
        challenge.domain(),
        verification.domain());
    checkArgument(
        method != null || verification.verifiedAt().isEmpty(),
        "a verification of %s that was proved needs the method that proved it",
        challenge.domain());
    return new TrackedDomain(challenge, method, verification);
  }

  /** The domain (or wildcard), normalized. */
  public HostName domain() {
    return challenge.domain();
  }

  /** The challenge that is checked, and re-checked once proved. */
  public Challenge challenge() {
    return challenge;
  }

  /** How the challenge was checked; empty while it has not been. */
  public Optional<Method> method() {
    return Optional.ofNullable(method);
  }

  /** Where the domain's verification stands. */
  public Verification verification() {
    return verification;
  }

  /**
   * When a schedule re-checks this domain: {@code recheckInterval} after its last proof, if it is
   * {@code VERIFIED} and was checked; empty otherwise.
   */
  Optional<Instant> recheckAt(java.time.Duration recheckInterval) {
    if (method == null || verification.status() != dev.switchover.DomainStatus.VERIFIED) {
      return Optional.empty();
    }
    return verification.verifiedAt().map(at -> at.plus(recheckInterval));
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof TrackedDomain other
        && other.challenge.equals(challenge)
        && other.method == method
        && other.verification.equals(verification);
  }

  @Override
  public int hashCode() {
    return Objects.hash(challenge, method, verification);
  }

  @Override
  public String toString() {
    return "TrackedDomain{" + challenge + ", method " + method + ", " + verification + "}";
  }
}
