package dev.switchover.testkit;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.hpack.HpackDecoder;
import org.eclipse.jetty.http2.hpack.HpackException;

/**
 * One HTTP/2 request as a client would never send it: a cleartext connection with prior
 * knowledge, and one HEADERS frame whose fields, pseudo-header fields included, are exactly the
 * given ones, in that order and unvalidated (each an HPACK literal, never indexed). What a
 * well-behaved client library refuses to send (two {@code :authority} fields, a {@code host} that
 * differs from {@code :authority}, an authority with user info) is what the suite needs.
 */
final class RawH2 {
  private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
  private static final int HEADERS = 0x1;
  private static final int RST_STREAM = 0x3;
  private static final int SETTINGS = 0x4;
  private static final int GOAWAY = 0x7;
  private static final int CONTINUATION = 0x9;
  private static final int END_STREAM = 0x1;
  private static final int ACK = 0x1;
  private static final int END_HEADERS = 0x4;
  private static final int PADDED = 0x8;
  private static final int PRIORITY = 0x20;
  private static final int STREAM = 1;

  /**
   * What came back for the request: an answer (its status and the workspace that served it), or
   * a refusal at the HTTP/2 layer (the stream reset, the connection ended or closed).
   */
  record Outcome(int status, String workspace, String refusal) {
    boolean answered() {
      return refusal.isEmpty();
    }

    @Override
    public String toString() {
      return answered() ? status + (workspace.isEmpty() ? "" : " from " + workspace) : refusal;
    }
  }

  private RawH2() {}

  /** Sends one GET with exactly {@code fields} to 127.0.0.1:{@code port} and waits for its outcome. */
  static Outcome exchange(int port, List<Map.Entry<String, String>> fields) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout((int) Await.DEADLINE.toMillis());
      OutputStream out = socket.getOutputStream();
      out.write(PREFACE);
      frame(out, SETTINGS, 0, 0, new byte[0]);
      frame(out, HEADERS, END_STREAM | END_HEADERS, STREAM, block(fields));
      out.flush();
      return read(new DataInputStream(socket.getInputStream()), out);
    }
  }

  private static Outcome read(DataInputStream in, OutputStream out) throws IOException {
    ByteArrayOutputStream headerBlock = new ByteArrayOutputStream();
    while (true) {
      int length;
      int type;
      int flags;
      int stream;
      byte[] payload;
      try {
        length = (in.readUnsignedByte() << 16) | in.readUnsignedShort();
        type = in.readUnsignedByte();
        flags = in.readUnsignedByte();
        stream = in.readInt() & 0x7fffffff;
        payload = new byte[length];
        in.readFully(payload);
      } catch (EOFException e) {
        return new Outcome(0, "", "the connection was closed");
      } catch (SocketTimeoutException e) {
        return new Outcome(0, "", "no answer within " + Await.DEADLINE);
      } catch (IOException e) {
        return new Outcome(0, "", "the connection failed: " + e.getMessage());
      }
      if (type == SETTINGS && (flags & ACK) == 0) {
        try {
          frame(out, SETTINGS, ACK, 0, new byte[0]);
          out.flush();
        } catch (IOException e) {
          // the server is closing the connection: what it sent before still tells why
        }
      } else if (type == GOAWAY) {
        int error = ByteBuffer.wrap(payload, 4, 4).getInt();
        return new Outcome(0, "", "GOAWAY (error " + error + ")");
      } else if (type == RST_STREAM && stream == STREAM) {
        return new Outcome(0, "", "RST_STREAM (error " + ByteBuffer.wrap(payload).getInt() + ")");
      } else if ((type == HEADERS || type == CONTINUATION) && stream == STREAM) {
        int start = 0;
        int end = payload.length;
        if (type == HEADERS && (flags & PADDED) != 0) {
          start = 1; // the pad length, then the padding at the end
          end -= payload[0] & 0xff;
        }
        if (type == HEADERS && (flags & PRIORITY) != 0) {
          start += 5; // the stream dependency and weight
        }
        headerBlock.write(payload, start, end - start);
        if ((flags & END_HEADERS) != 0) {
          return decode(headerBlock.toByteArray());
        }
      }
      // anything else (DATA of another stream, WINDOW_UPDATE, PING) is not needed
    }
  }

  private static Outcome decode(byte[] block) throws IOException {
    try {
      MetaData metaData = new HpackDecoder(64 * 1024, System::nanoTime).decode(ByteBuffer.wrap(block));
      if (!(metaData instanceof MetaData.Response response)) {
        return new Outcome(0, "", "a header block that is not a response: " + metaData);
      }
      HttpField workspace = response.getHttpFields().getField("x-workspace");
      return new Outcome(response.getStatus(), workspace == null ? "" : workspace.getValue(), "");
    } catch (HpackException.SessionException | HpackException.StreamException e) {
      throw new IOException("cannot decode the answer's header block: " + e, e);
    }
  }

  /** The header block: every field a literal without indexing, with a literal name, no Huffman. */
  private static byte[] block(List<Map.Entry<String, String>> fields) {
    ByteArrayOutputStream block = new ByteArrayOutputStream();
    for (Map.Entry<String, String> field : fields) {
      block.write(0x00);
      string(block, field.getKey());
      string(block, field.getValue());
    }
    return block.toByteArray();
  }

  private static void string(ByteArrayOutputStream out, String s) {
    byte[] bytes = s.getBytes(StandardCharsets.ISO_8859_1);
    integer(out, bytes.length, 7);
    out.write(bytes, 0, bytes.length);
  }

  /** RFC 7541, section 5.1, with the flag bits above the prefix zero. */
  private static void integer(ByteArrayOutputStream out, int value, int prefixBits) {
    int max = (1 << prefixBits) - 1;
    if (value < max) {
      out.write(value);
      return;
    }
    out.write(max);
    int rest = value - max;
    while (rest >= 128) {
      out.write((rest & 0x7f) | 0x80);
      rest >>>= 7;
    }
    out.write(rest);
  }

  private static void frame(OutputStream out, int type, int flags, int stream, byte[] payload)
      throws IOException {
    out.write(payload.length >>> 16);
    out.write(payload.length >>> 8);
    out.write(payload.length);
    out.write(type);
    out.write(flags);
    out.write(stream >>> 24);
    out.write(stream >>> 16);
    out.write(stream >>> 8);
    out.write(stream);
    out.write(payload);
  }
}
