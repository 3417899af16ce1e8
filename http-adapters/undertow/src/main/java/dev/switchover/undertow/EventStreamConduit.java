package dev.switchover.undertow;

import dev.switchover.http.internal.EventBoundaries;
import dev.switchover.Admission;
import dev.switchover.LongLivedConnection;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.util.StatusCodes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.xnio.IoUtils;
import org.xnio.XnioIoThread;
import org.xnio.channels.StreamSourceChannel;
import org.xnio.conduits.AbstractStreamSinkConduit;
import org.xnio.conduits.ConduitWritableByteChannel;
import org.xnio.conduits.Conduits;
import org.xnio.conduits.StreamSinkConduit;

/**
 * The response of a server-sent-event stream, from an in-process handler or an upstream alike:
 * it makes the request a long-lived connection of its workspace when the response starts with
 * {@code Content-Type: text/event-stream}, watches where each event ends (a blank line: two line
 * terminators in a row, each LF, CR or CRLF), and when the router asks, at the end of the grace
 * after a switch, ends the response right after a complete event (at once if it is between two),
 * so that the client's {@code EventSource} reconnects with its {@code Last-Event-ID}, to the
 * workspace the table routes it to then. Whatever the workspace writes afterwards is refused.
 */
final class EventStreamConduit extends AbstractStreamSinkConduit<StreamSinkConduit> {
  private static final AttachmentKey<LongLivedConnection> LONG_LIVED = AttachmentKey.create(LongLivedConnection.class);
  private static final String EVENT_STREAM = "text/event-stream";
  private static final long FLUSH_RETRY_MILLIS = 10;
  /**
   * How long a stream asked to end has to reach the end of an event, and then to flush its end,
   * before it is cut off: a workspace that stalls in the middle of an event, or a client that stops
   * reading, must not hold the workspace's drain for ever.
   */
  static final long END_DEADLINE_MILLIS = 5_000;

  private final XnioIoThread ioThread;
  /** Line terminators just written in a row (a CRLF counts once); 2 or more: between events. */
  private final EventBoundaries boundaries = new EventBoundaries();
  // The fields below are guarded by this: a workspace in blocking mode writes on a worker thread,
  // while the router's end comes on the I/O thread.
  /** The router asked the stream to end after its next complete event. */
  private boolean ending;
  private boolean ended;
  private long flushDeadline;

  private EventStreamConduit(StreamSinkConduit next, XnioIoThread ioThread) {
    super(next);
    this.ioThread = ioThread;
  }

  /** Whether the request accepts an event stream: then its response is watched. */
  static boolean accepts(HttpServerExchange exchange) {
    HeaderValues accept = exchange.getRequestHeaders().get(Headers.ACCEPT);
    for (int i = 0; accept != null && i < accept.size(); i++) {
      if (accept.get(i).toLowerCase(Locale.ROOT).contains(EVENT_STREAM)) {
        return true;
      }
    }
    return false;
  }

  /** Watches the response of a request that {@linkplain #accepts accepts} an event stream. */
  static void watch(HttpServerExchange exchange, Admission admission) {
    exchange.addResponseWrapper(
        (factory, ex) -> {
          StreamSinkConduit next = factory.create();
          String type = ex.getResponseHeaders().getFirst(Headers.CONTENT_TYPE);
          if (ex.getStatusCode() != StatusCodes.OK
              || type == null
              || !type.toLowerCase(Locale.ROOT).startsWith(EVENT_STREAM)) {
            return next;
          }
          EventStreamConduit conduit = new EventStreamConduit(next, ex.getIoThread());
          ex.putAttachment(LONG_LIVED, admission.longLived(conduit::endAfterTheNextEvent));
          return conduit;
        });
  }

  /** Ends the long-lived connection of an exchange whose event stream has ended, if it was one. */
  static void ended(HttpServerExchange exchange) {
    LongLivedConnection longLived = exchange.getAttachment(LONG_LIVED);
    if (longLived != null) {
      longLived.close();
    }
  }

  /** The router's closer: from any thread. */
  private void endAfterTheNextEvent() {
    ioThread.execute(
        () -> {
          synchronized (this) {
            ending = true;
            if (boundaries.atBoundary()) {
              end();
            }
          }
        });
    ioThread.executeAfter(
        () -> {
          synchronized (this) {
            if (!ended) { // stalled in the middle of an event: cut off
              ended = true;
              abort();
            }
          }
        },
        END_DEADLINE_MILLIS,
        TimeUnit.MILLISECONDS);
  }

  /** Ends the response here: the last chunk, or the end of a response without a length. */
  private synchronized void end() {
    if (ended) {
      return;
    }
    ended = true;
    flushDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(END_DEADLINE_MILLIS);
    try {
      next.terminateWrites();
      flushLater();
    } catch (IOException e) {
      abort();
    }
  }

  private synchronized void flushLater() throws IOException {
    if (System.nanoTime() - flushDeadline > 0) {
      abort(); // a client that does not read
      return;
    }
    if (!next.flush()) {
      ioThread.executeAfter(
          () -> {
            try {
              flushLater();
            } catch (IOException e) {
              abort();
            }
          },
          FLUSH_RETRY_MILLIS,
          TimeUnit.MILLISECONDS);
    }
  }

  /** Cuts the response off, as a failed write would. */
  private void abort() {
    try {
      next.truncateWrites();
    } catch (IOException e) {
      // closed already
    }
  }

  @Override
  public synchronized int write(ByteBuffer src) throws IOException {
    if (ended) {
      throw new ClosedChannelException();
    }
    int limit = src.limit();
    int start = src.position();
    if (ending) {
      int cut = boundaries.afterNextEvent(src);
      if (cut >= 0) {
        src.limit(cut);
      }
    }
    int written;
    try {
      written = next.write(src);
    } finally {
      src.limit(limit);
    }
    track(src, start, written);
    if (ending && boundaries.atBoundary()) {
      end();
    }
    return written;
  }

  @Override
  public synchronized long write(ByteBuffer[] srcs, int offs, int len) throws IOException {
    long total = 0;
    for (int i = offs; i < offs + len && !ended; i++) {
      if (!srcs[i].hasRemaining()) {
        continue;
      }
      total += write(srcs[i]);
      if (srcs[i].hasRemaining()) {
        break;
      }
    }
    return total;
  }

  @Override
  public int writeFinal(ByteBuffer src) throws IOException {
    return Conduits.writeFinalBasic(this, src);
  }

  @Override
  public long writeFinal(ByteBuffer[] srcs, int offs, int len) throws IOException {
    return Conduits.writeFinalBasic(this, srcs, offs, len);
  }

  @Override
  public long transferFrom(FileChannel src, long position, long count) throws IOException {
    return src.transferTo(position, count, new ConduitWritableByteChannel(this));
  }

  @Override
  public long transferFrom(StreamSourceChannel source, long count, ByteBuffer throughBuffer) throws IOException {
    return IoUtils.transfer(source, count, throughBuffer, new ConduitWritableByteChannel(this));
  }

  @Override
  public synchronized void terminateWrites() throws IOException {
    if (!ended) {
      next.terminateWrites();
    }
  }

  /** Follows the line terminators in the bytes written. */
  private void track(ByteBuffer buffer, int from, int count) {
    for (int i = from; i < from + count; i++) {
      boundaries.step(buffer.get(i));
    }
  }



  @Override
  public String toString() {
    return "EventStreamConduit{" + (ended ? "ended" : ending ? "ending" : "open") + "}";
  }
}
