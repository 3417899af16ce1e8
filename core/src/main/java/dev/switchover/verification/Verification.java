package dev.switchover.verification;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import dev.switchover.DomainStatus;
import dev.switchover.HostName;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Where the verification of one domain stands: its {@link DomainStatus}, when that was
 * established, and, once ownership was proved, when and until when it holds. The {@link #reason()}
 * says in words what was expected and what was found (no record, wrong token, timeout, resolvers
 * that disagree, an HTTP status…), fit to show to the domain's owner.
 *
 * <p>A {@link DomainStatus#VERIFIED} verification holds until {@link #validUntil()}; a {@link
 * VerificationSchedule} re-checks it before then. Produced by {@link DomainVerifier} and {@link
 * VerificationSchedule}. Immutable and thread-safe.
 *
 * <pre>{@code
 * Verification v = verifier.check(challenge, Challenge.Method.DNS_TXT);
 * if (v.status() != DomainStatus.VERIFIED) {
 *   showOwner(v.reason());  // "wrong token: expected TXT ... found ..."
 * }
 * }</pre>
 */
public final class Verification {
  private final HostName domain;
  private final DomainStatus status;
  private final Instant at;
  private final @Nullable Instant verifiedAt;
  private final @Nullable Instant validUntil;
  private final String reason;

  private Verification(
      HostName domain,
      DomainStatus status,
      Instant at,
      @Nullable Instant verifiedAt,
      @Nullable Instant validUntil,
      String reason) {
    this.domain = checkNotNull(domain, "domain");
    this.status = checkNotNull(status, "status");
    this.at = checkNotNull(at, "at");
    this.reason = checkNotNull(reason, "reason");
    checkArgument(
        (verifiedAt == null) == (validUntil == null),
        "verifiedAt and validUntil go together, but got %s and %s", verifiedAt, validUntil);
    checkArgument(
        status != DomainStatus.VERIFIED || verifiedAt != null,
        "a VERIFIED verification needs verifiedAt and validUntil");
    if (verifiedAt != null && validUntil != null) {
      checkArgument(validUntil.isAfter(verifiedAt), "validUntil %s must be after verifiedAt %s", validUntil, verifiedAt);
    }
    this.verifiedAt = verifiedAt;
    this.validUntil = validUntil;
  }

  static Verification verified(HostName domain, Instant at, Instant verifiedAt, Instant validUntil, String reason) {
    checkNotNull(verifiedAt, "verifiedAt");
    checkNotNull(validUntil, "validUntil");
    return new Verification(domain, DomainStatus.VERIFIED, at, verifiedAt, validUntil, reason);
  }

  /**
   * A verification with these parts: to restore one that was stored (by a {@link
   * dev.switchover.spi.VerificationStore}). New ones come from {@link DomainVerifier} and {@link
   * VerificationSchedule}.
   *
   * @param verifiedAt when ownership was last proved; null if never (then {@code validUntil} too)
   * @param validUntil until when that proof holds; null exactly when {@code verifiedAt} is
   * @throws IllegalArgumentException if only one of {@code verifiedAt} and {@code validUntil} is
   *     given, {@code validUntil} is not after {@code verifiedAt}, or the status is {@code
   *     VERIFIED} without them
   */
  public static Verification of(
      HostName domain,
      DomainStatus status,
      Instant at,
      @Nullable Instant verifiedAt,
      @Nullable Instant validUntil,
      String reason) {
    return new Verification(domain, status, at, verifiedAt, validUntil, reason);
  }

  /** The domain (or wildcard) this verification is about, normalized. */
  public HostName domain() {
    return domain;
  }

  /** Where the domain stands; only {@link DomainStatus#VERIFIED} may carry routes. */
  public DomainStatus status() {
    return status;
  }

  /** When this status was established: the check, the expiry or the revocation. */
  public Instant at() {
    return at;
  }

  /**
   * When ownership was last proved: present for {@link DomainStatus#VERIFIED}, and for {@link
   * DomainStatus#EXPIRED} the proof that expired.
   */
  public Optional<Instant> verifiedAt() {
    return Optional.ofNullable(verifiedAt);
  }

  /** Until when the last proof holds (exclusive); present exactly when {@link #verifiedAt()} is. */
  public Optional<Instant> validUntil() {
    return Optional.ofNullable(validUntil);
  }

  /** What was expected and what was found, in words. */
  public String reason() {
    return reason;
  }

  /** Whether this is {@link DomainStatus#VERIFIED} and {@code instant} is before {@link #validUntil()}. */
  public boolean isValidAt(Instant instant) {
    checkNotNull(instant, "instant");
    return status == DomainStatus.VERIFIED && validUntil != null && instant.isBefore(validUntil);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Verification other
        && other.domain.equals(domain)
        && other.status == status
        && other.at.equals(at)
        && Objects.equals(other.verifiedAt, verifiedAt)
        && Objects.equals(other.validUntil, validUntil)
        && other.reason.equals(reason);
  }

  @Override
  public int hashCode() {
    return Objects.hash(domain, status, at, verifiedAt, validUntil, reason);
  }

  @Override
  public String toString() {
    return "Verification{" + domain + " " + status + " at " + at
        + (verifiedAt == null ? "" : ", verified " + verifiedAt + " until " + validUntil)
        + ": " + reason + "}";
  }
}
