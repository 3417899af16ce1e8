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
  /** What was passed on so far; a stream that has sent nothing stands at a boundary. */
  private final Scan passedOn = new Scan(2, false);

  /** Whether the bytes passed on so far end with a complete event (or there were none). */
  public boolean atBoundary() {
    return passedOn.ends >= 2;
  }

  /** Takes one more byte that was passed on. */
  public void step(byte b) {
    var unused = passedOn.endsEventAt(b);
  }

  /**
   * Where in {@code src}, between its position and its limit, the next event ends (the index after
   * it), or -1 if it does not end there. Reads without moving the position.
   */
  public int afterNextEvent(ByteBuffer src) {
    Scan ahead = new Scan(passedOn.ends, passedOn.cr);
    for (int i = src.position(); i < src.limit(); i++) {
      if (ahead.endsEventAt(src.get(i))) {
        return i + 1;
      }
    }
    return -1;
  }

  /** Where in {@code b[off, off + len)} the next event ends (the index after it), or -1. */
  public int afterNextEvent(byte[] b, int off, int len) {
    Scan ahead = new Scan(passedOn.ends, passedOn.cr);
    for (int i = off; i < off + len; i++) {
      if (ahead.endsEventAt(b[i])) {
        return i + 1;
      }
    }
    return -1;
  }

  /** Line ends in a row, and whether the last byte was a CR (whose LF, if next, ends no line). */
  private static final class Scan {
    private int ends;
    private boolean cr;

    Scan(int ends, boolean cr) {
      this.ends = ends;
      this.cr = cr;
    }

    /** Takes one byte; true if it completes an event's blank line. */
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
