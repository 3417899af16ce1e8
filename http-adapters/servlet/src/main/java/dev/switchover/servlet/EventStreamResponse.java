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
import org.jspecify.annotations.Nullable;

/**
 * The response of an in-process request that accepts a server-sent-event stream: it makes the
 * request a long-lived connection of its workspace when the servlet starts writing a {@code 200}
 * with {@code Content-Type: text/event-stream}, watches where each event ends (a blank line: two
 * line terminators in a row, each LF, CR or CRLF), and once the router asks (the grace after a
 * switch has ended), ends the response right after a complete event, at the servlet's next write
 * or flush: the client's {@code EventSource} then reconnects with its {@code Last-Event-ID}, to the
 * workspace the table routes it to then, and the stream stops counting on its workspace. The
 * servlet's writes to the output stream fail from then on (a {@code PrintWriter} reports it through
 * {@code checkError()}, as it reports any failure). A servlet writes
 * from one thread at a time, as the servlet API wants, so the end is made on the servlet's.
 */
final class EventStreamResponse extends HttpServletResponseWrapper {
  private static final String EVENT_STREAM = "text/event-stream";
  private static final String ENDED = "the event stream has ended: its workspace is no longer routed";

  private final Admission admission;
  private volatile boolean ending;
  private volatile @Nullable LongLivedConnection longLived;
  private @Nullable Stream stream;
  private @Nullable PrintWriter writer;

  EventStreamResponse(HttpServletResponse response, Admission admission) {
    super(response);
    this.admission = admission;
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
    private boolean checked;
    private boolean ended;
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
      if (ended) {
        throw new IOException(ENDED);
      }
      if (!checked) {
        checked = true;
        String type = getContentType();
        if (getStatus() == SC_OK && type != null && type.toLowerCase(Locale.ROOT).startsWith(EVENT_STREAM)) {
          longLived = admission.longLived(() -> ending = true);
        }
      }
      if (longLived != null && ending) {
        if (boundaries.atBoundary()) {
          end();
          throw new IOException(ENDED);
        }
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

    @Override
    public void flush() throws IOException {
      if (ended) {
        throw new IOException(ENDED);
      }
      out.flush();
      if (longLived != null && ending && boundaries.atBoundary()) {
        end(); // a complete event has just gone out: the stream ends after it
      }
    }

    @Override
    public void close() throws IOException {
      if (!ended) {
        ended = true;
        out.close();
      }
    }

    /** Ends the response here: the last chunk, or the end of a response without a length. */
    private void end() throws IOException {
      ended = true;
      try {
        out.close();
      } finally {
        completed(); // over for its client: counted out now, whatever the servlet does next
      }
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
