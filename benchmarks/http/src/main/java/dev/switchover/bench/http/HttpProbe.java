package dev.switchover.bench.http;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * A minimal blocking HTTP/1.1 client on one keep-alive loopback connection, for the switcher's
 * probe and admin calls: it sends a request with a given {@code Host}, reads the status and the
 * body (by {@code Content-Length} or chunked), and reconnects on the next call when the server
 * closed the connection or an exchange failed. A failed exchange is not retried: the caller
 * counts it. Not thread-safe.
 */
final class HttpProbe implements Closeable {
  private static final int TIMEOUT_MILLIS = 5_000;

  private final InetSocketAddress address;
  private final String host;
  private @Nullable Socket socket;
  private @Nullable InputStream in;
  private @Nullable OutputStream out;
  private long connects;

  HttpProbe(int port, String host) {
    this.address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    this.host = host;
  }

  /** A status and a body. */
  record Reply(int status, String body) {}

  /** How many connections this probe has opened. */
  long connects() {
    return connects;
  }

  Reply send(String method, String path) throws IOException {
    try {
      return exchange(method, path);
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  private Reply exchange(String method, String path) throws IOException {
    if (socket == null) {
      Socket s = new Socket();
      s.setTcpNoDelay(true);
      s.setSoTimeout(TIMEOUT_MILLIS);
      s.connect(address, TIMEOUT_MILLIS);
      socket = s;
      in = new BufferedInputStream(s.getInputStream(), 8192);
      out = s.getOutputStream();
      connects++;
    }
    InputStream input = in;
    OutputStream output = out;
    if (input == null || output == null) {
      throw new IllegalStateException("connected without streams");
    }
    String request =
        method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\n"
            + ("GET".equals(method) ? "" : "Content-Length: 0\r\n")
            + "\r\n";
    output.write(request.getBytes(StandardCharsets.US_ASCII));
    output.flush();

    String statusLine = line(input);
    if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12) {
      throw new IOException("not an HTTP/1.x status line: " + statusLine);
    }
    int status = Integer.parseInt(statusLine.substring(9, 12));
    long length = -1;
    boolean chunked = false;
    boolean closeAfter = statusLine.startsWith("HTTP/1.0");
    for (String header = line(input); !header.isEmpty(); header = line(input)) {
      int colon = header.indexOf(':');
      if (colon <= 0) {
        continue;
      }
      String name = header.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = header.substring(colon + 1).trim().toLowerCase(Locale.ROOT);
      switch (name) {
        case "content-length" -> length = Long.parseLong(value);
        case "transfer-encoding" -> chunked = value.contains("chunked");
        case "connection" -> {
          if (value.contains("close")) {
            closeAfter = true;
          } else if (value.contains("keep-alive")) {
            closeAfter = false;
          }
        }
        default -> {}
      }
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    if (chunked) {
      for (long size = chunkSize(line(input)); size > 0; size = chunkSize(line(input))) {
        copy(input, body, size);
        line(input);
      }
      while (!line(input).isEmpty()) {
        // trailers
      }
    } else if (length >= 0) {
      copy(input, body, length);
    } else {
      closeAfter = true;
      input.transferTo(body);
    }
    if (closeAfter) {
      close();
    }
    return new Reply(status, body.toString(StandardCharsets.UTF_8));
  }

  private static long chunkSize(String line) {
    int semicolon = line.indexOf(';');
    return Long.parseLong((semicolon < 0 ? line : line.substring(0, semicolon)).trim(), 16);
  }

  private static void copy(InputStream input, ByteArrayOutputStream body, long length)
      throws IOException {
    byte[] buffer = new byte[4096];
    long left = length;
    while (left > 0) {
      int n = input.read(buffer, 0, (int) Math.min(buffer.length, left));
      if (n < 0) {
        throw new EOFException("connection closed with " + left + " body bytes to go");
      }
      body.write(buffer, 0, n);
      left -= n;
    }
  }

  private static String line(InputStream input) throws IOException {
    StringBuilder line = new StringBuilder(64);
    for (int c = input.read(); c != '\n'; c = input.read()) {
      if (c < 0) {
        throw new EOFException("connection closed in the middle of a response");
      }
      if (c != '\r') {
        line.append((char) c);
      }
    }
    return line.toString();
  }

  @Override
  public void close() {
    Socket s = socket;
    socket = null;
    in = null;
    out = null;
    if (s != null) {
      try {
        s.close();
      } catch (IOException ignored) {
        // closing a connection we are done with
      }
    }
  }
}
