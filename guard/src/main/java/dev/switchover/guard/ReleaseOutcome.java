package dev.switchover.guard;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

/**
 * How the watch after a guarded switch ended: the verdict, why, the revision the switch published,
 * the revision that ended it (the rollback's, the conflicting write's, or the switch's own), and
 * the target workspace's requests and failures counted during the watch.
 *
 * @param verdict what happened
 * @param reason why, in a sentence an operator can read at 3 a.m.
 * @param switchedRevision the revision the guarded switch published
 * @param endRevision the rollback's revision ({@link Verdict#ROLLED_BACK}), the current revision
 *     that refused the rollback ({@link Verdict#ROLLBACK_REFUSED}), or the current revision when
 *     the watch ended otherwise
 * @param requests the target workspace's requests that ended during the watch, when it decided
 * @param failures how many of those failed: its own 5xx answers, 502, 504, and 503 for being bound
 *     to nothing
 */
public record ReleaseOutcome(
    Verdict verdict, String reason, long switchedRevision, long endRevision, long requests, long failures) {

  /** What the watch decided. */
  public enum Verdict {
    /** The window passed without the workspace failing: the release stands. */
    HELD,
    /** The workspace failed and the switch was rolled back, as the next revision. */
    ROLLED_BACK,
    /**
     * The workspace failed but another write came in after the switch, so the rollback was refused
     * rather than overwrite it, or the rollback could not be published (the store failed until the
     * window ended): an operator must decide. Nothing was changed by the guard.
     */
    ROLLBACK_REFUSED,
    /**
     * A canary's next step (or its closing promote) was not published because another write came
     * in after its last step: the table stays as that write left it, for an operator to decide;
     * nothing was overwritten. (A step the store failed to take is tried again at each check, the
     * step that runs still watched, until it is made or the watch is stopped.)
     */
    STEP_REFUSED,
    /** The watch was {@linkplain ReleaseWatch#close() stopped} before its window ended. */
    STOPPED
  }

  /** Checks the values. */
  public ReleaseOutcome {
    checkNotNull(verdict, "verdict");
    checkNotNull(reason, "reason");
    checkArgument(requests >= 0 && failures >= 0 && failures <= requests,
        "failures (%s) must be between 0 and requests (%s)", failures, requests);
  }

  /** Whether the release was rolled back by the guard. */
  public boolean rolledBack() {
    return verdict == Verdict.ROLLED_BACK;
  }
}
