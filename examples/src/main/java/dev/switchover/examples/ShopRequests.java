package dev.switchover.examples;

import dev.switchover.rawhttp.RawConnection;
import dev.switchover.rawhttp.RawResponse;
import java.io.IOException;
import java.time.Duration;

/**
 * The examples' requests to a router on 127.0.0.1, the way {@code curl -H 'Host:
 * shop.localhost'} sends them: through the project's raw HTTP/1.1 client, because the JDK's
 * HttpClient refuses to set {@code Host}. Connecting and each answer time out after 10 s; an
 * answer is reported as the workspace that served it and its first line. Stateless.
 */
final class ShopRequests {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private ShopRequests() {}

  /** A keep-alive connection to {@code 127.0.0.1:port}. */
  static RawConnection open(int port) throws IOException {
    return RawConnection.open(port, TIMEOUT);
  }

  /** {@code GET path} for {@code host} on a new connection, closed afterwards. */
  static RawResponse getOnce(int port, String host, String path) throws IOException {
    try (RawConnection connection = open(port)) {
      return connection.get(host, path);
    }
  }

  /** The workspace named in the answer's {@value ShopApp#WORKSPACE_HEADER}, or empty. */
  static String workspace(RawResponse answer) {
    String workspace = answer.header(ShopApp.WORKSPACE_HEADER);
    return workspace == null ? "" : workspace;
  }

  /** The first line of the answer's body, for one-line reports. */
  static String firstLine(RawResponse answer) {
    String body = answer.bodyText();
    int newline = body.indexOf('\n');
    return newline < 0 ? body : body.substring(0, newline);
  }
}
