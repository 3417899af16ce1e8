package dev.switchover.testkit;

import static java.util.Objects.requireNonNull;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;

/**
 * An upstream that records exactly what a proxy sends it, read as strictly as RFC 9112 allows: a
 * raw socket on a free loopback port, so that nothing between the proxy and the
 * record is lenient. Each request it reads whole is answered {@code 200} with the body {@code ok}
 * on a kept-alive connection; a request that breaks the grammar is recorded with what is wrong
 * and answered {@code 400}; a connection that ends inside a request leaves that request recorded
 * as {@linkplain Received.State#CUT_OFF cut off}. Thread-safe.
 */
public final class RecordingUpstream extends RawSocketServer {
  /** The header its answers carry, naming it as the workspace that served them. */
  public static final String SERVED_BY = "recorder";

  private static final int READ_TIMEOUT_MILLIS = 60_000;
  private static final int MAX_HEAD_BYTES = 64 * 1024;
  private static final int MAX_BODY_BYTES = 16 * 1024 * 1024;
  private static final byte[] OK =
      ("HTTP/1.1 200 OK\r\nX-Workspace: " + SERVED_BY + "\r\nContent-Length: 2\r\n\r\nok")
          .getBytes(StandardCharsets.ISO_8859_1);
  private static final byte[] BAD =
      "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
          .getBytes(StandardCharsets.ISO_8859_1);

  private final List<Received> received = new CopyOnWriteArrayList<>();

  private RecordingUpstream() throws IOException {
    super("recording-upstream");
  }

  /** Starts a recording upstream on a free port of 127.0.0.1. */
  public static RecordingUpstream start() throws IOException {
    RecordingUpstream upstream = new RecordingUpstream();
    upstream.startAccepting();
    return upstream;
  }

  /** Every request whose head arrived so far, in order of arrival; requests still arriving too. */
  public List<Received> received() {
    return List.copyOf(received);
  }

  /** The requests whose target starts with {@code prefix}. */
  public List<Received> receivedUnder(String prefix) {
    List<Received> under = new ArrayList<>();
    for (Received r : received) {
      if (r.target().startsWith(prefix)) {
        under.add(r);
      }
    }
    return under;
  }

  @Override
  void serve(Socket connection) throws IOException {
    connection.setSoTimeout(READ_TIMEOUT_MILLIS);
    InputStream in = new BufferedInputStream(connection.getInputStream());
    OutputStream out = connection.getOutputStream();
    while (true) {
      Received request = new Received();
      if (!readRequest(in, request)) {
        return; // the connection ended between requests
      }
      if (request.state == Received.State.MALFORMED) {
        out.write(BAD);
        out.flush();
        return;
      }
      out.write(OK);
      out.flush();
    }
  }

  /** Reads one request into {@code r}; false if the input ended before a request started. */
  private boolean readRequest(InputStream in, Received r) throws IOException {
    int first;
    try {
      first = in.read();
    } catch (SocketException | SocketTimeoutException e) {
      return false;
    }
    if (first < 0) {
      return false;
    }
    received.add(r);
    try {
      byte[] head = readHead(in, first);
      if (head == null) {
        r.end(Received.State.CUT_OFF, "the connection ended inside the head");
        return true;
      }
      String problem = parseHead(new String(head, StandardCharsets.ISO_8859_1), r);
      if (problem != null) {
        r.end(Received.State.MALFORMED, problem);
        return true;
      }
      problem = r.chunked ? readChunked(in, r) : readExactly(in, r.length, r.body);
      r.end(problem == null ? Received.State.COMPLETE : Received.State.MALFORMED, problem);
    } catch (EOFException | SocketException | SocketTimeoutException e) {
      r.end(Received.State.CUT_OFF, "the connection ended inside the body: " + e.getMessage());
    }
    return true;
  }

  /** The head up to and including its empty line; null if the input ends first. */
  private static byte @Nullable [] readHead(InputStream in, int first) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    head.write(first);
    int matched = first == '\r' ? 1 : 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        return null;
      }
      head.write(b);
      if (head.size() > MAX_HEAD_BYTES) {
        throw new IOException("a request head longer than " + MAX_HEAD_BYTES + " bytes");
      }
      if (b == (matched % 2 == 0 ? '\r' : '\n')) {
        matched++;
      } else {
        matched = b == '\r' ? 1 : 0;
      }
    }
    return head.toByteArray();
  }

  /** Parses the head into {@code r}; returns what breaks the grammar, or null. */
  private static @Nullable String parseHead(String head, Received r) {
    List<String> lines = List.of(head.substring(0, head.length() - 4).split("\r\n", -1));
    for (String line : lines) {
      if (line.indexOf('\r') >= 0 || line.indexOf('\n') >= 0) {
        return "a bare CR or LF in the head";
      }
    }
    String[] requestLine = lines.get(0).split(" ", -1);
    if (requestLine.length != 3 || !requestLine[2].equals("HTTP/1.1")) {
      return "a request line that is not METHOD SP target SP HTTP/1.1: " + lines.get(0);
    }
    r.method = requestLine[0];
    r.target = requestLine[1];
    int lengths = 0;
    int encodings = 0;
    for (String line : lines.subList(1, lines.size())) {
      String problem = addField(line, r.headerLines);
      if (problem != null) {
        return problem;
      }
      String name = fieldName(line);
      String value = fieldValue(line);
      if (name.equals("content-length")) {
        lengths++;
        if (!value.matches("[0-9]{1,15}")) {
          return "an invalid Content-Length: " + value;
        }
        r.length = Long.parseLong(value);
      } else if (name.equals("transfer-encoding")) {
        encodings++;
        if (!value.equalsIgnoreCase("chunked")) {
          return "a Transfer-Encoding other than chunked: " + value;
        }
        r.chunked = true;
      }
    }
    if (lengths > 1 || encodings > 1 || (lengths > 0 && encodings > 0)) {
      return "ambiguous framing: " + lengths + " Content-Length and " + encodings
          + " Transfer-Encoding fields";
    }
    if (r.length > MAX_BODY_BYTES) {
      return "a body over " + MAX_BODY_BYTES + " bytes";
    }
    return null;
  }

  private static @Nullable String addField(String line, List<String> fields) {
    if (line.startsWith(" ") || line.startsWith("\t")) {
      return "an obsolete folded line: " + line;
    }
    int colon = line.indexOf(':');
    if (colon <= 0 || !line.substring(0, colon).matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
      return "a field line without a valid name: " + line;
    }
    if (line.indexOf('\0') >= 0) {
      return "a NUL in a field value: " + line;
    }
    fields.add(line);
    return null;
  }

  private static String fieldName(String line) {
    return line.substring(0, line.indexOf(':')).toLowerCase(Locale.ROOT);
  }

  private static String fieldValue(String line) {
    return line.substring(line.indexOf(':') + 1).strip();
  }

  private static @Nullable String readChunked(InputStream in, Received r) throws IOException {
    while (true) {
      String sizeLine = readLine(in);
      if (sizeLine == null) {
        return "a chunk-size line not ended by CRLF";
      }
      int semicolon = sizeLine.indexOf(';');
      String hex = semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon);
      if (!hex.matches("[0-9A-Fa-f]{1,7}")) {
        return "an invalid chunk size: " + sizeLine;
      }
      int size = Integer.parseInt(hex, 16);
      if (r.body.size() + (long) size > MAX_BODY_BYTES) {
        return "a body over " + MAX_BODY_BYTES + " bytes";
      }
      if (size == 0) {
        while (true) {
          String trailer = readLine(in);
          if (trailer == null) {
            return "a trailer line not ended by CRLF";
          }
          if (trailer.isEmpty()) {
            return null;
          }
          String problem = addField(trailer, r.trailerLines);
          if (problem != null) {
            return "in the trailers, " + problem;
          }
        }
      }
      String problem = readExactly(in, size, r.body);
      if (problem != null) {
        return problem;
      }
      if (in.read() != '\r' || in.read() != '\n') {
        return "chunk data not followed by CRLF";
      }
    }
  }

  /** A line ended by CRLF, without it; null if a bare CR or LF comes first. */
  private static @Nullable String readLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("the input ended inside a line");
      }
      if (b == '\n') {
        return null;
      }
      if (b == '\r') {
        return in.read() == '\n' ? line.toString() : null;
      }
      if (line.length() > MAX_HEAD_BYTES) {
        throw new IOException("a line longer than " + MAX_HEAD_BYTES + " bytes");
      }
      line.append((char) b);
    }
  }

  private static @Nullable String readExactly(InputStream in, long n, ByteArrayOutputStream body)
      throws IOException {
    byte[] buffer = new byte[8192];
    long left = n;
    while (left > 0) {
      int read = in.read(buffer, 0, (int) Math.min(buffer.length, left));
      if (read < 0) {
        throw new EOFException("the body ended " + left + " bytes early");
      }
      synchronized (body) {
        body.write(buffer, 0, read);
      }
      left -= read;
    }
    return null;
  }

  @Override
  public String toString() {
    return "RecordingUpstream{" + baseUri() + ", " + received.size() + " requests}";
  }

  /** One request as the upstream read it. Its state changes once, when the request ends. */
  public static final class Received {
    /** Where the request stands. */
    public enum State {
      /** Its head arrived; its end has not. */
      ARRIVING,
      /** Read whole, and it kept to the grammar. */
      COMPLETE,
      /** The connection ended before the request did: never to be acted on. */
      CUT_OFF,
      /** It broke the grammar; {@link #problem()} says where. */
      MALFORMED
    }

    private volatile State state = State.ARRIVING;
    private volatile String method = "";
    private volatile String target = "";
    private volatile @Nullable String problem;
    private volatile long length;
    private volatile boolean chunked;
    private final List<String> headerLines = new CopyOnWriteArrayList<>();
    private final List<String> trailerLines = new CopyOnWriteArrayList<>();
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();

    private Received() {}

    private void end(State end, @Nullable String why) {
      this.problem = why;
      this.state = requireNonNull(end);
    }

    public State state() {
      return state;
    }

    public String method() {
      return method;
    }

    public String target() {
      return target;
    }

    /** What broke the grammar or cut the request off; null for a complete request. */
    public @Nullable String problem() {
      return problem;
    }

    /** Whether the body came chunked. */
    public boolean chunked() {
      return chunked;
    }

    /** The header field lines, as sent. */
    public List<String> headerLines() {
      return List.copyOf(headerLines);
    }

    /** The trailer field lines of a chunked body, as sent. */
    public List<String> trailerLines() {
      return List.copyOf(trailerLines);
    }

    /** The values of a header field, in order (names compared ignoring case). */
    public List<String> header(String name) {
      List<String> values = new ArrayList<>();
      for (String line : headerLines) {
        if (fieldName(line).equals(name.toLowerCase(Locale.ROOT))) {
          values.add(fieldValue(line));
        }
      }
      return values;
    }

    /** The body bytes received so far (the decoded chunk data, for a chunked body). */
    public byte[] body() {
      synchronized (body) {
        return body.toByteArray();
      }
    }

    @Override
    public String toString() {
      byte[] bytes = body();
      String shown = new String(bytes, 0, Math.min(bytes.length, 64), StandardCharsets.ISO_8859_1);
      return method + " " + target + " " + state + (problem == null ? "" : " (" + problem + ")")
          + ", " + (chunked ? "chunked" : "length " + length) + ", body " + bytes.length
          + " bytes \"" + shown.replace("\r", "\\r").replace("\n", "\\n") + "\""
          + (trailerLines.isEmpty() ? "" : ", trailers " + trailerLines);
    }
  }
}
