package dev.switchover.undertow;

import io.undertow.conduits.ChunkedStreamSourceConduit;
import io.undertow.conduits.ReadDataStreamSourceConduit;
import io.undertow.connector.PooledByteBuffer;
import io.undertow.server.Connectors;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.protocol.http.HttpServerConnection;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import org.jspecify.annotations.Nullable;
import org.xnio.channels.StreamSinkChannel;
import org.xnio.conduits.AbstractStreamSourceConduit;
import org.xnio.conduits.ConduitReadableByteChannel;
import org.xnio.conduits.ConduitStreamSourceChannel;
import org.xnio.conduits.Conduits;
import org.xnio.conduits.StreamSourceConduit;

/**
 * Holds a chunked request body to RFC 9112's grammar, which Undertow's own chunk decoder reads
 * leniently (a bare LF for CRLF, anything after the size as an extension, a skip to the next LF
 * after chunk data): a proxy in front that read such bytes strictly would see another message than
 * Undertow does. Undertow's decoder still decodes; beneath it, a checking conduit reads the raw
 * bytes and fails the read, with the first byte that breaks the grammar, before the decoder sees
 * them. The bytes that arrived with the request head are checked at once, so that the adapter can
 * refuse such a request with 400 before anything reads or forwards it.
 */
final class StrictChunking {
  private StrictChunking() {}

  /**
   * Puts the check beneath the exchange's chunk decoder, for an HTTP/1.1 request with a chunked
   * body that nothing has read yet.
   *
   * @return what breaks the grammar in the bytes already received, or null
   */
  static @Nullable String install(HttpServerExchange exchange) {
    if (!(exchange.getConnection() instanceof HttpServerConnection connection)
        || exchange.isRequestComplete()
        || !exchange.isRequestChannelAvailable()) {
      return null; // not HTTP/1.1, or something read the body already: too late to check it
    }
    ConduitStreamSourceChannel source = connection.getChannel().getSourceChannel();
    if (!(source.getConduit() instanceof ChunkedStreamSourceConduit)) {
      return null;
    }
    Grammar grammar = new Grammar();
    PooledByteBuffer received = connection.getExtraBytes();
    if (received != null) {
      ByteBuffer bytes = received.getBuffer();
      String problem = grammar.check(bytes, bytes.position(), bytes.limit());
      if (problem != null) {
        return problem;
      }
    }
    // A decoder like the one Undertow set up, on the bytes that came with the head (checked
    // above), then on the connection's, checked as they are read. Undertow puts the connection's
    // own conduit back when the exchange ends.
    source.setConduit(
        new ChunkedStreamSourceConduit(
            new ReadDataStreamSourceConduit(
                new Checked(connection.getOriginalSourceConduit(), grammar), connection),
            exchange,
            decoder -> {
              if (!decoder.isFinished()) {
                exchange.setPersistent(false); // the rest of the body was not read
              }
              Connectors.terminateRequest(exchange);
            }));
    return null;
  }

  /** The raw bytes of the body, checked as they are read. */
  private static final class Checked extends AbstractStreamSourceConduit<StreamSourceConduit> {
    private final Grammar grammar;

    Checked(StreamSourceConduit next, Grammar grammar) {
      super(next);
      this.grammar = grammar;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      int start = dst.position();
      int read = next.read(dst);
      if (read == -1) {
        ended();
      } else {
        check(dst, start);
      }
      return read;
    }

    @Override
    public long read(ByteBuffer[] dsts, int offs, int len) throws IOException {
      int[] starts = new int[len];
      for (int i = 0; i < len; i++) {
        starts[i] = dsts[offs + i].position();
      }
      long read = next.read(dsts, offs, len);
      if (read == -1) {
        ended();
      } else {
        for (int i = 0; i < len; i++) {
          check(dsts[offs + i], starts[i]);
        }
      }
      return read;
    }

    @Override
    public long transferTo(long position, long count, FileChannel target) throws IOException {
      return target.transferFrom(new ConduitReadableByteChannel(this), position, count);
    }

    @Override
    public long transferTo(long count, ByteBuffer throughBuffer, StreamSinkChannel target)
        throws IOException {
      return Conduits.transfer(this, count, throughBuffer, target);
    }

    private void ended() throws IOException {
      if (!grammar.done()) {
        throw new EOFException("the connection ended inside a chunked request body");
      }
    }

    private void check(ByteBuffer dst, int start) throws IOException {
      String problem = grammar.check(dst, start, dst.position());
      if (problem != null) {
        throw new IOException("malformed chunked request body: " + problem);
      }
    }
  }

  /**
   * RFC 9112's chunked body as a state machine over raw bytes: chunk sizes in hexadecimal,
   * extensions after {@code ;}, CRLF after every line and every chunk's data, trailer fields
   * without folding, a final CRLF. What follows the final CRLF is the next request's and not
   * looked at.
   */
  static final class Grammar {
    private enum State {
      SIZE_START, SIZE, SIZE_SPACE, EXTENSION, SIZE_LF, DATA, DATA_CR, DATA_LF,
      TRAILER_START, TRAILER_NAME, TRAILER_VALUE, TRAILER_LF, END_LF, DONE
    }

    /** More hex digits than this could overflow a long. */
    private static final int MAX_SIZE_DIGITS = 15;

    private State state = State.SIZE_START;
    private long size;
    private int digits;

    boolean done() {
      return state == State.DONE;
    }

    /** Checks {@code bytes[from, to)} (absolute indexes); what breaks the grammar, or null. */
    @Nullable String check(ByteBuffer bytes, int from, int to) {
      int i = from;
      while (i < to && state != State.DONE) {
        if (state == State.DATA) {
          long take = Math.min(size, to - i);
          size -= take;
          i += (int) take;
          if (size == 0) {
            state = State.DATA_CR;
          }
          continue;
        }
        String problem = step(bytes.get(i) & 0xff);
        if (problem != null) {
          return problem;
        }
        i++;
      }
      return null;
    }

    private @Nullable String step(int b) {
      switch (state) {
        case SIZE_START -> {
          if (hex(b) < 0) {
            return "a chunk size that is not hexadecimal (" + shown(b) + ")";
          }
          size = hex(b);
          digits = 1;
          state = State.SIZE;
        }
        case SIZE -> {
          int digit = hex(b);
          if (digit >= 0) {
            if (++digits > MAX_SIZE_DIGITS) {
              return "a chunk size of more than " + MAX_SIZE_DIGITS + " hex digits";
            }
            size = size * 16 + digit;
          } else if (b == ';') {
            state = State.EXTENSION;
          } else if (b == ' ' || b == '\t') {
            state = State.SIZE_SPACE;
          } else if (b == '\r') {
            state = State.SIZE_LF;
          } else {
            return "a chunk size followed by " + shown(b);
          }
        }
        case SIZE_SPACE -> {
          if (b == ';') {
            state = State.EXTENSION;
          } else if (b != ' ' && b != '\t') {
            return "white space after a chunk size, not followed by an extension";
          }
        }
        case EXTENSION -> {
          if (b == '\r') {
            state = State.SIZE_LF;
          } else if (isControl(b)) {
            return shown(b) + " in a chunk extension";
          }
        }
        case SIZE_LF -> {
          if (b != '\n') {
            return "a bare CR after a chunk size";
          }
          state = size == 0 ? State.TRAILER_START : State.DATA;
        }
        case DATA_CR -> {
          if (b != '\r') {
            return "chunk data not followed by CRLF";
          }
          state = State.DATA_LF;
        }
        case DATA_LF -> {
          if (b != '\n') {
            return "chunk data followed by a bare CR";
          }
          state = State.SIZE_START;
        }
        case TRAILER_START -> {
          if (b == '\r') {
            state = State.END_LF;
          } else if (b == ' ' || b == '\t') {
            return "a folded trailer line";
          } else if (isTokenChar(b)) {
            state = State.TRAILER_NAME;
          } else {
            return "a trailer line starting with " + shown(b);
          }
        }
        case TRAILER_NAME -> {
          if (b == ':') {
            state = State.TRAILER_VALUE;
          } else if (!isTokenChar(b)) {
            return "a trailer field name with " + shown(b);
          }
        }
        case TRAILER_VALUE -> {
          if (b == '\r') {
            state = State.TRAILER_LF;
          } else if (isControl(b)) {
            return shown(b) + " in a trailer field value";
          }
        }
        case TRAILER_LF, END_LF -> {
          if (b != '\n') {
            return "a bare CR in the trailer section";
          }
          state = state == State.END_LF ? State.DONE : State.TRAILER_START;
        }
        case DATA, DONE -> throw new IllegalStateException(state.name());
      }
      return null;
    }

    private static int hex(int b) {
      if (b >= '0' && b <= '9') {
        return b - '0';
      }
      if ((b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F')) {
        return (b | 0x20) - 'a' + 10;
      }
      return -1;
    }

    /** A control character other than horizontal tab (so CR, LF and NUL among them). */
    private static boolean isControl(int b) {
      return (b < 0x20 && b != '\t') || b == 0x7f;
    }

    private static boolean isTokenChar(int b) {
      return b > 0x20 && b < 0x7f && "\"(),/:;<=>?@[\\]{}".indexOf(b) < 0;
    }

    private static String shown(int b) {
      return b >= 0x21 && b < 0x7f ? "'" + (char) b + "'" : String.format("0x%02x", b);
    }
  }
}
