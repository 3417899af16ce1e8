package dev.switchover.servlet;

import dev.switchover.Admission;
import dev.switchover.LongLivedConnection;
import dev.switchover.http.internal.EventBoundaries;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.util.Locale;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A proxied request that accepts a server-sent-event stream: once the upstream answers {@code 200}
 * with {@code Content-Type: text/event-stream}, the request is a long-lived connection of its
 * workspace. {@link UpstreamProxyServlet} passes each piece of the upstream's body through {@link
 * #content}, which watches where each event ends; when the router asks (the grace after a switch
 * has ended), the stream ends right after a complete event: at once if it stands between two,
 * otherwise once the piece that completes the event is written, the rest of that piece never sent.
 * Ending aborts the upstream exchange, stops counting the stream, and completes the request's
 * async cycle once the proxy has heard of the abort (a clean end of the body), so that the
 * client's {@code EventSource} reconnects with its {@code Last-Event-ID}.
 *
 * <p>From the moment the router decides to end the stream, the proxy's own completion of the
 * request, on the upstream's end or on the failure that the abort causes, is replaced by a clean
 * end ({@link #exchangeCompleted}). A stream that does not reach the end of an event, or whose last
 * write does not complete (a client that stops reading), within {@link
 * EventStreamResponse#END_DEADLINE_MILLIS} of the router's ask is cut off: its client's connection
 * is aborted ({@link ConnectionAbort}), never ended cleanly, so that the client never takes half an
 * event for a whole one.
 *
 * <p>Thread-safe: the upstream's content comes on the HTTP client's threads, writes complete on the
 * container's, the router asks on one of its own; one lock guards the state, and nothing is called
 * out to under it.
 */
final class UpstreamEventStream {
  private static final Logger log = LoggerFactory.getLogger(UpstreamEventStream.class);
  private static final String EVENT_STREAM = "text/event-stream";
  private static final String ENDED = "the event stream has ended: its workspace is no longer routed";

  /** Passes a piece of the body on to the client the proxy's way; its callback completes when written. */
  @FunctionalInterface
  interface Writer {
    void write(byte[] buffer, int offset, int length, Callback written);
  }

  private final HttpServletRequest request;
  private final Admission admission;
  private final ScheduledExecutorService timer;
  // Guarded by this.
  private final EventBoundaries boundaries = new EventBoundaries();
  private @Nullable LongLivedConnection longLived;
  private @Nullable Request upstream;
  private @Nullable ScheduledFuture<?> deadline;
  /** A piece of the body is on its way to the client and its write has not completed. */
  private boolean writePending;
  /** The router asked the stream to end after its next complete event. */
  private boolean ending;
  /** The router decided to end (or cut off) the stream: completing the request is its alone. */
  private boolean routerEnds;
  /** The proxy completes the request itself: the upstream ended, or its exchange failed. */
  private boolean proxyEnds;
  /** The request has completed. */
  private boolean finished;
  /** The proxy's exchange has completed, after the router decided to end the stream: the request completes. */
  private boolean exchangeDone;

  UpstreamEventStream(HttpServletRequest request, Admission admission, ScheduledExecutorService timer) {
    this.request = request;
    this.admission = admission;
    this.timer = timer;
  }

  /** The upstream exchange, aborted once the stream has ended. */
  void upstream(Request exchange) {
    synchronized (this) {
      upstream = exchange;
    }
  }

  /** The upstream's answer has come: an event stream becomes a long-lived connection here. */
  void headers(int status, @Nullable String contentType) {
    if (status != 200 || contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith(EVENT_STREAM)) {
      return;
    }
    LongLivedConnection l;
    try {
      l = admission.longLived(this::endAfterTheNextEvent);
    } catch (IllegalStateException closed) {
      return; // the request has completed already: nothing left to track
    }
    boolean over;
    synchronized (this) {
      longLived = l;
      over = finished;
    }
    if (over) {
      l.close();
    }
  }

  /**
   * A piece of the upstream's body, passed on through {@code writer} as it is, or, once the router
   * has asked for the end, only up to the end of the event it completes.
   */
  void content(byte[] buffer, int offset, int length, Callback callback, Writer writer) {
    int cut = -1;
    boolean refused = false;
    boolean plain;
    synchronized (this) {
      plain = longLived == null; // not (or not yet) an event stream: passed on untouched
      if (!plain && (routerEnds || finished)) {
        refused = true;
      } else if (!plain) {
        if (ending) {
          cut = boundaries.afterNextEvent(buffer, offset, length);
          if (cut >= 0) {
            routerEnds = true; // the proxy's own completion is skipped from here on
          }
        }
        int end = cut >= 0 ? cut : offset + length;
        for (int i = offset; i < end; i++) {
          boundaries.step(buffer[i]);
        }
        writePending = true;
      }
    }
    if (refused) {
      callback.failed(new IOException(ENDED));
    } else if (cut >= 0) {
      // The rest of the piece belongs to the next event: it is never sent.
      writer.write(buffer, offset, cut - offset, Callback.from(() -> end(callback), failure -> cutOff(failure, callback)));
    } else if (plain) {
      writer.write(buffer, offset, length, callback);
    } else {
      writer.write(buffer, offset, length, Callback.from(() -> written(callback), failure -> writeFailed(failure, callback)));
    }
  }

  /** A piece was written: the end follows it, if the router asked and the stream stands between events. */
  private void written(Callback callback) {
    boolean endNow;
    synchronized (this) {
      writePending = false;
      endNow = ending && !routerEnds && !proxyEnds && !finished && boundaries.atBoundary();
      if (endNow) {
        routerEnds = true;
      }
    }
    if (endNow) {
      end(callback);
    } else {
      callback.succeeded();
    }
  }

  private void writeFailed(Throwable failure, Callback callback) {
    synchronized (this) {
      writePending = false;
    }
    callback.failed(failure);
  }

  /**
   * The proxy's exchange has completed (the upstream ended, or the exchange failed): true if the
   * router had decided to end the stream, whose request this then completes with a clean end of
   * the body (an aborted connection stays aborted); false if the proxy completes it its own way.
   * The request completes only here, after the proxy's last look at it: a container may reuse the
   * request's object for the connection's next request once it has completed.
   */
  boolean exchangeCompleted() {
    synchronized (this) {
      if (!routerEnds) {
        proxyEnds = true;
        return false;
      }
      exchangeDone = true;
    }
    try {
      request.getAsyncContext().complete();
    } catch (IllegalStateException e) {
      log.debug("ending an event stream: its request had completed already", e);
    }
    return true;
  }

  /** The request has completed, whoever completed it: the stream stops counting. */
  void completed() {
    LongLivedConnection l;
    ScheduledFuture<?> d;
    synchronized (this) {
      finished = true;
      l = longLived;
      d = deadline;
      deadline = null;
    }
    if (d != null) {
      d.cancel(false);
    }
    if (l != null) {
      l.close();
    }
  }

  /** The router's closer, on a thread of the router's: ends the stream now if it is between two events. */
  private void endAfterTheNextEvent() {
    boolean endNow;
    synchronized (this) {
      if (ending || routerEnds || proxyEnds || finished) {
        return;
      }
      ending = true;
      deadline = timer.schedule(this::late, EventStreamResponse.END_DEADLINE_MILLIS, TimeUnit.MILLISECONDS);
      endNow = !writePending && boundaries.atBoundary();
      if (endNow) {
        routerEnds = true;
      }
    }
    if (endNow) {
      end(null);
    }
  }

  /**
   * Releases the upstream exchange, whose completion ends the response cleanly after what was
   * written ({@link #exchangeCompleted}), and fails the proxy's callback of the last piece (if any)
   * so that it asks for no more.
   */
  private void end(@Nullable Callback lastPiece) {
    releaseUpstream();
    if (lastPiece != null) {
      lastPiece.failed(new IOException(ENDED));
    }
    completed(); // over for its client: counted out now, whatever the container does next
  }

  /** The deadline: a stream the router asked to end that has not ended is cut off. */
  private void late() {
    cutOff(
        new IOException(
            "the event stream did not end within " + EventStreamResponse.END_DEADLINE_MILLIS + " ms of the router's ask: cut off"),
        null);
  }

  /**
   * Cuts the stream off: its client's connection is aborted (the client sees a broken stream,
   * never a complete one), the upstream exchange released and the request completed.
   */
  private void cutOff(Throwable failure, @Nullable Callback lastPiece) {
    boolean over;
    synchronized (this) {
      over = finished || exchangeDone || (proxyEnds && !routerEnds); // completed, or completing
      routerEnds = routerEnds || !over;
    }
    if (over) {
      if (lastPiece != null) {
        lastPiece.failed(failure); // the proxy's piece is let go, whoever completed the request
      }
      return;
    }
    log.debug("cutting off an event stream", failure);
    if (!ConnectionAbort.abort(request)) {
      log.warn(
          "the container cannot abort the connection of an event stream that did not reach the end of an event"
              + " in time: it ends cleanly");
    }
    releaseUpstream(); // its completion completes the container's side of the request
    if (lastPiece != null) {
      lastPiece.failed(failure);
    }
    completed();
  }

  private void releaseUpstream() {
    Request u;
    synchronized (this) {
      u = upstream;
    }
    if (u != null) {
      // The proxy hears the exchange's failure, and leaves the request to exchangeCompleted.
      var unused = u.abort(new IOException(ENDED));
    }
  }
}
