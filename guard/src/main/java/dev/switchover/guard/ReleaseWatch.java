package dev.switchover.guard;

import dev.switchover.ChangeReason;
import dev.switchover.RequestOutcome;
import dev.switchover.RevisionConflictException;
import dev.switchover.Router;
import dev.switchover.RoutingTable;
import dev.switchover.WorkspaceId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The watch after a guarded switch: it reads the target workspace's counts every check interval
 * (and runs its probes, if failed probes roll back), and ends once, with a {@link ReleaseOutcome}:
 * when the window passes, when a threshold is crossed (rolling back by compare-and-set), or when
 * {@linkplain #close() stopped}. Thread-safe.
 *
 * <pre>{@code
 * try (ReleaseWatch watch = release.start()) {
 *   ReleaseOutcome outcome = watch.outcome().join();
 * }
 * }</pre>
 */
public final class ReleaseWatch implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ReleaseWatch.class);
  /** The logger an operator routes to an audit file; the admin API writes its audit there too. */
  private static final Logger AUDIT = LoggerFactory.getLogger("dev.switchover.audit");

  /** What counts as a failure of the workspace. */
  private static final List<RequestOutcome> FAILURES =
      List.of(
          RequestOutcome.WORKSPACE_ERROR,
          RequestOutcome.BAD_GATEWAY,
          RequestOutcome.GATEWAY_TIMEOUT,
          RequestOutcome.UNAVAILABLE);

  private final GuardedRelease release;
  private final Router router;
  private final WorkspaceId workspace;
  private final CompletableFuture<ReleaseOutcome> outcome = new CompletableFuture<>();
  private final AtomicBoolean ended = new AtomicBoolean();
  private final ScheduledExecutorService executor;
  private final AtomicInteger[] failedProbesInARow;
  /** The counts just before the switch was published. */
  private final long servedBefore;

  private final long failedBefore;
  private volatile @Nullable RoutingTable switched;
  /** What the guard published last: the switch, or a canary's latest step. */
  private volatile @Nullable RoutingTable last;
  /** The canary's step that runs now; guarded by this. */
  private int step;
  /** The watched workspace's requests when the step that runs now was published. */
  private volatile long requestsAtStep;
  /** Why the canary's next step could not be published yet (the store failed), or null. */
  private @Nullable String failedStep;
  /** Why a rollback was due but could not be published (the store failed), for the window's end. */
  private volatile @Nullable String failedRollback;

  ReleaseWatch(GuardedRelease release) {
    this.release = release;
    this.router = release.router();
    this.workspace = release.workspace();
    int probes = release.maxFailedProbes() > 0 ? release.probes().size() : 0;
    this.failedProbesInARow = new AtomicInteger[probes];
    for (int i = 0; i < probes; i++) {
      failedProbesInARow[i] = new AtomicInteger();
    }
    ScheduledThreadPoolExecutor pool =
        new ScheduledThreadPoolExecutor(
            1 + probes,
            r -> {
              Thread t = new Thread(r, "switchover-guard-" + release.workspace());
              t.setDaemon(true);
              return t;
            });
    pool.setRemoveOnCancelPolicy(true);
    this.executor = pool;
    // Taken before the switch: a request admitted after it ends after this too.
    this.servedBefore = router.requests(workspace, RequestOutcome.SERVED);
    this.failedBefore = failed();
  }

  /** Starts watching, once {@code table} (the switch) is published. */
  void begin(RoutingTable table) {
    switched = table;
    published(table);
    long every = release.checkEvery().toNanos();
    var unusedCheck = executor.scheduleAtFixedRate(this::checkCounts, every, every, TimeUnit.NANOSECONDS);
    for (int i = 0; i < failedProbesInARow.length; i++) {
      int index = i;
      Probe probe = release.probes().get(i);
      // Never more often than the counts are read: a probe with no interval must not hammer the workspace.
      long probeEvery = Math.max(probe.interval().toNanos(), every);
      var unusedProbe =
          executor.scheduleWithFixedDelay(() -> probeOnce(index), 0, probeEvery, TimeUnit.NANOSECONDS);
    }
  }

  /** The table the guarded switch published. */
  public RoutingTable switched() {
    RoutingTable t = switched;
    if (t == null) {
      throw new IllegalStateException("the switch has not been published yet");
    }
    return t;
  }

  /** Completes once, when the watch ends. */
  public CompletableFuture<ReleaseOutcome> outcome() {
    return outcome.copy();
  }

  /** The target workspace's requests that ended since the switch. */
  public long requests() {
    return router.requests(workspace, RequestOutcome.SERVED) - servedBefore + failures();
  }

  /** How many of {@link #requests()} failed. */
  public long failures() {
    return failed() - failedBefore;
  }

  /** Lets go of the watch's threads when the switch it was made for was not published. */
  void abandon() {
    ended.set(true);
    executor.shutdownNow();
  }

  /** Stops watching, if the watch has not ended: the outcome is {@link ReleaseOutcome.Verdict#STOPPED}. */
  @Override
  public void close() {
    synchronized (this) { // not in the middle of a rollback
      end(ReleaseOutcome.Verdict.STOPPED, "the watch was stopped", router.current().revision());
    }
  }

  private long failed() {
    long n = 0;
    for (RequestOutcome o : FAILURES) {
      n += router.requests(workspace, o);
    }
    return n;
  }

  private void checkCounts() {
    try {
      long failures = failures();
      long requests = requests();
      String breach = breach(failures, requests);
      if (breach != null) {
        rollBack(breach, requests, failures);
      }
    } catch (RuntimeException e) {
      log.error("the watch of {} failed to check its counts", workspace, e);
    }
  }

  private void probeOnce(int index) {
    if (ended.get()) {
      return;
    }
    Probe probe = release.probes().get(index);
    String failure;
    try {
      failure = probe.attempt();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // the watch ended and its threads are going
      return;
    }
    if (failure == null) {
      failedProbesInARow[index].set(0);
      return;
    }
    int inARow = failedProbesInARow[index].incrementAndGet();
    if (inARow >= release.maxFailedProbes()) {
      rollBack("probe " + probe.name() + " failed " + inARow + " time(s) in a row: " + failure, requests(), failures());
    }
  }

  /** The switch, or a canary's step, was published: listeners hear of it, and its window starts. */
  private void published(RoutingTable table) {
    last = table;
    requestsAtStep = requests();
    log.info(
        "guarded release of {} -> {}: revision {} ({}), watched for {}",
        release.target(),
        workspace,
        table.revision(),
        table.description(),
        release.window());
    for (ReleaseListener l : release.listeners()) {
      try {
        l.switched(table);
      } catch (RuntimeException e) {
        log.warn("release listener {} failed on the switch to revision {}", l, table.revision(), e);
      }
    }
    var unusedEnd = executor.schedule(this::windowPassed, release.window().toNanos(), TimeUnit.NANOSECONDS);
  }

  private RoutingTable last() {
    RoutingTable t = last;
    if (t == null) {
      throw new IllegalStateException("the switch has not been published yet");
    }
    return t;
  }

  private synchronized void windowPassed() {
    if (ended.get()) {
      return;
    }
    long requests = requests();
    long failures = failures();
    String failed = failedRollback;
    if (failed != null) {
      String reason = failed + "; the window ended before a rollback could be published";
      AUDIT.warn("rollback by the release guard failed at revision {}: {}", router.current().revision(), reason);
      end(ReleaseOutcome.Verdict.ROLLBACK_REFUSED, reason, router.current().revision(), requests, failures);
      return;
    }
    if (release.isCanary()) {
      // The counts are checked again here: a step never goes up on a threshold crossed since the
      // last check, nor without the evidence a step needs.
      String breach = breach(failures, requests);
      if (breach != null) {
        rollBack(breach, requests, failures);
        return;
      }
      long atStep = requests - requestsAtStep;
      if (failedStep == null && atStep < release.minRequests()) {
        end(
            ReleaseOutcome.Verdict.HELD,
            String.format(
                Locale.ROOT,
                "%s served only %d requests at this step, fewer than the %d a step needs to go on; its split stays: %s",
                workspace,
                atStep,
                release.minRequests(),
                last().description()),
            last().revision(),
            requests,
            failures);
        return;
      }
      nextStep(requests, failures);
      return;
    }
    end(
        ReleaseOutcome.Verdict.HELD,
        String.format(
            Locale.ROOT,
            "%s held for %s: %d of %d requests failed",
            workspace,
            Probe.describe(release.window()),
            failures,
            requests),
        router.current().revision());
  }

  /**
   * A canary's step held: publishes the next, by compare-and-set on the last; after a last step of
   * 100%, the promote; after a last step below it, the watch ends with that split running.
   */
  private void nextStep(long requests, long failures) {
    List<Integer> steps = release.steps();
    RoutingTable previous = last();
    boolean promote = step + 1 == steps.size();
    if (promote && steps.get(step) != dev.switchover.Split.ALL) {
      end(
          ReleaseOutcome.Verdict.HELD,
          held(requests, failures) + "; its split stays at the last step",
          previous.revision(),
          requests,
          failures);
      return;
    }
    RoutingTable next;
    try {
      next = promote ? release.promoteCanary(previous.revision()) : release.step(previous.revision(), step + 1);
    } catch (RevisionConflictException e) {
      RoutingTable made = failedStep == null ? null : madeAfterAll(previous, promote ? steps.size() : step + 1);
      if (made == null) {
        String reason =
            "the canary's next step was not taken: " + e.getMessage() + " (another write came in after revision "
                + previous.revision() + "); the table is now revision " + router.current().revision() + ": "
                + router.current().description();
        AUDIT.warn("canary step refused at revision {}: {}", e.actualRevision(), reason);
        end(ReleaseOutcome.Verdict.STEP_REFUSED, reason, e.actualRevision(), requests, failures);
        return;
      }
      next = made; // an attempt that seemed to fail was made after all
    } catch (RuntimeException e) {
      // The store may be away (a fleet's etcd): the step is tried again at the next check, while
      // the one that runs stays watched; the write may also have been made after all.
      boolean first = failedStep == null;
      failedStep = e.getMessage();
      if (first) {
        log.warn("guarded release of {} -> {}: the canary's next step failed: {}; trying again at each check", release.target(), workspace, failedStep, e);
      }
      var unusedRetry = executor.schedule(this::windowPassed, release.checkEvery().toNanos(), TimeUnit.NANOSECONDS);
      return;
    }
    failedStep = null;
    if (promote) {
      AUDIT.info("canary promoted by the release guard: revision {} -> {}: {}", previous.revision(), next.revision(), held(requests, failures));
      end(ReleaseOutcome.Verdict.HELD, held(requests, failures) + "; promoted", next.revision(), requests, failures);
    } else {
      step++;
      published(next);
    }
  }

  private String held(long requests, long failures) {
    return String.format(Locale.ROOT, "%s held at %s: %d of %d requests failed", workspace, release.stepsText(), failures, requests);
  }

  /** The revision right after {@code previous}, if it is what step {@code index} would have made. */
  private @Nullable RoutingTable madeAfterAll(RoutingTable previous, int index) {
    List<RoutingTable> seen = new ArrayList<>();
    seen.add(router.current());
    seen.addAll(router.history());
    for (RoutingTable t : seen) {
      if (t.revision() == previous.revision() + 1 && release.routesIn(t).equals(release.routesAfter(previous, index))) {
        return t;
      }
    }
    return null;
  }

  /** Why the counts call for a rollback, or null if they do not. */
  private @Nullable String breach(long failures, long requests) {
    if (requests >= release.minRequests() && failures > release.maxFailureRate() * requests) {
      return String.format(
          Locale.ROOT,
          "%s failed %d of %d requests since the switch, above the %s allowed over at least %d",
          workspace,
          failures,
          requests,
          percent(release.maxFailureRate()),
          release.minRequests());
    }
    return null;
  }

  /**
   * Rolls the switch back if nothing else was written since; reports a conflict otherwise. Under
   * this watch's lock, as the window's end and {@link #close()} are, so that the outcome says what
   * happened.
   */
  private void rollBack(String why, long requests, long failures) {
    if (ended.get()) {
      return;
    }
    synchronized (this) {
      if (ended.get()) {
        return;
      }
      RoutingTable table = last();
      try {
        RoutingTable back = release.rollBack(table.revision(), shorten(why));
        AUDIT.warn("rollback by the release guard: revision {} -> {}: {}", table.revision(), back.revision(), why);
        log.warn(
            "guarded release of {} -> {} rolled back: revision {} -> {}: {}",
            release.target(),
            workspace,
            table.revision(),
            back.revision(),
            why);
        end(ReleaseOutcome.Verdict.ROLLED_BACK, why, back.revision(), requests, failures);
      } catch (RevisionConflictException e) {
        RoutingTable late = failedRollback == null ? null : lateRollback(table.revision());
        if (late != null) {
          // The attempt that failed (a store's write timed out) was made after all: that rollback
          // is this guard's, and the conflict is with it, not with another write.
          AUDIT.warn("rollback by the release guard: revision {} -> {}: {}", table.revision(), late.revision(), why);
          log.warn("guarded release of {} -> {} rolled back (by an attempt that seemed to fail): revision {} -> {}: {}",
              release.target(), workspace, table.revision(), late.revision(), why);
          end(ReleaseOutcome.Verdict.ROLLED_BACK, why, late.revision(), requests, failures);
          return;
        }
        String reason = why + "; not rolled back: " + e.getMessage() + " (another write came in after the switch)";
        AUDIT.warn("refused rollback by the release guard at revision {}: {}", e.actualRevision(), reason);
        log.warn("guarded release of {} -> {}: {}", release.target(), workspace, reason);
        end(ReleaseOutcome.Verdict.ROLLBACK_REFUSED, reason, e.actualRevision(), requests, failures);
      } catch (IllegalStateException e) {
        String reason = why + "; not rolled back: " + e.getMessage();
        log.warn("guarded release of {} -> {}: {}", release.target(), workspace, reason);
        end(ReleaseOutcome.Verdict.ROLLBACK_REFUSED, reason, router.current().revision(), requests, failures);
      } catch (RuntimeException e) {
        // The store may be away (a fleet's etcd): the next check tries again, until the window ends.
        boolean first = failedRollback == null;
        failedRollback = why + "; the rollback failed: " + e.getMessage();
        if (first) { // once, not at every check while the store stays away
          log.warn("guarded release of {} -> {}: {}; trying again at each check", release.target(), workspace, failedRollback, e);
        } else {
          log.debug("guarded release of {} -> {}: the rollback failed again: {}", release.target(), workspace, e.getMessage());
        }
      }
    }
  }

  /**
   * The rollback of {@code switchedRevision} by a release guard, if it is the revision right after
   * it: what an attempt reported as failed but published late made.
   */
  private @Nullable RoutingTable lateRollback(long switchedRevision) {
    List<RoutingTable> seen = new ArrayList<>();
    seen.add(router.current());
    seen.addAll(router.history());
    for (RoutingTable t : seen) {
      if (t.revision() == switchedRevision + 1
          && (t.reason() == ChangeReason.ROLLBACK || t.reason() == ChangeReason.SPLIT)
          && t.description().contains(GuardedRelease.GUARD)) {
        return t;
      }
    }
    return null;
  }

  private void end(ReleaseOutcome.Verdict verdict, String reason, long endRevision) {
    end(verdict, reason, endRevision, requests(), failures());
  }

  private void end(ReleaseOutcome.Verdict verdict, String reason, long endRevision, long requests, long failures) {
    if (!ended.compareAndSet(false, true)) {
      return;
    }
    executor.shutdownNow();
    RoutingTable table = switched;
    ReleaseOutcome result =
        new ReleaseOutcome(
            verdict,
            reason,
            table == null ? endRevision : table.revision(),
            endRevision,
            Math.max(requests, failures),
            failures);
    if (verdict == ReleaseOutcome.Verdict.HELD) {
      log.info("guarded release of {} -> {}: {}", release.target(), workspace, reason);
    }
    for (ReleaseListener l : release.listeners()) {
      try {
        l.ended(result);
      } catch (RuntimeException e) {
        log.warn("release listener {} failed on {}", l, result, e);
      }
    }
    outcome.complete(result);
  }

  private static String shorten(String text) {
    return text.length() <= 400 ? text : text.substring(0, 397) + "...";
  }

  private static String percent(double rate) {
    return String.format(Locale.ROOT, "%.4g%%", rate * 100).replaceFirst("\\.?0+%$", "%");
  }

  @Override
  public String toString() {
    RoutingTable t = switched;
    return "ReleaseWatch{" + release.target() + " -> " + workspace + (t == null ? "" : " at revision " + t.revision())
        + (ended.get() ? ", ended" : "") + "}";
  }
}
