package dev.switchover.rawhttp;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * An HTTP/1.1 client connection over a plain loopback socket that sends requests exactly as
 * given, byte for byte, and reads responses (Content-Length, chunked, or up to the close). It
 * is how the testkit sends hostile requests no ordinary client would send, and how the load
 * generators (the testkit's and the demo's) and the HTTP benchmark's probe keep connections
 * alive and set any {@code Host} (the JDK's HttpClient refuses to). Not thread-safe: one thread
 * per connection.
 *
 * <pre>{@code
 * try (RawConnection c = RawConnection.open(port)) {
 *   RawResponse r = c.exchange("GET /..%2f HTTP/1.1\r\nHost: [::1]\r\n\r\n");
 * }
 * }</pre>
 */
public final class RawConnection implements AutoCloseable {
  /** No response in a test takes this long; reaching it fails the request with an I/O error. */
  private static final int READ_TIMEOUT_MILLIS = 60_000;
  private static final int CONNECT_TIMEOUT_MILLIS = 10_000;
  /** How long {@link #close} waits for an upload to notice that the socket is closed. */
  private static final long UPLOAD_END_MILLIS = 30_000;

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private boolean closedByPeer;
  private @Nullable Thread uploader;

  private RawConnection(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
    this.out = socket.getOutputStream();
  }

  /**
   * Opens a connection to 127.0.0.1 on {@code port}, for tests: connecting may take 10 s and
   * reading a response 60 s before it fails.
   */
  public static RawConnection open(int port) throws IOException {
    return open(port, CONNECT_TIMEOUT_MILLIS, READ_TIMEOUT_MILLIS);
  }

  /**
   * Opens a connection to 127.0.0.1 on {@code port} on which connecting, and each read of a
   * response, fails with an I/O error after {@code timeout}.
   *
   * @throws IllegalArgumentException if {@code timeout} is not from 1 ms to {@link
   *     Integer#MAX_VALUE} ms
   */
  public static RawConnection open(int port, Duration timeout) throws IOException {
    long millis = timeout.toMillis();
    if (millis < 1 || millis > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("expected a timeout from 1 ms to " + Integer.MAX_VALUE + " ms, but got " + timeout);
    }
    return open(port, (int) millis, (int) millis);
  }

  private static RawConnection open(int port, int connectMillis, int readMillis) throws IOException {
    Socket socket = new Socket();
    try {
      socket.setTcpNoDelay(true);
      socket.setSoTimeout(readMillis);
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), connectMillis);
      return new RawConnection(socket);
    } catch (IOException e) {
      socket.close();
      throw e;
    }
  }

  /**
   * Sends {@code GET target} for {@code host} on a new connection that asks the server to close
   * it ({@code Connection: close}), and reads the response.
   */
  public static RawResponse getOnce(int port, String host, String target) throws IOException {
    try (RawConnection c = open(port)) {
      return c.exchange("GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n");
    }
  }

  /** Sends {@code GET target} for {@code host}, with no other header, and reads the response. */
  public RawResponse get(String host, String target) throws IOException {
    return exchange("GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
  }

  /** Sends one request, given as text (ISO-8859-1), and reads its response. */
  public RawResponse exchange(String request) throws IOException {
    return exchange(request.getBytes(StandardCharsets.ISO_8859_1));
  }

  /** Sends one request, given as bytes, and reads its response. */
  public RawResponse exchange(byte[] request) throws IOException {
    send(request);
    return read();
  }

  /** Sends bytes without reading anything. */
  public void send(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  /**
   * Whether the server ends the connection (closes or resets it) within {@code timeout}, sending
   * nothing more: for a response after which the connection must not be reused.
   */
  public boolean endsWithin(Duration timeout) throws IOException {
    int before = socket.getSoTimeout();
    socket.setSoTimeout(Math.toIntExact(Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()))));
    try {
      return in.read() < 0;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (SocketException e) {
      return true; // reset
    } finally {
      if (!socket.isClosed()) {
        socket.setSoTimeout(before);
      }
    }
  }

  /**
   * Ends what this side sends (a TCP half-close): the server reads the end of the input after the
   * bytes sent so far, and can still answer.
   */
  public void shutdownOutput() throws IOException {
    socket.shutdownOutput();
  }

  /**
   * Sends a request head that announces a body of {@code bodyLength} bytes, then the body (zero
   * bytes) from another thread while this one reads the response, which may come before the body
   * is all sent: a server that stops reading it, or closes the connection, ends the upload, not
   * the caller. The upload stops for good when this connection is closed.
   *
   * @throws IllegalStateException if an upload was started on this connection already
   */
  public RawResponse exchangeWhileUploading(String head, long bodyLength) throws IOException {
    if (uploader != null) {
      throw new IllegalStateException("this connection has uploaded a body already");
    }
    send(head.getBytes(StandardCharsets.ISO_8859_1));
    Thread t =
        new Thread(
            () -> {
              byte[] chunk = new byte[64 * 1024];
              try {
                for (long left = bodyLength; left > 0; left -= chunk.length) {
                  out.write(chunk, 0, (int) Math.min(chunk.length, left));
                }
                out.flush();
              } catch (IOException e) {
                // The server stopped reading or closed the connection: the upload ends here.
              }
            },
            "raw-connection-upload");
    t.setDaemon(true);
    uploader = t;
    t.start();
    return read();
  }

  /**
   * Reads the next final response (interim 1xx responses are skipped).
   *
   * @throws EOFException if the server closed the connection before a complete response
   */
  public RawResponse read() throws IOException {
    while (true) {
      String statusLine = readLine();
      int status = parseStatus(statusLine);
      Map<String, List<String>> headers = readHeaders();
      if (status >= 100 && status < 200 && status != 101) {
        continue;
      }
      byte[] body = readBody(status, headers);
      List<String> connection = headers.getOrDefault("connection", List.of());
      if (connection.stream().anyMatch(v -> v.toLowerCase(Locale.ROOT).contains("close"))
          || (statusLine.startsWith("HTTP/1.0")
              && connection.stream().noneMatch(v -> v.toLowerCase(Locale.ROOT).contains("keep-alive")))) {
        closedByPeer = true; // HTTP/1.0 closes after the response unless it says keep-alive
      }
      return new RawResponse(status, headers, body);
    }
  }

  /**
   * Whether the server said it closes the connection (or answered HTTP/1.0 without keep-alive),
   * or closed it: the next request needs a new connection.
   */
  public boolean isClosedByPeer() {
    return closedByPeer;
  }

  /** Closes the socket, and waits for an upload in progress to end with it. */
  @Override
  public void close() throws IOException {
    socket.close();
    Thread t = uploader;
    if (t != null) {
      try {
        t.join(UPLOAD_END_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static int parseStatus(String line) throws IOException {
    // HTTP/1.1 200 OK
    if (!line.startsWith("HTTP/1.") || line.length() < 12 || line.charAt(8) != ' ') {
      throw new IOException("not an HTTP/1.x status line: " + line);
    }
    try {
      return Integer.parseInt(line.substring(9, 12));
    } catch (NumberFormatException e) {
      throw new IOException("bad status code in: " + line, e);
    }
  }

  private Map<String, List<String>> readHeaders() throws IOException {
    Map<String, List<String>> headers = new TreeMap<>();
    while (true) {
      String line = readLine();
      if (line.isEmpty()) {
        return headers;
      }
      int colon = line.indexOf(':');
      if (colon <= 0) {
        throw new IOException("bad header line: " + line);
      }
      headers
          .computeIfAbsent(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
          .add(line.substring(colon + 1).trim());
    }
  }

  private byte[] readBody(int status, Map<String, List<String>> headers) throws IOException {
    if (status == 204 || status == 304) {
      return new byte[0];
    }
    List<String> te = headers.getOrDefault("transfer-encoding", List.of());
    if (te.stream().anyMatch(v -> v.toLowerCase(Locale.ROOT).contains("chunked"))) {
      return readChunked();
    }
    List<String> length = headers.get("content-length");
    if (length != null && !length.isEmpty()) {
      return readExactly(Integer.parseInt(length.get(0)));
    }
    closedByPeer = true;
    return in.readAllBytes();
  }

  private byte[] readChunked() throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    while (true) {
      int size = Math.toIntExact(HttpLine.chunkSize(readLine()));
      if (size == 0) {
        while (!readLine().isEmpty()) {
          // trailers are ignored
        }
        return body.toByteArray();
      }
      body.write(readExactly(size));
      if (!readLine().isEmpty()) {
        throw new IOException("chunk not followed by CRLF");
      }
    }
  }

  private byte[] readExactly(int n) throws IOException {
    byte[] bytes = in.readNBytes(n);
    if (bytes.length != n) {
      closedByPeer = true;
      throw new EOFException("expected " + n + " body bytes, but the connection ended after " + bytes.length);
    }
    return bytes;
  }

  private String readLine() throws IOException {
    String line;
    try {
      line = HttpLine.read(in);
    } catch (EOFException e) {
      closedByPeer = true;
      throw e;
    }
    if (line == null) {
      closedByPeer = true;
      throw new EOFException("connection closed by the server");
    }
    return line;
  }
}
