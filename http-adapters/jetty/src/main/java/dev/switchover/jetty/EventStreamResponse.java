package dev.switchover.jetty;

import dev.switchover.http.internal.EventBoundaries;
import dev.switchover.Admission;
import dev.switchover.LongLivedConnection;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Locale;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;

/**
 * The response of a request that accepts a server-sent-event stream, from an in-process handler
 * or the proxy alike: it makes the request a long-lived connection of its workspace when the
 * response starts with {@code Content-Type: text/event-stream}, watches where each event ends (a
 * blank line: two line terminators in a row, each LF, CR or CRLF), and when the router asks, at
 * the end of the grace after a switch, ends the response right after a complete event (at once if
 * it is between two), so that the client's {@code EventSource} reconnects with its {@code
 * Last-Event-ID}, to the workspace the table routes it to then. A write after that fails.
 *
 * <p>Jetty allows one write at a time: the end is written when no write is pending.
 */
final class EventStreamResponse extends Response.Wrapper {
  private static final String EVENT_STREAM = "text/event-stream";

  private final Admission admission;
  private @Nullable LongLivedConnection longLived;
  private boolean checked;
  /** Line terminators just written in a row (a CRLF counts once); 2 or more: between events. */
  private final EventBoundaries boundaries = new EventBoundaries();
  private boolean writePending;
  private boolean ending;
  private boolean ended;

  EventStreamResponse(Request request, Response response, Admission admission) {
    super(request, response);
    this.admission = admission;
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

  /** Ends the long-lived connection, if the response was an event stream; the request has completed. */
  void completed() {
    LongLivedConnection l;
    synchronized (this) {
      l = longLived;
    }
    if (l != null) {
      l.close();
    }
  }

  @Override
  public void write(boolean last, @Nullable ByteBuffer content, Callback callback) {
    ByteBuffer toWrite = content;
    boolean endHere = false;
    boolean plain;
    synchronized (this) {
      if (ended) {
        callback.failed(new IOException("the event stream has ended: its workspace is no longer routed"));
        return;
      }
      if (!checked) {
        checked = true;
        String type = getHeaders().get(HttpHeader.CONTENT_TYPE);
        if (getStatus() == HttpStatus.OK_200 && type != null && type.toLowerCase(Locale.ROOT).startsWith(EVENT_STREAM)) {
          longLived = admission.longLived(this::endAfterTheNextEvent);
        }
      }
      plain = longLived == null; // not an event stream: written as it is
      if (!plain && content != null) {
        if (ending) {
          int cut = boundaries.afterNextEvent(content);
          if (cut >= 0) {
            toWrite = content.duplicate();
            toWrite.limit(cut);
            endHere = true;
            ended = true;
          }
        }
        ByteBuffer tracked = toWrite == null ? content : toWrite;
        for (int i = tracked.position(); i < tracked.limit(); i++) {
          boundaries.step(tracked.get(i));
        }
      }
      writePending = !plain;
    }
    if (plain) {
      super.write(last, content, callback);
      return;
    }
    if (endHere) {
      super.write(true, toWrite, Callback.from(() -> callback.failed(new IOException("the event stream has ended: its workspace is no longer routed")), callback::failed));
      return;
    }
    super.write(last, content, Callback.from(() -> written(callback), failure -> {
      synchronized (this) {
        writePending = false;
      }
      callback.failed(failure);
    }));
  }

  /** A write of the workspace's completed: the end follows it, if the router asked and it can. */
  private void written(Callback callback) {
    boolean endNow;
    synchronized (this) {
      writePending = false;
      endNow = ending && !ended && boundaries.atBoundary();
      if (endNow) {
        ended = true;
      }
    }
    if (endNow) {
      super.write(true, BufferUtil.EMPTY_BUFFER, Callback.from(callback::succeeded, callback::failed));
    } else {
      callback.succeeded();
    }
  }

  /** The router's closer: from any thread. */
  private void endAfterTheNextEvent() {
    boolean endNow;
    synchronized (this) {
      ending = true;
      endNow = !writePending && !ended && boundaries.atBoundary();
      if (endNow) {
        ended = true;
      }
    }
    if (endNow) {
      super.write(true, BufferUtil.EMPTY_BUFFER, Callback.NOOP);
    }
  }


}
