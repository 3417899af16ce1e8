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
import dev.switchover.spi.VerificationStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
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
 * <p>What the schedule tracks of each domain (its challenge, the method that checked it, where it
 * stands: a {@link TrackedDomain}) lives in a {@link VerificationStore}, in memory by default.
 * Given a store shared by a fleet, every router's schedule sees the same domains: a domain added
 * through one router can be checked through another, and re-checks and expiry survive a restart.
 * Each change to a domain is a compare-and-set in the store, so two schedules cannot overwrite
 * each other; several routers may call {@link #recheckDue()} from their timers (a domain
 * re-checked by one is not due on the others), though one is enough.
 *
 * <pre>{@code
 * VerificationSchedule schedule = VerificationSchedule.create(verifier, router);  // or (.., store)
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
  /** Each failed attempt means another schedule changed the domain meanwhile; this many never happen. */
  static final int MAX_ATTEMPTS = 16;

  private final DomainVerifier verifier;
  private final Router router;
  private final VerificationStore store;
  /** Serializes this schedule's changes; the store's compare-and-set guards against other schedules. */
  private final ReentrantLock lock = new ReentrantLock();

  private VerificationSchedule(DomainVerifier verifier, Router router, VerificationStore store) {
    this.verifier = verifier;
    this.router = router;
    this.store = store;
  }

  /**
   * A schedule that applies the verifier's results to the router and keeps what it tracks in this
   * process's memory; it tracks nothing yet.
   */
  public static VerificationSchedule create(DomainVerifier verifier, Router router) {
    checkNotNull(verifier, "verifier");
    checkNotNull(router, "router");
    return new VerificationSchedule(verifier, router, VerificationStore.inMemory());
  }

  /**
   * A schedule that applies the verifier's results to the router and keeps what it tracks in
   * {@code store}, picking up the domains it already holds: with the store a fleet shares (and a
   * router on the table store it shares), every router's schedule tracks the same domains.
   */
  public static VerificationSchedule create(DomainVerifier verifier, Router router, VerificationStore store) {
    checkNotNull(verifier, "verifier");
    checkNotNull(router, "router");
    checkNotNull(store, "store");
    return new VerificationSchedule(verifier, router, store);
  }

  /** Issues a challenge for a domain; see {@link #issue(HostName)}. */
  public Challenge issue(String domain) {
    return issue(HostName.parse(checkNotNull(domain, "domain")));
  }

  /**
   * Issues a challenge for a domain and, unless the router holds the domain as verified, tracks it
   * as {@link DomainStatus#PENDING} (also in the router). A domain the router holds as verified
   * stays verified: a new challenge for it (a token rotation) takes over once {@link #verify}
   * proves it, and re-checks prove the tracked one until then; if none is tracked (it was verified
   * outside a schedule), the new one is tracked as pending while the router keeps the domain
   * verified. What the router holds decides, not what the store says: a domain the host
   * application set to {@code FAILED} gets a fresh, tracked challenge.
   *
   * @throws IllegalArgumentException if the name is a public suffix
   * @throws IllegalStateException if another schedule sharing the store changed the domain's
   *     verification meanwhile (the router then follows what that one wrote): issue again
   */
  public Challenge issue(HostName domain) {
    Challenge challenge = verifier.challenge(domain);
    HostName d = challenge.domain();
    lock.lock();
    try {
      TrackedDomain old = store.load(d).orElse(null);
      Verification pending =
          Verification.of(d, DomainStatus.PENDING, challenge.issuedAt(), null, null,
              "waiting for " + challenge.recordName() + " = " + challenge.recordValue()
                  + challenge.httpUrl().map(url -> " (or " + url + ")").orElse(""));
      if (router.current().domainStatus(d).equals(Optional.of(DomainStatus.VERIFIED))) {
        if (old != null) {
          return challenge; // a rotation: tracked once verify proves it, the old one until then
        }
        if (!store.compareAndSet(d, null, TrackedDomain.of(challenge, null, pending))) {
          throw conflict(d);
        }
        log.info("issued a challenge for {}, verified outside this schedule: it stays verified", d);
        return challenge;
      }
      long revision = setRouterStatus(d, DomainStatus.PENDING);
      if (!store.compareAndSet(d, old, TrackedDomain.of(challenge, null, pending))) {
        throw conflict(d);
      }
      log.info("issued a challenge for {}: PENDING (router revision {})", d, revision);
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
   * <p>The result applies only if the domain's tracked verification is still the one it was when
   * the check began: a domain forgotten, revoked, re-issued or checked by another schedule sharing
   * the store meanwhile is left as that one made it.
   *
   * @return where the domain stands now
   * @throws IllegalArgumentException if the challenge does not support the method
   * @throws IllegalStateException if the domain's verification changed while it was checked
   * @throws VerificationException if the waiting thread is interrupted
   */
  public Verification verify(Challenge challenge, Method method) {
    checkNotNull(challenge, "challenge");
    checkNotNull(method, "method");
    HostName d = challenge.domain();
    TrackedDomain before = store.load(d).orElse(null);
    Verification result = verifier.check(challenge, method);
    lock.lock();
    try {
      TrackedDomain old = store.load(d).orElse(null);
      if (!Objects.equals(old, before)) {
        throw changedWhileChecked(d);
      }
      if (result.status() == DomainStatus.VERIFIED) {
        // The store first: a domain is verified in the router only once the fleet tracks it, so
        // that its re-checks and expiry cannot be lost.
        if (!store.compareAndSet(d, old, TrackedDomain.of(challenge, method, result))) {
          throw changedWhileChecked(d);
        }
        long revision = setRouterStatus(d, DomainStatus.VERIFIED);
        log.info("domain {} verified by {} until {} (router revision {}): {}", d, method, result.validUntil().orElseThrow(), revision, result.reason());
        return result;
      }
      if (old != null && old.verification().isValidAt(result.at())) {
        Verification kept = stillValid(old, result);
        if (!store.compareAndSet(d, old, TrackedDomain.of(old.challenge(), method(old), kept))) {
          throw changedWhileChecked(d);
        }
        log.warn("check of {} by {} failed; still verified until {}: {}", d, method, kept.validUntil().orElseThrow(), result.reason());
        return kept;
      }
      // The router first: its routes go at once, the safe side if the store write then fails.
      long revision = setRouterStatus(d, DomainStatus.FAILED);
      if (!store.compareAndSet(d, old, TrackedDomain.of(challenge, method, result))) {
        throw changedWhileChecked(d);
      }
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
   * its routes removed. A domain that another schedule sharing the store changed while it was
   * re-checked here is left as that one made it.
   *
   * @return where each re-checked domain stands now, in name order; empty if none was due
   * @throws VerificationException if the waiting thread is interrupted
   */
  public List<Verification> recheckDue() {
    Instant now = verifier.clock().instant();
    List<TrackedDomain> due = new ArrayList<>();
    for (TrackedDomain t : store.loadAll().values()) {
      Optional<Instant> at = t.recheckAt(verifier.recheckInterval());
      if (at.isPresent() && !now.isBefore(at.get())) {
        due.add(t);
      }
    }
    due.sort((a, b) -> a.domain().compareTo(b.domain()));
    List<Verification> results = new ArrayList<>(due.size());
    for (List<TrackedDomain> batch : Lists.partition(due, MAX_CONCURRENT_CHECKS)) {
      List<CompletableFuture<Verification>> checks = new ArrayList<>(batch.size());
      for (TrackedDomain t : batch) {
        checks.add(verifier.checkAsync(t.challenge(), method(t)));
      }
      for (int i = 0; i < batch.size(); i++) {
        TrackedDomain t = batch.get(i);
        Verification result;
        try {
          result = DomainVerifier.await(t.domain(), checks.get(i));
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
      Verification revoked =
          Verification.of(domain, DomainStatus.REVOKED, verifier.clock().instant(), null, null, "revoked by the host application");
      long revision = setRouterStatus(domain, DomainStatus.REVOKED);
      for (int attempt = 0; ; attempt++) {
        TrackedDomain old = store.load(domain).orElse(null);
        if (old == null || store.compareAndSet(domain, old, TrackedDomain.of(old.challenge(), old.method().orElse(null), revoked))) {
          break;
        }
        if (attempt + 1 >= MAX_ATTEMPTS) {
          throw contended(domain);
        }
      }
      log.warn("domain {} REVOKED (router revision {})", domain, revision);
      return revoked;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Stops tracking a domain, leaving the router as it is: for a domain removed from the table,
   * whose challenge must no longer be checked or re-checked.
   *
   * @return whether the domain was tracked
   */
  public boolean forget(HostName domain) {
    checkNotNull(domain, "domain");
    lock.lock();
    try {
      for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        TrackedDomain old = store.load(domain).orElse(null);
        if (old == null) {
          return false;
        }
        if (store.compareAndSet(domain, old, null)) {
          log.info("stopped tracking the verification of {}", domain);
          return true;
        }
      }
      throw contended(domain);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Where a domain this schedule tracks stands now; empty if no schedule sharing its store issued
   * or checked one.
   */
  public Optional<Verification> status(HostName domain) {
    checkNotNull(domain, "domain");
    return store.load(domain).map(TrackedDomain::verification);
  }

  /**
   * The challenge tracked for a domain (the one {@link #verify} checks, and re-checks once
   * proved), whichever schedule sharing the store issued it; empty if none is tracked.
   */
  public Optional<Challenge> challenge(HostName domain) {
    checkNotNull(domain, "domain");
    return store.load(domain).map(TrackedDomain::challenge);
  }

  /** The earliest time a re-check is due, if any verified domain is tracked. */
  public Optional<Instant> nextRecheck() {
    Instant next = null;
    for (TrackedDomain t : store.loadAll().values()) {
      Instant at = t.recheckAt(verifier.recheckInterval()).orElse(null);
      if (at != null && (next == null || at.isBefore(next))) {
        next = at;
      }
    }
    return Optional.ofNullable(next);
  }

  @Override
  public String toString() {
    return "VerificationSchedule{" + store + ", " + verifier + "}";
  }

  /** Applies a re-check's result, unless the domain changed meanwhile; returns where it stands. */
  private @Nullable Verification applyRecheck(TrackedDomain checked, Verification result) {
    HostName d = checked.domain();
    lock.lock();
    try {
      if (!store.load(d).equals(Optional.of(checked))) {
        return null; // verified again, or revoked, while the re-check ran: that is newer
      }
      Optional<DomainStatus> inRouter = router.current().domainStatus(d);
      if (!inRouter.equals(Optional.of(DomainStatus.VERIFIED))) {
        if (!store.compareAndSet(d, checked, null)) {
          return null;
        }
        String status = inRouter.map(DomainStatus::toString).orElse("not declared");
        log.warn("stopped re-checking {}: the router holds it as {}, set outside this schedule", d, status);
        return Verification.of(
            d, inRouter.orElse(DomainStatus.REVOKED), result.at(), null, null,
            "no longer tracked: the router holds the domain as " + status + ", set outside this schedule");
      }
      Method method = method(checked);
      if (result.status() == DomainStatus.VERIFIED) {
        if (!store.compareAndSet(d, checked, TrackedDomain.of(checked.challenge(), method, result))) {
          return null;
        }
        log.info("domain {} re-verified by {} until {}: {}", d, method, result.validUntil().orElseThrow(), result.reason());
        return result;
      }
      if (checked.verification().isValidAt(result.at())) {
        Verification kept = stillValid(checked, result);
        if (!store.compareAndSet(d, checked, TrackedDomain.of(checked.challenge(), method, kept))) {
          return null;
        }
        log.warn("re-check of {} by {} failed; still verified until {}: {}", d, method, kept.validUntil().orElseThrow(), result.reason());
        return kept;
      }
      Instant validUntil = checked.verification().validUntil().orElseThrow();
      Verification expired =
          Verification.of(
              d, DomainStatus.EXPIRED, result.at(), checked.verification().verifiedAt().orElseThrow(), validUntil,
              "the verification expired at " + validUntil + " and the re-check failed: " + result.reason());
      // The router first, so that the domain is never kept verified past its proof; if another
      // schedule renewed it meanwhile, the router follows that one.
      long revision = setRouterStatus(d, DomainStatus.EXPIRED);
      if (!store.compareAndSet(d, checked, TrackedDomain.of(checked.challenge(), method, expired))) {
        follow(d);
        return null;
      }
      log.warn("domain {} EXPIRED (router revision {}): {}", d, revision, expired.reason());
      return expired;
    } finally {
      lock.unlock();
    }
  }

  private static Verification stillValid(TrackedDomain old, Verification failed) {
    Instant validUntil = old.verification().validUntil().orElseThrow();
    Instant verifiedAt = old.verification().verifiedAt().orElseThrow();
    return Verification.verified(
        old.domain(), failed.at(), verifiedAt, validUntil,
        "still verified until " + validUntil + " by the proof of " + verifiedAt
            + ", but the last check failed: " + failed.reason());
  }

  private static Method method(TrackedDomain t) {
    return t.method().orElseThrow(() -> new IllegalStateException("no method recorded for " + t.domain()));
  }

  private static IllegalStateException contended(HostName domain) {
    return new IllegalStateException(
        "the verification of " + domain + " was changed by another schedule sharing the store "
            + MAX_ATTEMPTS + " times in a row; try again");
  }

  /** After a lost compare-and-set: the router follows the store, and the caller hears why. */
  private IllegalStateException conflict(HostName domain) {
    follow(domain);
    return new IllegalStateException(
        "the verification of " + domain + " was changed by another schedule sharing the store"
            + " meanwhile; try again");
  }

  private IllegalStateException changedWhileChecked(HostName domain) {
    follow(domain);
    return new IllegalStateException(
        "the verification of " + domain + " changed while it was checked (forgotten, revoked,"
            + " issued again or checked by another schedule sharing the store); nothing was applied:"
            + " check again");
  }

  /**
   * Makes the router hold a tracked domain as the store says, after this schedule changed the
   * router and then lost the store's compare-and-set to another schedule.
   */
  private void follow(HostName domain) {
    TrackedDomain now = store.load(domain).orElse(null);
    if (now != null && router.current().domainStatus(domain).isPresent()) {
      setRouterStatus(domain, now.verification().status());
    }
  }

  /** Sets a status in the router unless it already has it; returns the current revision. */
  private long setRouterStatus(HostName domain, DomainStatus status) {
    RoutingTable table = router.current();
    if (table.domainStatus(domain).equals(Optional.of(status))) {
      return table.revision();
    }
    return router.setDomainStatus(domain, status).revision();
  }
}
