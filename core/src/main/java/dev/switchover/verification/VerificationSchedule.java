package dev.switchover.verification;

import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.Lists;
import dev.switchover.DomainStatus;
import dev.switchover.HostName;
import dev.switchover.Router;
import dev.switchover.RoutingTable;
import dev.switchover.verification.Challenge.Method;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a {@link Router}'s domain statuses in step with verification: applies each check's result
 * to the router, re-checks verified domains before they expire, and expires those whose re-checks
 * keep failing.
 *
 * <p>Every status change goes through {@link Router#setDomainStatus}, so a domain that becomes
 * {@code FAILED}, {@code EXPIRED} or {@code REVOKED} loses its routes in a new revision of the
 * table (logged at WARN), and only a proved domain becomes {@code VERIFIED}. A verified domain
 * stays verified until its {@link Verification#validUntil()}: a check that fails before then
 * (a resolver down, a token being rotated) is logged and retried at the next {@link #recheckDue()},
 * and only when no check has succeeded by then does the domain expire. Time comes from the
 * verifier's clock; nothing here runs on its own: the host application calls {@link #recheckDue()}
 * from its own timer (for instance every hour, or at {@link #nextRecheck()}). A re-check never
 * brings back a domain whose status was changed in the router by someone else: the schedule stops
 * tracking it. Thread-safe; checks run without holding the schedule's lock.
 *
 * <pre>{@code
 * VerificationSchedule schedule = VerificationSchedule.create(verifier, router);
 * Challenge challenge = schedule.issue("shop.example.com");       // PENDING, show the owner
 * Verification v = schedule.verify(challenge, Challenge.Method.DNS_TXT);  // VERIFIED or FAILED
 * schedule.recheckDue();                                          // from a timer
 * schedule.revoke(HostName.parse("shop.example.com"));            // routes gone
 * }</pre>
 */
public final class VerificationSchedule {
  private static final Logger log = LoggerFactory.getLogger(VerificationSchedule.class);
  /** Re-checks run at once, in batches of this many: enough to be quick, few enough for a resolver. */
  static final int MAX_CONCURRENT_CHECKS = 32;

  private final DomainVerifier verifier;
  private final Router router;
  private final ReentrantLock lock = new ReentrantLock();

  private final Map<HostName, Tracked> tracked = new TreeMap<>();

  private VerificationSchedule(DomainVerifier verifier, Router router) {
    this.verifier = verifier;
    this.router = router;
  }

  /** A schedule that applies the verifier's results to the router; it tracks nothing yet. */
  public static VerificationSchedule create(DomainVerifier verifier, Router router) {
    checkNotNull(verifier, "verifier");
    checkNotNull(router, "router");
    return new VerificationSchedule(verifier, router);
  }

  /** Issues a challenge for a domain; see {@link #issue(HostName)}. */
  public Challenge issue(String domain) {
    return issue(HostName.parse(checkNotNull(domain, "domain")));
  }

  /**
   * Issues a challenge for a domain and, unless the domain is verified now, tracks it as {@link
   * DomainStatus#PENDING} (also in the router). A domain verified now stays verified: the new
   * challenge takes over once {@link #verify} proves it.
   *
   * @throws IllegalArgumentException if the name is a public suffix
   */
  public Challenge issue(HostName domain) {
    Challenge challenge = verifier.challenge(domain);
    HostName d = challenge.domain();
    lock.lock();
    try {
      Tracked old = tracked.get(d);
      boolean verifiedNow =
          (old != null && old.verification.isValidAt(challenge.issuedAt()))
              || router.current().domainStatus(d).equals(Optional.of(DomainStatus.VERIFIED));
      if (!verifiedNow) {
        Verification pending =
            Verification.of(d, DomainStatus.PENDING, challenge.issuedAt(), null, null,
                "waiting for " + challenge.recordName() + " = " + challenge.recordValue()
                    + challenge.httpUrl().map(url -> " (or " + url + ")").orElse(""));
        long revision = setRouterStatus(d, DomainStatus.PENDING);
        tracked.put(d, new Tracked(challenge, null, pending));
        log.info("issued a challenge for {}: PENDING (router revision {})", d, revision);
      }
      return challenge;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Checks a challenge now, applies the result to the router and tracks the domain for re-checks.
   * A proved check makes the domain {@code VERIFIED} (the challenge and method are those re-checked
   * from now on). A failed check makes it {@code FAILED}, which removes its routes, unless an
   * earlier proof still holds: then the domain stays verified until that proof's end, and the
   * returned verification is {@code VERIFIED} with a reason that reports the failed check.
   *
   * @return where the domain stands now
   * @throws IllegalArgumentException if the challenge does not support the method
   * @throws VerificationException if the waiting thread is interrupted
   */
  public Verification verify(Challenge challenge, Method method) {
    checkNotNull(challenge, "challenge");
    checkNotNull(method, "method");
    Verification result = verifier.check(challenge, method);
    HostName d = challenge.domain();
    lock.lock();
    try {
      Tracked old = tracked.get(d);
      if (result.status() == DomainStatus.VERIFIED) {
        long revision = setRouterStatus(d, DomainStatus.VERIFIED);
        tracked.put(d, new Tracked(challenge, method, result));
        log.info("domain {} verified by {} until {} (router revision {}): {}", d, method, result.validUntil().orElseThrow(), revision, result.reason());
        return result;
      }
      if (old != null && old.verification.isValidAt(result.at())) {
        Verification kept = stillValid(old, result);
        tracked.put(d, new Tracked(old.challenge, old.method, kept));
        log.warn("check of {} by {} failed; still verified until {}: {}", d, method, kept.validUntil().orElseThrow(), result.reason());
        return kept;
      }
      long revision = setRouterStatus(d, DomainStatus.FAILED);
      tracked.put(d, new Tracked(challenge, method, result));
      log.warn("domain {} FAILED verification by {} (router revision {}): {}", d, method, revision, result.reason());
      return result;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Re-checks, several at once, every verified domain whose re-check is due by the verifier's clock (a
   * {@link DomainVerifier.Builder#recheckInterval recheck interval} after its last proof), and
   * waits for the results. A proved re-check renews the domain's validity; a failed one leaves it
   * verified while its last proof holds, and expires it otherwise: {@link DomainStatus#EXPIRED},
   * its routes removed.
   *
   * @return where each re-checked domain stands now, in name order; empty if none was due
   * @throws VerificationException if the waiting thread is interrupted
   */
  public List<Verification> recheckDue() {
    Instant now = verifier.clock().instant();
    List<Tracked> due = new ArrayList<>();
    lock.lock();
    try {
      for (Tracked t : tracked.values()) {
        if (t.method != null && t.verification.status() == DomainStatus.VERIFIED && !now.isBefore(recheckAt(t))) {
          due.add(t);
        }
      }
    } finally {
      lock.unlock();
    }
    List<Verification> results = new ArrayList<>(due.size());
    for (List<Tracked> batch : Lists.partition(due, MAX_CONCURRENT_CHECKS)) {
      List<CompletableFuture<Verification>> checks = new ArrayList<>(batch.size());
      for (Tracked t : batch) {
        checks.add(verifier.checkAsync(t.challenge, method(t)));
      }
      for (int i = 0; i < batch.size(); i++) {
        Tracked t = batch.get(i);
        Verification result;
        try {
          result = DomainVerifier.await(t.challenge.domain(), checks.get(i));
        } catch (VerificationException e) {
          checks.forEach(check -> check.cancel(true)); // interrupted: stop waiting for the rest too
          throw e;
        }
        Verification applied = applyRecheck(t, result);
        if (applied != null) {
          results.add(applied);
        }
      }
    }
    return ImmutableList.copyOf(results);
  }

  /**
   * Revokes a domain on the host application's authority: {@link DomainStatus#REVOKED} in the
   * router, its routes removed, and no more re-checks until it is verified again.
   *
   * @return the revocation
   */
  public Verification revoke(HostName domain) {
    checkNotNull(domain, "domain");
    lock.lock();
    try {
      Tracked old = tracked.get(domain);
      Verification revoked =
          Verification.of(domain, DomainStatus.REVOKED, verifier.clock().instant(), null, null, "revoked by the host application");
      long revision = setRouterStatus(domain, DomainStatus.REVOKED);
      if (old != null) {
        tracked.put(domain, new Tracked(old.challenge, old.method, revoked));
      }
      log.warn("domain {} REVOKED (router revision {})", domain, revision);
      return revoked;
    } finally {
      lock.unlock();
    }
  }

  /** Where a domain this schedule tracks stands now; empty if it never issued or checked one. */
  public Optional<Verification> status(HostName domain) {
    checkNotNull(domain, "domain");
    lock.lock();
    try {
      Tracked t = tracked.get(domain);
      return t == null ? Optional.empty() : Optional.of(t.verification);
    } finally {
      lock.unlock();
    }
  }

  /** The earliest time a re-check is due, if any verified domain is tracked. */
  public Optional<Instant> nextRecheck() {
    lock.lock();
    try {
      Instant next = null;
      for (Tracked t : tracked.values()) {
        if (t.method != null && t.verification.status() == DomainStatus.VERIFIED) {
          Instant at = recheckAt(t);
          if (next == null || at.isBefore(next)) {
            next = at;
          }
        }
      }
      return Optional.ofNullable(next);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public String toString() {
    lock.lock();
    try {
      return "VerificationSchedule{" + tracked.size() + " domains, " + verifier + "}";
    } finally {
      lock.unlock();
    }
  }

  /** Applies a re-check's result, unless the domain changed meanwhile; returns where it stands. */
  private @Nullable Verification applyRecheck(Tracked checked, Verification result) {
    HostName d = checked.challenge.domain();
    lock.lock();
    try {
      if (tracked.get(d) != checked) {
        return null; // verified again, or revoked, while the re-check ran: that is newer
      }
      Optional<DomainStatus> inRouter = router.current().domainStatus(d);
      if (!inRouter.equals(Optional.of(DomainStatus.VERIFIED))) {
        tracked.remove(d);
        String status = inRouter.map(DomainStatus::toString).orElse("not declared");
        log.warn("stopped re-checking {}: the router holds it as {}, set outside this schedule", d, status);
        return Verification.of(
            d, inRouter.orElse(DomainStatus.REVOKED), result.at(), null, null,
            "no longer tracked: the router holds the domain as " + status + ", set outside this schedule");
      }
      Method method = method(checked);
      if (result.status() == DomainStatus.VERIFIED) {
        tracked.put(d, new Tracked(checked.challenge, method, result));
        log.info("domain {} re-verified by {} until {}: {}", d, method, result.validUntil().orElseThrow(), result.reason());
        return result;
      }
      if (checked.verification.isValidAt(result.at())) {
        Verification kept = stillValid(checked, result);
        tracked.put(d, new Tracked(checked.challenge, method, kept));
        log.warn("re-check of {} by {} failed; still verified until {}: {}", d, method, kept.validUntil().orElseThrow(), result.reason());
        return kept;
      }
      Instant validUntil = checked.verification.validUntil().orElseThrow();
      Verification expired =
          Verification.of(
              d, DomainStatus.EXPIRED, result.at(), checked.verification.verifiedAt().orElseThrow(), validUntil,
              "the verification expired at " + validUntil + " and the re-check failed: " + result.reason());
      long revision = setRouterStatus(d, DomainStatus.EXPIRED);
      tracked.put(d, new Tracked(checked.challenge, method, expired));
      log.warn("domain {} EXPIRED (router revision {}): {}", d, revision, expired.reason());
      return expired;
    } finally {
      lock.unlock();
    }
  }

  private Instant recheckAt(Tracked t) {
    return t.verification.verifiedAt().orElseThrow().plus(verifier.recheckInterval());
  }

  private static Verification stillValid(Tracked old, Verification failed) {
    Instant validUntil = old.verification.validUntil().orElseThrow();
    return Verification.verified(
        old.challenge.domain(), failed.at(), old.verification.verifiedAt().orElseThrow(), validUntil,
        "still verified until " + validUntil + " by the proof of " + old.verification.verifiedAt().orElseThrow()
            + ", but the last check failed: " + failed.reason());
  }

  private static Method method(Tracked t) {
    Method m = t.method;
    if (m == null) {
      throw new IllegalStateException("no method recorded for " + t.challenge.domain());
    }
    return m;
  }

  /** Sets a status in the router unless it already has it; returns the current revision. */
  private long setRouterStatus(HostName domain, DomainStatus status) {
    RoutingTable table = router.current();
    if (table.domainStatus(domain).equals(Optional.of(status))) {
      return table.revision();
    }
    return router.setDomainStatus(domain, status).revision();
  }

  private static final class Tracked {
    final Challenge challenge;
    final @Nullable Method method;
    final Verification verification;

    Tracked(Challenge challenge, @Nullable Method method, Verification verification) {
      this.challenge = challenge;
      this.method = method;
      this.verification = verification;
    }
  }
}
