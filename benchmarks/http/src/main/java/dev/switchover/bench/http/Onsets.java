package dev.switchover.bench.http;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * When one workspace started serving again: every request that arrives after at least {@link
 * #QUIET_NANOS} without one (or as the first ever) is an <em>onset</em>, recorded with the time of
 * the request before it. Times are {@link System#nanoTime()}, which on Linux is the system-wide
 * monotonic clock, so the {@link Switcher} in another JVM on the same machine can compare them
 * with its own.
 *
 * <p>This lets the switcher read the first response the new workspace served after a switch from
 * the workspace itself: the first onset at or after the switch started is it, provided the request
 * before that onset came no later than the switch started (the workspace was quiet when the
 * switch began; under load a workspace that still serves is never quiet for {@link #QUIET_NANOS}).
 * Thread-safe; {@link #arrived} costs one clock read and one atomic exchange.
 */
final class Onsets {
  /** How long a workspace must have served nothing for its next request to be an onset. */
  static final long QUIET_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  /** At most this many onsets are kept, the newest; a run switches a few hundred times. */
  private static final int CAPACITY = 100_000;

  /** An onset: a request at {@code at}, the one before it at {@code previous} (null: none). */
  record Onset(long at, @Nullable Long previous) {
    /** Whether the workspace had served nothing between {@code time} and this onset. */
    boolean quietSince(long time) {
      return previous == null || previous - time <= 0;
    }
  }

  /** {@link #last} before the first request; no clock reading is ever exactly this. */
  private static final long NEVER = Long.MIN_VALUE;

  private final AtomicLong last = new AtomicLong(NEVER);
  private final Deque<Onset> onsets = new ArrayDeque<>(); // guarded by itself

  /** Records a request that arrived at {@code now}. */
  void arrived(long now) {
    long previous = last.getAndSet(now);
    if (previous == NEVER) {
      record(new Onset(now, null));
    } else if (now - previous >= QUIET_NANOS) {
      record(new Onset(now, previous));
    }
  }

  private void record(Onset onset) {
    synchronized (onsets) {
      if (onsets.size() == CAPACITY) {
        onsets.removeFirst();
      }
      onsets.addLast(onset);
    }
  }

  /** The first onset at or after {@code time}, or null if there has been none since. */
  @Nullable Onset firstAtOrAfter(long time) {
    synchronized (onsets) {
      @Nullable Onset first = null;
      for (Onset onset : onsets) {
        if (onset.at() - time >= 0 && (first == null || onset.at() - first.at() < 0)) {
          first = onset;
        }
      }
      return first;
    }
  }
}
