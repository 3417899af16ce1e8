package dev.switchover.admin;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Limits failed authentications per client address: after {@code limit} failures in a window, every
 * request from that address is refused until the window ends, with a right token or not. Each
 * failure is logged at WARN until the limit, then once that the address is being limited.
 */
final class FailedAuthLimiter {
  private static final Logger log = LoggerFactory.getLogger(FailedAuthLimiter.class);
  /** More addresses than this are tracked only if their windows are still open. */
  private static final int MAX_TRACKED = 10_000;

  private final Clock clock;
  private final int limit;
  private final Duration window;
  private final Map<String, Window> windows = new HashMap<>();

  private static final class Window {
    final Instant start;
    int failures;

    Window(Instant start) {
      this.start = start;
    }
  }

  FailedAuthLimiter(Clock clock, int limit, Duration window) {
    this.clock = clock;
    this.limit = limit;
    this.window = window;
  }

  /** Seconds until the address may try again, or 0 if it may try now. */
  synchronized long retryAfterSeconds(String address) {
    Window w = windows.get(address);
    if (w == null || w.failures < limit) {
      return 0;
    }
    Duration left = Duration.between(clock.instant(), w.start.plus(window));
    if (left.isNegative() || left.isZero()) {
      windows.remove(address);
      return 0;
    }
    return Math.max(1, (left.toMillis() + 999) / 1000);
  }

  /** Records a failed authentication from {@code address}; {@code why} is for the log. */
  synchronized void failed(String address, String why) {
    Instant now = clock.instant();
    Window w = windows.get(address);
    if (w == null || !now.isBefore(w.start.plus(window))) {
      if (windows.size() >= MAX_TRACKED) {
        evictClosed(now);
      }
      w = new Window(now);
      windows.put(address, w);
    }
    w.failures++;
    if (w.failures < limit) {
      log.warn("admin API: failed authentication from {}: {}", address, why);
    } else if (w.failures == limit) {
      log.warn("admin API: {} failed authentications from {}; refusing it for {}", limit, address, window);
    }
  }

  private void evictClosed(Instant now) {
    for (Iterator<Window> it = windows.values().iterator(); it.hasNext(); ) {
      if (!now.isBefore(it.next().start.plus(window))) {
        it.remove();
      }
    }
    if (windows.size() >= MAX_TRACKED) {
      // A flood of addresses: forget those still under the limit, never one that is refused.
      windows.values().removeIf(w -> w.failures < limit);
    }
  }
}
