package dev.switchover.bench.http;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * When one workspace started serving again: every request that arrives after at least {@link
 * #QUIET_NANOS} without one (or as the first ever) is an <em>onset</em>, recorded with the time of
 * the request before it. Times are {@link System#nanoTime()}, which on Linux is the system-wide
 * monotonic clock, so the {@link Switcher} in another JVM on the same machine can compare them
 * with its own.
 *
 * <p>This lets the switcher read the first request the new workspace served after a switch from
 * the workspace itself: the first onset at or after the switch started is it, provided the request
 * before that onset came no later than {@link #QUIET_NANOS} before the switch started (the
 * workspace was quiet when the switch began; under load a workspace that is still sent requests is
 * never quiet that long). {@link #arrived} reads the clock and records under one lock, so that
 * arrivals are recorded in the order of their times and an onset is visible as soon as its
 * request has been recorded. Thread-safe.
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

  private final LongSupplier clock;
  private boolean any; // guarded by this
  private long last; // guarded by this
  private final Deque<Onset> onsets = new ArrayDeque<>(); // guarded by this

  /** Onsets on {@link System#nanoTime()}. */
  Onsets() {
    this(System::nanoTime);
  }

  /** Onsets on {@code clock}, for tests. */
  Onsets(LongSupplier clock) {
    this.clock = clock;
  }

  /** Records a request arriving now. */
  synchronized void arrived() {
    long now = clock.getAsLong();
    if (!any) {
      any = true;
      record(new Onset(now, null));
    } else if (now - last >= QUIET_NANOS) {
      record(new Onset(now, last));
    }
    last = now;
  }

  private void record(Onset onset) {
    if (onsets.size() == CAPACITY) {
      onsets.removeFirst();
    }
    onsets.addLast(onset);
  }

  /** The first onset at or after {@code time}, or null if there has been none since. */
  synchronized @Nullable Onset firstAtOrAfter(long time) {
    for (Onset onset : onsets) { // in the order of their times
      if (onset.at() - time >= 0) {
        return onset;
      }
    }
    return null;
  }
}
