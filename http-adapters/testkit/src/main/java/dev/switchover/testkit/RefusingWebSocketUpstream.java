package dev.switchover.testkit;

import dev.switchover.rawhttp.HttpLine;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * An upstream that refuses every WebSocket handshake: to a request for {@code /refused/<status>}
 * it answers that status, as raw bytes, with a {@code WWW-Authenticate} field ({@value
 * #CHALLENGE}), a field of its own ({@code X-Refused-By: upstream}), fields that belong to its
 * connection only ({@code Connection: close, X-Hop}, {@code X-Hop}, {@code Keep-Alive}), and the
 * body {@code refused with <status>}; then it closes the connection. Thread-safe.
 */
public final class RefusingWebSocketUpstream extends RawSocketServer {
  /** The challenge every refusal carries in {@code WWW-Authenticate}. */
  public static final String CHALLENGE = "Bearer realm=\"workspace\"";

  private RefusingWebSocketUpstream() throws IOException {
    super("refusing-websocket-upstream");
  }

  /** Starts one on a free port of 127.0.0.1. */
  public static RefusingWebSocketUpstream start() throws IOException {
    RefusingWebSocketUpstream upstream = new RefusingWebSocketUpstream();
    upstream.startAccepting();
    return upstream;
  }

  /** The body of a refusal with {@code status}. */
  public static String body(int status) {
    return "refused with " + status;
  }

  @Override
  void serve(Socket connection) throws IOException {
    InputStream in = new BufferedInputStream(connection.getInputStream());
    String requestLine = HttpLine.read(in);
    if (requestLine == null) {
      return;
    }
    String line;
    do {
      line = HttpLine.read(in);
    } while (line != null && !line.isEmpty());
    int space = requestLine.indexOf(' ');
    int end = requestLine.indexOf(' ', space + 1);
    String path = space < 0 || end < 0 ? "" : requestLine.substring(space + 1, end);
    int status = path.startsWith("/refused/") ? Integer.parseInt(path.substring("/refused/".length())) : 404;
    byte[] body = body(status).getBytes(StandardCharsets.UTF_8);
    String head =
        "HTTP/1.1 " + status + " Refused\r\n"
            + "WWW-Authenticate: " + CHALLENGE + "\r\n"
            + "X-Refused-By: upstream\r\n"
            + "Connection: close, X-Hop\r\n"
            + "X-Hop: this hop only\r\n"
            + "Keep-Alive: timeout=5\r\n"
            + "Content-Type: text/plain\r\n"
            + "Content-Length: " + body.length + "\r\n\r\n";
    OutputStream out = connection.getOutputStream();
    out.write(head.getBytes(StandardCharsets.ISO_8859_1));
    out.write(body);
    out.flush();
  }

  @Override
  public String toString() {
    return "RefusingWebSocketUpstream{" + baseUri() + "}";
  }
}
