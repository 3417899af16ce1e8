package dev.switchover.spring.boot;

import dev.switchover.Router;
import dev.switchover.WorkspaceId;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The shutdown step that waits for the workspaces' requests in flight, up to a timeout, before the
 * web server stops.
 *
 * <p>Its phase sits between Spring Boot's graceful shutdown of the web server (which stops taking
 * new requests and waits for the container's own) and the web server's stop: so it also covers
 * what the container does not count as active (an upstream exchange finishing asynchronously), and,
 * when graceful shutdown is off, keeps the server up until the router's counts reach zero.
 * Thread-safe.
 */
final class SwitchoverDrain implements SmartLifecycle {
  /**
   * Spring Boot's graceful shutdown runs at {@code DEFAULT_PHASE - 1024} and the web server stops
   * at {@code DEFAULT_PHASE - 2048}; phases stop from the highest down.
   */
  static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 1536;

  /** How often the counts are read while waiting: the router offers no signal for "all idle". */
  private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  private static final Logger log = LoggerFactory.getLogger(SwitchoverDrain.class);

  private final Router router;
  private final Duration timeout;
  private volatile boolean running;
  private volatile boolean waiting;

  SwitchoverDrain(Router router, Duration timeout) {
    this.router = router;
    this.timeout = timeout;
  }

  static Duration checkTimeout(Duration timeout) {
    if (timeout.isNegative()) {
      throw InvalidProperty.of("shutdown.drain-timeout", timeout, "expected zero (do not wait) or a positive duration");
    }
    return timeout;
  }

  @Override
  public void start() {
    running = true;
  }

  @Override
  public void stop() {
    try {
      awaitIdle();
    } finally {
      running = false;
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  @Override
  public int getPhase() {
    return PHASE;
  }

  /** Whether {@link #stop} is waiting for requests; for tests. */
  boolean isWaiting() {
    return waiting;
  }

  /** The requests in flight on every workspace of the current table. */
  long inFlight() {
    Set<WorkspaceId> workspaces = router.current().workspaces();
    long n = 0;
    for (WorkspaceId w : workspaces) {
      n += router.inFlight(w);
    }
    return n;
  }

  private void awaitIdle() {
    long deadline = System.nanoTime() + timeout.toNanos();
    long left = inFlight();
    if (left == 0) {
      return;
    }
    log.info("Waiting up to {} for {} requests in flight on the workspaces", timeout, left);
    waiting = true;
    try {
      while (left > 0 && System.nanoTime() - deadline < 0) {
        TimeUnit.NANOSECONDS.sleep(POLL_NANOS);
        left = inFlight();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      waiting = false;
    }
    if (left > 0) {
      log.warn("Stopping with {} requests still in flight on the workspaces after {}", left, timeout);
    } else {
      log.info("The workspaces' requests in flight have finished");
    }
  }
}
