package dev.switchover.examples;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One keep-alive HTTP/1.1 connection to a port of 127.0.0.1 that sends {@code GET} requests with
 * any {@code Host}, the way {@code curl -H 'Host: shop.localhost'} does (the JDK's HttpClient
 * refuses to set {@code Host}). It reads a response's body by {@code Content-Length}, chunked, or
 * up to the close. Not thread-safe: one thread per connection.
 */
final class LoopbackConnection implements AutoCloseable {
  private static final int TIMEOUT_MILLIS = 10_000;
  private static final int MAX_LINE = 8 * 1024;
  private static final int MAX_BODY = 1024 * 1024;

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private boolean reusable = true;

  private LoopbackConnection(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new BufferedInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  /** A new connection to {@code 127.0.0.1:port}. */
  static LoopbackConnection open(int port) throws IOException {
    Socket socket = new Socket();
    try {
      socket.setTcpNoDelay(true);
      socket.setSoTimeout(TIMEOUT_MILLIS);
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), TIMEOUT_MILLIS);
      return new LoopbackConnection(socket);
    } catch (IOException e) {
      socket.close();
      throw e;
    }
  }

  /** One request on a new connection, closed afterwards. */
  static Reply getOnce(int port, String host, String path) throws IOException {
    try (LoopbackConnection connection = open(port)) {
      return connection.get(host, path);
    }
  }

  /** Whether the server left the connection open for another request. */
  boolean isReusable() {
    return reusable && !socket.isClosed();
  }

  /**
   * Sends {@code GET path} for {@code host} and reads the whole answer.
   *
   * @throws IOException if the connection fails, or the answer is not HTTP/1.1 as expected
   */
  Reply get(String host, String path) throws IOException {
    out.write(
        ("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: switchover-examples\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    out.flush();
    String statusLine = readLine();
    if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12) {
      throw new IOException("not an HTTP/1.x status line: " + statusLine);
    }
    int status = parseInt(statusLine.substring(9, 12), statusLine);
    String workspace = "";
    long contentLength = -1;
    boolean chunked = false;
    boolean close = statusLine.startsWith("HTTP/1.0");
    for (String line = readLine(); !line.isEmpty(); line = readLine()) {
      int colon = line.indexOf(':');
      if (colon <= 0) {
        throw new IOException("not a header line: " + line);
      }
      String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = line.substring(colon + 1).trim();
      switch (name) {
        case "content-length" -> contentLength = parseInt(value, line);
        case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
        case "connection" -> close |= value.equalsIgnoreCase("close");
        default -> {
          if (name.equalsIgnoreCase(ShopApp.WORKSPACE_HEADER)) {
            workspace = value;
          }
        }
      }
    }
    byte[] body;
    if (chunked) {
      body = readChunked();
    } else if (contentLength >= 0) {
      body = readExactly(contentLength);
    } else {
      body = readToEnd();
      close = true;
    }
    if (close) {
      reusable = false;
    }
    return new Reply(status, workspace, new String(body, StandardCharsets.UTF_8));
  }

  @Override
  public void close() throws IOException {
    reusable = false;
    socket.close();
  }

  private byte[] readChunked() throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    while (true) {
      String sizeLine = readLine();
      int semicolon = sizeLine.indexOf(';');
      String hex = (semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim();
      int size;
      try {
        size = Integer.parseInt(hex, 16);
      } catch (NumberFormatException e) {
        throw new IOException("not a chunk size: " + sizeLine, e);
      }
      if (size == 0) {
        while (!readLine().isEmpty()) {
          // trailers: not needed here
        }
        return body.toByteArray();
      }
      if (body.size() + size > MAX_BODY) {
        throw new IOException("body longer than " + MAX_BODY + " bytes");
      }
      body.write(readExactly(size));
      if (!readLine().isEmpty()) {
        throw new IOException("a chunk does not end with CRLF");
      }
    }
  }

  private byte[] readExactly(long length) throws IOException {
    if (length > MAX_BODY) {
      throw new IOException("body longer than " + MAX_BODY + " bytes: " + length);
    }
    byte[] bytes = in.readNBytes((int) length);
    if (bytes.length < length) {
      throw new EOFException("the connection closed after " + bytes.length + " of " + length + " body bytes");
    }
    return bytes;
  }

  private byte[] readToEnd() throws IOException {
    byte[] bytes = in.readNBytes(MAX_BODY + 1);
    if (bytes.length > MAX_BODY) {
      throw new IOException("body longer than " + MAX_BODY + " bytes");
    }
    return bytes;
  }

  private String readLine() throws IOException {
    StringBuilder line = new StringBuilder();
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException(line.length() == 0 ? "the connection closed" : "the connection closed mid-line");
      }
      if (b == '\n') {
        int end = line.length();
        if (end > 0 && line.charAt(end - 1) == '\r') {
          line.setLength(end - 1);
        }
        return line.toString();
      }
      if (line.length() >= MAX_LINE) {
        throw new IOException("a line longer than " + MAX_LINE + " bytes");
      }
      line.append((char) b);
    }
  }

  private static int parseInt(String digits, String line) throws IOException {
    try {
      return Integer.parseInt(digits.trim());
    } catch (NumberFormatException e) {
      throw new IOException("not a number in: " + line, e);
    }
  }

  /** An answer: its status, the workspace named in {@code X-Workspace} (or empty), its body. */
  record Reply(int status, String workspace, String body) {
    /** The first line of the body, for one-line reports. */
    String firstLine() {
      int newline = body.indexOf('\n');
      return newline < 0 ? body : body.substring(0, newline);
    }
  }
}
