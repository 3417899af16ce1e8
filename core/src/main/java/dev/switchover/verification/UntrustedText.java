package dev.switchover.verification;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Text that came from the network (TXT values, HTTP bodies, error messages) goes into reasons and
 * logs: quoted, cut short and with control characters escaped, so that it can neither flood nor
 * forge a log line.
 */
final class UntrustedText {
  static final int MAX_QUOTED = 100;

  private UntrustedText() {}

  /** {@code value} in double quotes, at most {@link #MAX_QUOTED} characters of it, escaped. */
  static String quote(String value) {
    StringBuilder b = new StringBuilder(Math.min(value.length(), MAX_QUOTED) + 8).append('"');
    int n = Math.min(value.length(), MAX_QUOTED);
    for (int i = 0; i < n; i++) {
      char c = value.charAt(i);
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20 || c == 0x7f) {
        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    b.append('"');
    if (value.length() > MAX_QUOTED) {
      b.append("… (").append(value.length()).append(" characters)");
    }
    return b.toString();
  }

  /** An error's message, without wrappers, escaped; its class name if it has none. */
  static String describe(Throwable error) {
    Throwable e = unwrap(error);
    String message = e.getMessage();
    String name = e.getClass().getSimpleName();
    return message == null || message.isEmpty() ? name : name + ": " + quote(message);
  }

  /** The cause behind {@link CompletionException}s and {@link ExecutionException}s. */
  static Throwable unwrap(Throwable error) {
    Throwable e = error;
    while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }

  /** {@code 127.0.0.1:53}, {@code [::1]:53}. */
  static String address(InetSocketAddress address) {
    String host =
        address.getAddress() == null ? address.getHostString() : address.getAddress().getHostAddress();
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
  }

  /** {@code 300 ms}, {@code 5 s}. */
  static String duration(Duration d) {
    long millis = d.toMillis();
    return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
  }
}
