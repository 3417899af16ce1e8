package dev.switchover.rawhttp;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import org.jspecify.annotations.Nullable;

/**
 * The lines of HTTP/1.1 heads and chunked bodies, read byte by byte as ISO-8859-1: how {@link
 * RawConnection} reads responses, and how the testkit's hand-written servers read requests.
 * Stateless.
 */
public final class HttpLine {
  private static final int MAX_LINE = 64 * 1024;

  private HttpLine() {}

  /**
   * The next line without its line end (CRLF, or a bare LF); null if the input ends before it.
   *
   * @throws EOFException if the input ends in the middle of the line
   * @throws IOException if the line is longer than 64 KiB
   */
  public static @Nullable String read(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder(64);
    while (true) {
      int b = in.read();
      if (b < 0) {
        if (line.length() == 0) {
          return null;
        }
        throw new EOFException("the input ended mid-line: " + line);
      }
      if (b == '\n') {
        int n = line.length();
        if (n > 0 && line.charAt(n - 1) == '\r') {
          line.setLength(n - 1);
        }
        return line.toString();
      }
      if (line.length() >= MAX_LINE) {
        throw new IOException("line longer than " + MAX_LINE + " bytes");
      }
      line.append((char) b);
    }
  }

  /** The size a chunk-size line of a chunked body gives, its extensions ignored. */
  public static long chunkSize(String line) {
    int semicolon = line.indexOf(';');
    return Long.parseLong((semicolon < 0 ? line : line.substring(0, semicolon)).trim(), 16);
  }
}
