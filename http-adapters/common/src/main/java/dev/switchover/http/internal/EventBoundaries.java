package dev.switchover.http.internal;

import java.nio.ByteBuffer;

/**
 * Where the events of a {@code text/event-stream} body end, the same in every adapter: an event
 * ends at a blank line, and a line ends at CR LF, LF or CR. An adapter feeds it the bytes it has
 * passed on ({@link #step}), asks whether the stream stands between two events ({@link
 * #atBoundary}), and where in the next bytes the next event ends ({@link #afterNextEvent}), so that
 * it can end a stream without cutting an event in half. Not thread-safe: one per stream.
 */
public final class EventBoundaries {
  /** Line ends in a row just passed on; a stream that has sent nothing stands at a boundary. */
  private int lineEnds = 2;

  private boolean lastWasCr;

  /** Whether the bytes passed on so far end with a complete event (or there were none). */
  public boolean atBoundary() {
    return lineEnds >= 2;
  }

  /** Takes one more byte that was passed on. */
  public void step(byte b) {
    if (b == '\n') {
      if (!lastWasCr) {
        lineEnds++;
      }
      lastWasCr = false;
    } else if (b == '\r') {
      lineEnds++;
      lastWasCr = true;
    } else {
      lineEnds = 0;
      lastWasCr = false;
    }
  }

  /**
   * Where in {@code src}, between its position and its limit, the next event ends (the index after
   * it), or -1 if it does not end there. Reads without moving the position.
   */
  public int afterNextEvent(ByteBuffer src) {
    Scan scan = new Scan(lineEnds, lastWasCr);
    for (int i = src.position(); i < src.limit(); i++) {
      if (scan.endsEventAt(src.get(i))) {
        return i + 1;
      }
    }
    return -1;
  }

  /** Where in {@code b[off, off + len)} the next event ends (the index after it), or -1. */
  public int afterNextEvent(byte[] b, int off, int len) {
    Scan scan = new Scan(lineEnds, lastWasCr);
    for (int i = off; i < off + len; i++) {
      if (scan.endsEventAt(b[i])) {
        return i + 1;
      }
    }
    return -1;
  }

  /** A look ahead from the state passed on so far, which it leaves as it is. */
  private static final class Scan {
    private int ends;
    private boolean cr;

    Scan(int ends, boolean cr) {
      this.ends = ends;
      this.cr = cr;
    }

    boolean endsEventAt(byte b) {
      if (b == '\n') {
        if (!cr) {
          ends++;
        }
        cr = false;
      } else if (b == '\r') {
        ends++;
        cr = true;
      } else {
        ends = 0;
        cr = false;
      }
      return ends >= 2;
    }
  }
}
