package dev.switchover;

/**
 * How a request ended, as the router counts it for metrics and release guards: routed and
 * answered by its workspace (well, or with a server error), refused by the table, or failed by
 * the adapter on the way to its workspace.
 *
 * <p>{@link Router#admit} counts {@link #UNKNOWN_HOST} and {@link #NO_ROUTE} itself; an admitted
 * request counts as {@link #SERVED} when its admission closes, unless the adapter {@linkplain
 * Admission#failed marked} it {@link #UNAVAILABLE}, {@link #BAD_GATEWAY} or {@link
 * #GATEWAY_TIMEOUT}, or {@linkplain Admission#answered reported} that the workspace answered
 * with a 5xx status ({@link #WORKSPACE_ERROR}).
 */
public enum RequestOutcome {
  /** Routed, and answered by its workspace with a status below 500. */
  SERVED(200, 0),
  /** No host (or wildcard) of that name in the table: 421. */
  UNKNOWN_HOST(421, 1),
  /** A known host, but no prefix matches the path: 404. */
  NO_ROUTE(404, 2),
  /** Routed to a workspace that the adapter has bound to nothing: 503. */
  UNAVAILABLE(503, 3),
  /** The workspace's upstream failed: 502. */
  BAD_GATEWAY(502, 4),
  /** The workspace's upstream did not accept the connection or answer in time: 504. */
  GATEWAY_TIMEOUT(504, 5),
  /**
   * Routed, and answered by its workspace itself with a 5xx status (its own 500, or a 502 or 503
   * its upstream server sent): the router delivered it, but the workspace is failing.
   */
  WORKSPACE_ERROR(500, 6);

  /** How many outcomes there are: the size of a table of counters indexed by {@link #index}. */
  static final int COUNT = 7;

  private static final RequestOutcome[] BY_INDEX = {
    SERVED, UNKNOWN_HOST, NO_ROUTE, UNAVAILABLE, BAD_GATEWAY, GATEWAY_TIMEOUT, WORKSPACE_ERROR
  };

  private final int status;
  private final int index;

  RequestOutcome(int status, int index) {
    this.status = status;
    this.index = index;
  }

  /** This outcome's place in a table of counters, 0 to {@link #COUNT} - 1. */
  int index() {
    return index;
  }

  /**
   * The HTTP status an adapter answers with ({@code 200} standing for any answer of the workspace
   * below 500, {@code 500} for any of its 5xx answers).
   */
  public int status() {
    return status;
  }

  /** The outcome at {@code index}; see {@link #index()}. */
  static RequestOutcome ofIndex(int index) {
    return BY_INDEX[index];
  }

  /** Whether the adapter, not the router, decides on this outcome and marks it on the admission. */
  boolean isAdapterFailure() {
    return this == UNAVAILABLE || this == BAD_GATEWAY || this == GATEWAY_TIMEOUT;
  }
}
