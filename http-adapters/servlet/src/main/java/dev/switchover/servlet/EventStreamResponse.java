package dev.switchover.servlet;

import dev.switchover.http.internal.EventBoundaries;
import dev.switchover.Admission;
import dev.switchover.LongLivedConnection;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.util.Collections;
import java.util.Locale;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The response of an in-process request that accepts a server-sent-event stream: it makes the
 * request a long-lived connection of its workspace when the servlet starts writing a {@code 200}
 * with {@code Content-Type: text/event-stream}, watches where each event ends (a blank line: two
 * line terminators in a row, each LF, CR or CRLF), and once the router asks (the grace after a
 * switch has ended), ends the response right after a complete event: at once if the stream stands
 * between two events, otherwise at the servlet's write that completes the event. The client's
 * {@code EventSource} then reconnects with its {@code Last-Event-ID}, to the workspace the table
 * routes it to then, and the stream stops counting on its workspace. The servlet's writes to the
 * output stream fail from then on (a {@code PrintWriter} reports it through {@code checkError()},
 * as it reports any failure).
 *
 * <p>A stream that does not reach the end of an event, or whose end is not written (a client that
 * stops reading), within {@link #END_DEADLINE_MILLIS} of the router's ask is cut off: its
 * connection is aborted ({@link ConnectionAbort}), so that the client never takes half an event
 * for a whole one, and it stops counting.
 *
 * <p>The servlet writes from one thread at a time, as the servlet API wants; the router's end comes
 * from a thread of the router's. One lock keeps them from using the container's stream at once.
 */
final class EventStreamResponse extends HttpServletResponseWrapper {
  /**
   * How long a stream asked to end has to reach the end of an event and write its end before it
   * is cut off: a servlet that stalls in the middle of an event, or a client that stops reading,
   * must not hold the workspace's drain for ever.
   */
  static final long END_DEADLINE_MILLIS = 5_000;

  private static final Logger log = LoggerFactory.getLogger(EventStreamResponse.class);
  private static final String EVENT_STREAM = "text/event-stream";
  private static final String ENDED = "the event stream has ended: its workspace is no longer routed";

  private final HttpServletRequest request;
  private final Admission admission;
  private final ScheduledExecutorService timer;
  private volatile @Nullable LongLivedConnection longLived;
  /** The request has completed: a deadline that fires later has nothing to cut off. */
  private volatile boolean finished;
  private volatile @Nullable ScheduledFuture<?> deadline;
  private @Nullable Stream stream;
  private @Nullable PrintWriter writer;

  EventStreamResponse(HttpServletRequest request, HttpServletResponse response, Admission admission, ScheduledExecutorService timer) {
    super(response);
    this.request = request;
    this.admission = admission;
    this.timer = timer;
  }

  /** Whether the request accepts an event stream: then its response is watched. */
  static boolean accepts(HttpServletRequest request) {
    for (String accept : Collections.list(request.getHeaders("Accept"))) {
      if (accept.toLowerCase(Locale.ROOT).contains(EVENT_STREAM)) {
        return true;
      }
    }
    return false;
  }

  /** Ends the long-lived connection, if the response was an event stream; the request has completed. */
  void completed() {
    finished = true;
    ScheduledFuture<?> d = deadline;
    if (d != null) {
      d.cancel(false);
    }
    LongLivedConnection l = longLived;
    if (l != null) {
      l.close();
    }
  }

  @Override
  public ServletOutputStream getOutputStream() throws IOException {
    Stream s = stream;
    if (s == null) {
      s = new Stream(super.getOutputStream());
      stream = s;
    }
    return s;
  }

  @Override
  public PrintWriter getWriter() throws IOException {
    PrintWriter w = writer;
    if (w == null) {
      w = new PrintWriter(new OutputStreamWriter(getOutputStream(), Charset.forName(getCharacterEncoding())), false);
      writer = w;
    }
    return w;
  }

  private final class Stream extends ServletOutputStream {
    private final ServletOutputStream out;
    /** Guards the fields below and every use of {@link #out}. */
    private final Object lock = new Object();
    private boolean checked;
    /** The router asked the stream to end after its next complete event. */
    private boolean ending;
    /** Written under the lock; read without it by the deadline, which must not wait for a blocked write. */
    private volatile boolean ended;
    /** Line terminators just written in a row (a CRLF counts once); 2 or more: between events. */
    private final EventBoundaries boundaries = new EventBoundaries();

    Stream(ServletOutputStream out) {
      this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      synchronized (lock) {
        if (ended) {
          throw new IOException(ENDED);
        }
        if (!checked) {
          checked = true;
          String type = getContentType();
          if (getStatus() == SC_OK && type != null && type.toLowerCase(Locale.ROOT).startsWith(EVENT_STREAM)) {
            longLived = admission.longLived(this::endAfterTheNextEvent);
          }
        }
        if (longLived != null && ending) {
          int cut = boundaries.afterNextEvent(b, off, len);
          if (cut >= 0) {
            out.write(b, off, cut - off);
            end();
            throw new IOException(ENDED);
          }
        }
        out.write(b, off, len);
        for (int i = off; i < off + len; i++) {
          boundaries.step(b[i]);
        }
      }
    }

    @Override
    public void flush() throws IOException {
      synchronized (lock) {
        if (ended) {
          throw new IOException(ENDED);
        }
        out.flush();
      }
    }

    @Override
    public void close() throws IOException {
      synchronized (lock) {
        if (!ended) {
          ended = true;
          out.close();
        }
      }
    }

    /** The router's closer, on a thread of the router's: ends the stream now if it is between two events. */
    private void endAfterTheNextEvent() {
      synchronized (lock) {
        if (ending || ended) {
          return;
        }
        ending = true;
        deadline = timer.schedule(this::cutOff, END_DEADLINE_MILLIS, TimeUnit.MILLISECONDS);
        if (boundaries.atBoundary()) {
          try {
            end();
          } catch (IOException e) {
            log.debug("ending an idle event stream failed: its client went away", e);
          }
        }
      }
    }

    /** Ends the response here: the last chunk, or the end of a response without a length. Under the lock. */
    private void end() throws IOException {
      ended = true;
      try {
        out.close();
      } finally {
        completed(); // over for its client: counted out now, whatever the servlet does next
      }
    }

    /**
     * The deadline: a stream that has not ended is cut off. Without the lock, which a write to a
     * client that does not read may hold.
     */
    private void cutOff() {
      if (finished) {
        return; // ended cleanly: its end was written
      }
      ended = true; // the servlet's next use of the stream fails, whatever the abort does
      if (!ConnectionAbort.abort(request)) {
        log.warn(
            "the container cannot abort the connection of an event stream that did not reach the end of an event"
                + " in time: it ends when its servlet returns");
      }
      completed();
    }

    @Override
    public boolean isReady() {
      return out.isReady();
    }

    @Override
    public void setWriteListener(WriteListener listener) {
      out.setWriteListener(listener);
    }
  }
}
