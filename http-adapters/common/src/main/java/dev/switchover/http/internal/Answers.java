package dev.switchover.http.internal;

import dev.switchover.Resolution;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * The adapter contract's answers and settings, in one place: the status for each outcome of a
 * resolution, the {@code Retry-After} of a workspace bound to nothing, and the checks and defaults
 * of the settings every adapter's builder has.
 */
public final class Answers {
  /** RFC 9110's 421, for a host the table does not know. */
  public static final int MISDIRECTED_REQUEST = 421;
  /** A known host without a route for the path. */
  public static final int NOT_FOUND = 404;
  /** A workspace bound to nothing here; sent with {@code Retry-After}. */
  public static final int SERVICE_UNAVAILABLE = 503;
  /** An upstream that failed. */
  public static final int BAD_GATEWAY = 502;
  /** An upstream that did not answer in time. */
  public static final int GATEWAY_TIMEOUT = 504;

  /** The {@code Retry-After} of a 503 unless the builder sets one. */
  public static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(5);
  /** The upstream timeout unless the builder says otherwise (each adapter says what it bounds). */
  public static final Duration DEFAULT_UPSTREAM_TIMEOUT = Duration.ofSeconds(30);

  private Answers() {}

  /** The status for a request that was not routed: 421 for an unknown host, 404 for no route. */
  public static int statusOf(Resolution.Outcome outcome) {
    return switch (outcome) {
      case UNKNOWN_HOST -> MISDIRECTED_REQUEST;
      case NO_ROUTE -> NOT_FOUND;
      case ROUTED -> throw new IllegalArgumentException("a routed request has no refusal status");
    };
  }

  /**
   * Whether an upstream exchange failed because the upstream did not accept the connection, or
   * stayed silent, in time: a {@link TimeoutException} or a {@link SocketTimeoutException} anywhere
   * in the chain of causes. Such a failure is a 504; any other, a 502.
   */
  public static boolean isTimeout(Throwable failure) {
    Throwable t = failure;
    for (int depth = 0; t != null && depth < 32; depth++, t = t.getCause()) {
      if (t instanceof TimeoutException || t instanceof SocketTimeoutException) {
        return true;
      }
    }
    return false; // also for a chain of causes that loops
  }

  /** The {@code Retry-After} value for a delay: whole seconds, rounded up. */
  public static String retryAfter(Duration delay) {
    long seconds = delay.getSeconds();
    return Long.toString(delay.getNano() > 0 ? seconds + 1 : seconds);
  }

  /**
   * Checks a builder's {@code retryAfter}.
   *
   * @param current the value already set, or null
   * @throws IllegalStateException if it was already set
   * @throws IllegalArgumentException if {@code delay} is negative
   */
  public static Duration checkRetryAfter(Duration delay, @Nullable Duration current) {
    if (current != null) {
      throw new IllegalStateException("retryAfter was already set to " + current);
    }
    if (delay.isNegative()) {
      throw new IllegalArgumentException("retryAfter must not be negative, but was " + delay);
    }
    return delay;
  }

  /**
   * Checks a builder's {@code upstreamTimeout}.
   *
   * @param current the value already set, or null
   * @throws IllegalStateException if it was already set
   * @throws IllegalArgumentException if {@code timeout} is shorter than a millisecond
   */
  public static Duration checkUpstreamTimeout(
      Duration timeout, @Nullable Duration current) {
    if (current != null) {
      throw new IllegalStateException("upstreamTimeout was already set to " + current);
    }
    if (timeout.isNegative() || timeout.toMillis() == 0) {
      throw new IllegalArgumentException(
          "upstreamTimeout must be at least one millisecond, but was " + timeout);
    }
    return timeout;
  }

  /**
   * Whether {@code failure} says the client went away (its connection closed or reset while the
   * answer was written): a failure that is not the workspace's, so it is not counted against it.
   * Recognizes the servers' own exceptions by name, so that this layer needs none of them.
   */
  public static boolean isClientGone(@Nullable Throwable failure) {
    Throwable t = failure;
    for (int depth = 0; t != null && depth < 32; depth++, t = t.getCause()) {
      String name = t.getClass().getName();
      if (t instanceof java.nio.channels.ClosedChannelException
          || t instanceof java.io.EOFException
          || name.equals("org.eclipse.jetty.io.EofException")
          || name.endsWith(".ClientAbortException")
          || (t instanceof java.io.IOException
              && t.getMessage() != null
              && (t.getMessage().contains("Broken pipe") || t.getMessage().contains("Connection reset")))) {
        return true;
      }
    }
    return false;
  }
}
