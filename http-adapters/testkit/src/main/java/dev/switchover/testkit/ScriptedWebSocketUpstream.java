package dev.switchover.testkit;

import dev.switchover.rawhttp.HttpLine;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * An upstream that answers each WebSocket handshake, as raw bytes, the way its path says, then
 * closes the connection once the proxy does:
 *
 * <ul>
 *   <li>{@code /refused/<status>}: that status, with a {@code WWW-Authenticate} field ({@value
 *       #CHALLENGE}), a field of its own ({@code X-Refused-By: upstream}), fields that belong to
 *       its connection only ({@code Connection: close, X-Hop}, {@code X-Hop}, {@code Keep-Alive}),
 *       and the body {@code refused with <status>};
 *   <li>{@value #UNOFFERED_EXTENSION}: 101 with the right accept key, and the extension {@code
 *       permessage-deflate}, which no bridge offers;
 *   <li>{@value #SILENT}: nothing at all.
 * </ul>
 *
 * Thread-safe.
 */
public final class ScriptedWebSocketUpstream extends RawSocketServer {
  /** The path at which it accepts a handshake with an extension it was not offered. */
  public static final String UNOFFERED_EXTENSION = "/unoffered-extension";
  /** The path at which it never answers. */
  public static final String SILENT = "/silent";
  /** The challenge every refusal carries in {@code WWW-Authenticate}. */
  public static final String CHALLENGE = "Bearer realm=\"workspace\"";

  private ScriptedWebSocketUpstream() throws IOException {
    super("scripted-websocket-upstream");
  }

  /** Starts one on a free port of 127.0.0.1. */
  public static ScriptedWebSocketUpstream start() throws IOException {
    ScriptedWebSocketUpstream upstream = new ScriptedWebSocketUpstream();
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
    String key = "";
    String line;
    while ((line = HttpLine.read(in)) != null && !line.isEmpty()) {
      if (line.regionMatches(true, 0, "Sec-WebSocket-Key:", 0, 18)) {
        key = line.substring(18).trim();
      }
    }
    int space = requestLine.indexOf(' ');
    int end = requestLine.indexOf(' ', space + 1);
    String path = space < 0 || end < 0 ? "" : requestLine.substring(space + 1, end);
    OutputStream out = connection.getOutputStream();
    if (path.equals(SILENT)) {
      while (in.read() >= 0) {
        // until the proxy gives up and closes the connection
      }
      return;
    }
    if (path.equals(UNOFFERED_EXTENSION)) {
      String accept;
      try {
        accept =
            Base64.getEncoder()
                .encodeToString(
                    MessageDigest.getInstance("SHA-1")
                        .digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.ISO_8859_1)));
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
      out.write(
          ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  + "Sec-WebSocket-Accept: " + accept + "\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n")
              .getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      while (in.read() >= 0) {
        // until the proxy closes the connection
      }
      return;
    }
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
    out.write(head.getBytes(StandardCharsets.ISO_8859_1));
    out.write(body);
    out.flush();
  }

  @Override
  public String toString() {
    return "ScriptedWebSocketUpstream{" + baseUri() + "}";
  }
}
