package dev.switchover.testkit;

import static java.util.Objects.requireNonNull;

import dev.switchover.rawhttp.HttpLine;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An upstream that accepts the proxy's connection and reads its request, then fails in one chosen
 * way ({@link Misbehaviour}): a raw socket on a free loopback port, so that the
 * failure happens exactly where the test wants it, after the connection was made. Every
 * connection meets the same failure, so a proxy that retries fails again. Thread-safe.
 *
 * <pre>{@code
 * try (MisbehavingUpstream upstream =
 *     MisbehavingUpstream.start(MisbehavingUpstream.Misbehaviour.CLOSE_WITHOUT_ANSWER)) {
 *   URI base = upstream.baseUri(); // http://127.0.0.1:<port>
 * }
 * }</pre>
 */
public final class MisbehavingUpstream extends RawSocketServer {
  /** How many body bytes {@link Misbehaviour#CLOSE_MID_REQUEST_BODY} reads before it closes. */
  public static final int BODY_BYTES_READ = 64 * 1024;

  private static final Logger log = LoggerFactory.getLogger(MisbehavingUpstream.class);
  private static final int READ_TIMEOUT_MILLIS = 60_000;
  private static final byte[] MALFORMED_HEAD =
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nthis line has no colon\r\n\r\nok"
          .getBytes(StandardCharsets.ISO_8859_1);
  private static final byte[] PARTIAL_HEAD =
      "HTTP/1.1 200 OK\r\nContent-Type: text/pl".getBytes(StandardCharsets.ISO_8859_1);

  /** How the upstream fails, once it has read (some of) the request. */
  public enum Misbehaviour {
    /**
     * Reads the request head and the first {@link #BODY_BYTES_READ} bytes of its body, then closes
     * the connection with the rest unread (the kernel answers further data with a reset).
     */
    CLOSE_MID_REQUEST_BODY,
    /** Reads the whole request, then closes the connection without sending a byte. */
    CLOSE_WITHOUT_ANSWER,
    /**
     * Reads the whole request, sends the status line and part of a header line, then resets the
     * connection (an abortive close: {@code SO_LINGER} 0).
     */
    RESET_MID_RESPONSE_HEAD,
    /**
     * Reads the whole request, then answers with a head that breaks the grammar (a field line
     * without a colon) and closes the connection.
     */
    MALFORMED_RESPONSE_HEAD
  }

  private final Misbehaviour misbehaviour;
  private final AtomicInteger requestHeads = new AtomicInteger();

  private MisbehavingUpstream(Misbehaviour misbehaviour) throws IOException {
    super("misbehaving-upstream");
    this.misbehaviour = misbehaviour;
  }

  /** Starts an upstream that misbehaves as told, on a free port of 127.0.0.1. */
  public static MisbehavingUpstream start(Misbehaviour misbehaviour) throws IOException {
    MisbehavingUpstream upstream = new MisbehavingUpstream(requireNonNull(misbehaviour, "misbehaviour"));
    upstream.startAccepting();
    return upstream;
  }

  /** How many request heads the upstream has read: at least one once a request reached it. */
  public int requestHeads() {
    return requestHeads.get();
  }

  @Override
  void serve(Socket connection) throws IOException {
    try {
      connection.setSoTimeout(READ_TIMEOUT_MILLIS);
      InputStream in = new BufferedInputStream(connection.getInputStream());
      RequestHead head = readHead(in);
      if (head == null) {
        return; // the proxy closed a connection it did not use
      }
      requestHeads.incrementAndGet();
      switch (misbehaviour) {
        case CLOSE_MID_REQUEST_BODY ->
            skip(in, head.chunked() ? BODY_BYTES_READ : Math.min(BODY_BYTES_READ, head.length()));
        case CLOSE_WITHOUT_ANSWER -> skipBody(in, head);
        case RESET_MID_RESPONSE_HEAD -> {
          skipBody(in, head);
          OutputStream out = connection.getOutputStream();
          out.write(PARTIAL_HEAD);
          out.flush();
          connection.setSoLinger(true, 0); // the close that follows resets the connection
        }
        case MALFORMED_RESPONSE_HEAD -> {
          skipBody(in, head);
          OutputStream out = connection.getOutputStream();
          out.write(MALFORMED_HEAD);
          out.flush();
        }
      }
    } catch (SocketException | EOFException e) {
      log.debug("misbehaving upstream: the proxy went away first", e);
    } catch (IOException e) {
      log.warn("misbehaving upstream could not read a request", e);
    }
  }

  /** The head of a request; null if the input ends before it starts. */
  private static @Nullable RequestHead readHead(InputStream in) throws IOException {
    if (HttpLine.read(in) == null) {
      return null; // no request line
    }
    long length = 0;
    boolean chunked = false;
    while (true) {
      String line = requireLine(in);
      if (line.isEmpty()) {
        break;
      }
      int colon = line.indexOf(':');
      if (colon <= 0) {
        continue;
      }
      String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = line.substring(colon + 1).trim();
      if (name.equals("content-length")) {
        length = Long.parseLong(value);
      } else if (name.equals("transfer-encoding")
          && value.toLowerCase(Locale.ROOT).contains("chunked")) {
        chunked = true;
      }
    }
    return new RequestHead(length, chunked);
  }

  private static void skipBody(InputStream in, RequestHead head) throws IOException {
    if (!head.chunked()) {
      skip(in, head.length());
      return;
    }
    while (true) {
      long size = HttpLine.chunkSize(requireLine(in));
      if (size == 0) {
        while (!requireLine(in).isEmpty()) {
          // trailers are skipped
        }
        return;
      }
      skip(in, size + 2); // the chunk and its CRLF
    }
  }

  private static void skip(InputStream in, long n) throws IOException {
    long left = n;
    while (left > 0) {
      long skipped = in.skip(left);
      if (skipped <= 0) {
        if (in.read() < 0) {
          throw new EOFException("the body ended " + left + " bytes early");
        }
        skipped = 1;
      }
      left -= skipped;
    }
  }

  private static String requireLine(InputStream in) throws IOException {
    String line = HttpLine.read(in);
    if (line == null) {
      throw new EOFException("the request ended early");
    }
    return line;
  }

  /** What the head says of the body: its length, unless it is chunked. */
  private record RequestHead(long length, boolean chunked) {}

  @Override
  public String toString() {
    return "MisbehavingUpstream{" + misbehaviour + " at " + baseUri() + "}";
  }
}
