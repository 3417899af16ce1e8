package dev.switchover.jetty;

import dev.switchover.http.internal.EventBoundaries;
import dev.switchover.Admission;
import dev.switchover.LongLivedConnection;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.util.thread.Scheduler;
import org.jspecify.annotations.Nullable;

/**
 * The response of a request that accepts a server-sent-event stream, from an in-process handler
 * or the proxy alike: it makes the request a long-lived connection of its workspace when the
 * response starts with {@code Content-Type: text/event-stream}, watches where each event ends (a
 * blank line: two line terminators in a row, each LF, CR or CRLF), and when the router asks, at
 * the end of the grace after a switch, ends the response right after a complete event (at once if
 * it is between two), so that the client's {@code EventSource} reconnects with its {@code
 * Last-Event-ID}, to the workspace the table routes it to then.
 *
 * <p>The end completes the request itself, without waiting for the workspace: the stream stops
 * counting, the connection serves its next request, and an upstream exchange is released. From
 * the moment the router decides to end the stream, the request is the end's to complete: the
 * workspace's next write is refused, and its completion of the request (a failure, at once) is
 * ignored, which would otherwise abort the connection before the end is written. A stream that does not
 * reach the end of an event, or whose end is not written (a client that stops reading), within
 * {@link #END_DEADLINE_MILLIS} of the router's ask is cut off: the connection is aborted, so that
 * the client never takes half an event for a whole one.
 *
 * <p>Jetty allows one write at a time, from any thread: the workspace's writes, and the end the
 * router's thread asks for, pass through one lock that keeps a write of each from overlapping.
 */
final class EventStreamResponse extends Response.Wrapper {
  /**
   * How long a stream asked to end has to reach the end of an event and write its end before it
   * is cut off: a workspace that stalls in the middle of an event, or a client that stops reading,
   * must not hold the workspace's drain for ever.
   */
  static final long END_DEADLINE_MILLIS = 5_000;

  private static final String EVENT_STREAM = "text/event-stream";
  private static final String ENDED = "the event stream has ended: its workspace is no longer routed";

  private final Admission admission;
  private final Scheduler scheduler;
  /** Line terminators just written in a row (a CRLF counts once); 2 or more: between events. */
  private final EventBoundaries boundaries = new EventBoundaries();
  // The fields below are guarded by this: the workspace writes on its threads, Jetty completes
  // writes on its own, and the router asks for the end on one of the router's.
  private @Nullable LongLivedConnection longLived;
  private boolean checked;
  /** A write (the workspace's or the end) is in Jetty and has not completed. */
  private boolean writePending;
  /** The router asked the stream to end after its next complete event. */
  private boolean ending;
  /** No write of the workspace passes any more: the end is written, or the workspace wrote its last. */
  private boolean ended;
  /** The request has completed: ended by the router, cut off, or completed by its workspace. */
  private boolean finished;
  /** The request's end is decided (written, or cut off): it is completed once, by whichever came first. */
  private boolean done;
  /** The request's own callback, which the end completes on the workspace's behalf. */
  private @Nullable AdmissionCallback request;
  /** The router decided to end the stream: completing the request is the end's, not the workspace's. */
  private boolean routerEnds;
  /** Releases the upstream exchange that feeds the stream, if it comes through the proxy. */
  private @Nullable Runnable upstream;
  private Scheduler.@Nullable Task deadline;

  EventStreamResponse(Request request, Response response, Admission admission) {
    super(request, response);
    this.admission = admission;
    this.scheduler = request.getComponents().getScheduler();
  }

  /** Whether the request accepts an event stream: then its response is watched. */
  static boolean accepts(Request request) {
    for (String accept : request.getHeaders().getValuesList(HttpHeader.ACCEPT)) {
      if (accept.toLowerCase(Locale.ROOT).contains(EVENT_STREAM)) {
        return true;
      }
    }
    return false;
  }

  /** The request's callback, which completes the request and closes its admission. */
  synchronized void completing(AdmissionCallback requestCallback) {
    this.request = requestCallback;
  }

  /** How to release the upstream exchange behind the stream once it has ended. */
  void upstream(Runnable release) {
    boolean now;
    synchronized (this) {
      upstream = release;
      now = done || finished;
    }
    if (now) {
      release.run();
    }
  }

  /** Whether the router ended (or cut off) the stream: the workspace's failures after that are its doing. */
  synchronized boolean endedByRouter() {
    return routerEnds;
  }

  /** Whether the request is the router's to complete: it has decided to end the stream. */
  synchronized boolean endsTheRequest() {
    return routerEnds;
  }

  /** The request has completed: the long-lived connection, if the response was an event stream, ends. */
  void completed() {
    LongLivedConnection l;
    Scheduler.Task d;
    synchronized (this) {
      finished = true;
      l = longLived;
      d = deadline;
      deadline = null;
    }
    if (d != null) {
      d.cancel();
    }
    if (l != null) {
      l.close();
    }
  }

  @Override
  public void write(boolean last, @Nullable ByteBuffer content, Callback callback) {
    ByteBuffer cut = null;
    boolean refused = false;
    boolean plain = false;
    synchronized (this) {
      if (ended || done) {
        refused = true;
      } else {
        if (!checked) {
          checked = true;
          String type = getHeaders().get(HttpHeader.CONTENT_TYPE);
          if (getStatus() == HttpStatus.OK_200 && type != null && type.toLowerCase(Locale.ROOT).startsWith(EVENT_STREAM)) {
            longLived = admission.longLived(this::endAfterTheNextEvent);
          }
        }
        plain = longLived == null; // not an event stream: written as it is
        if (!plain) {
          ByteBuffer toWrite = content == null ? BufferUtil.EMPTY_BUFFER : content;
          if (ending) {
            int end = boundaries.afterNextEvent(toWrite);
            if (end >= 0) {
              cut = toWrite.duplicate();
              cut.limit(end);
              toWrite = cut;
            }
          }
          for (int i = toWrite.position(); i < toWrite.limit(); i++) {
            boundaries.step(toWrite.get(i));
          }
          ended = last || cut != null;
          if (cut != null) {
            routerEnds = true;
          }
          writePending = true;
        }
      }
    }
    if (refused) {
      callback.failed(new IOException(ENDED));
    } else if (plain) {
      super.write(last, content, callback);
    } else if (cut != null) {
      // The rest of the workspace's buffer belongs to the next event: it is never sent.
      super.write(
          true,
          cut,
          Callback.from(
              callback.getInvocationType(),
              () -> finish(() -> callback.failed(new IOException(ENDED))),
              failure -> cutOff(failure, callback)));
    } else {
      super.write(last, content, Callback.from(callback.getInvocationType(), () -> written(callback), failure -> writeFailed(failure, callback)));
    }
  }

  /** A write of the workspace's completed: the end follows it, if the router asked and it can. */
  private void written(Callback callback) {
    boolean endNow;
    synchronized (this) {
      writePending = false;
      endNow = ending && !ended && !done && !finished && boundaries.atBoundary();
      if (endNow) {
        ended = true;
        routerEnds = true;
        writePending = true;
      }
    }
    if (endNow) {
      writeEnd(callback);
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

  /** The router's closer: from any thread. */
  private void endAfterTheNextEvent() {
    boolean endNow;
    synchronized (this) {
      if (ending || done || finished) {
        return;
      }
      ending = true;
      IOException late =
          new IOException("the event stream did not end within " + END_DEADLINE_MILLIS + " ms of the router's ask: cut off");
      deadline = scheduler.schedule(() -> cutOff(late, null), END_DEADLINE_MILLIS, TimeUnit.MILLISECONDS);
      endNow = !writePending && !ended && boundaries.atBoundary();
      if (endNow) {
        ended = true;
        routerEnds = true;
        writePending = true;
      }
    }
    if (endNow) {
      writeEnd(null);
    }
  }

  /**
   * Writes the end of the response (the last chunk); no other write is pending. The workspace's
   * write that preceded it, if any, completes after it, as the end does.
   */
  private void writeEnd(@Nullable Callback workspaceWrite) {
    Callback then =
        workspaceWrite == null
            ? Callback.from(NON_BLOCKING, () -> finish(() -> {}), failure -> cutOff(failure, null))
            : Callback.from(
                workspaceWrite.getInvocationType(),
                () -> finish(workspaceWrite::succeeded),
                failure -> cutOff(failure, workspaceWrite));
    super.write(true, BufferUtil.EMPTY_BUFFER, then);
  }

  /** The end is written: the request completes, the upstream is released, then {@code then} runs. */
  private void finish(Runnable then) {
    AdmissionCallback r;
    Runnable u;
    synchronized (this) {
      writePending = false;
      boolean first = !done && !finished;
      done = true;
      r = first ? request : null;
      u = first ? upstream : null;
    }
    if (r != null) {
      r.endedByRouter(); // counted out through completed()
    }
    if (u != null) {
      u.run();
    }
    then.run();
  }

  /**
   * Cuts the stream off: the request fails, which aborts a response already committed (the
   * client sees a broken stream, never a complete one), and the upstream is released.
   */
  private void cutOff(Throwable failure, @Nullable Callback workspaceWrite) {
    AdmissionCallback r;
    Runnable u;
    synchronized (this) {
      ended = true;
      routerEnds = true;
      boolean first = !done && !finished;
      done = true;
      r = first ? request : null;
      u = first ? upstream : null;
    }
    if (r != null) {
      r.cutOffByRouter(failure); // counted out through completed()
    }
    if (u != null) {
      u.run();
    }
    if (workspaceWrite != null) {
      workspaceWrite.failed(failure);
    }
  }

  private static final Invocable.InvocationType NON_BLOCKING = Invocable.InvocationType.NON_BLOCKING;
}
