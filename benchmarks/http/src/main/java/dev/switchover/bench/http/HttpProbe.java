package dev.switchover.bench.http;

import dev.switchover.rawhttp.RawConnection;
import dev.switchover.rawhttp.RawResponse;
import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * The switcher's probe: {@code GET}s with a given {@code Host} on one keep-alive loopback
 * connection of the project's raw HTTP/1.1 client, opened again on the next call when the server
 * closed it or an exchange failed. A failed exchange is not retried: the caller counts it. Not
 * thread-safe.
 */
final class HttpProbe implements Closeable {
  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  private final int port;
  private final String host;
  private @Nullable RawConnection connection;
  private long connects;

  HttpProbe(int port, String host) {
    this.port = port;
    this.host = host;
  }

  /** How many connections this probe has opened. */
  long connects() {
    return connects;
  }

  /** Sends {@code GET target} and reads the whole answer. */
  RawResponse get(String target) throws IOException {
    RawConnection c = connection;
    try {
      if (c == null) {
        c = RawConnection.open(port, TIMEOUT);
        connection = c;
        connects++;
      }
      RawResponse answer = c.get(host, target);
      if (c.isClosedByPeer()) {
        close();
      }
      return answer;
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  @Override
  public void close() {
    RawConnection c = connection;
    connection = null;
    if (c != null) {
      try {
        c.close();
      } catch (IOException ignored) {
        // closing a connection we are done with
      }
    }
  }
}
