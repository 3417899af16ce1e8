package dev.switchover.undertow;

import static java.util.Objects.requireNonNull;

import dev.switchover.http.internal.RequestTargets;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderMap;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A handler that refuses with 400, and closes the connection, an HTTP/1.1 request whose framing
 * Undertow reads leniently where another server could read the same bytes otherwise: a {@code
 * Content-Length} that is not one plain number that fits (Undertow reads an overflowing one
 * modulo 2<sup>64</sup>), any {@code Transfer-Encoding} but a single {@code chunked}, both
 * together, a NUL, CR or LF in a field value, and a chunked body that breaks RFC 9112's grammar
 * (Undertow's chunk decoder takes a bare LF for CRLF, skips anything after the chunk size, and
 * skips to the next LF after chunk data). A proxy in front that reads such a request strictly sees
 * another message than Undertow does: the way requests are smuggled.
 *
 * <p>{@link SwitchoverHttpHandler} applies these checks itself. Put this handler in front of
 * anything else that serves an Undertow listener through Switchover, in particular a servlet
 * deployment that routes with Switchover's servlet filter, where the container's own decoder reads
 * the body before any filter could check it:
 *
 * <pre>{@code
 * DeploymentInfo deployment = Servlets.deployment()
 *     ...
 *     .addInitialHandlerChainWrapper(StrictFraming::wrap);
 * }</pre>
 *
 * <p>The chunked body is checked as it is read, beneath Undertow's decoder: a break in the bytes
 * that came with the head is refused at once; a later one fails the read (the request is then
 * never complete, so a proxied request is cut off rather than forwarded whole). What this handler
 * cannot see: Undertow joins an obsolete folded field line to its field before any handler runs.
 */
public final class StrictFraming implements HttpHandler {
  private static final Logger log = LoggerFactory.getLogger(StrictFraming.class);

  private final HttpHandler next;

  private StrictFraming(HttpHandler next) {
    this.next = requireNonNull(next, "next");
  }

  /** A handler that checks each request's framing and passes the requests it accepts to {@code next}. */
  public static HttpHandler wrap(HttpHandler next) {
    return new StrictFraming(next);
  }

  @Override
  public void handleRequest(HttpServerExchange exchange) throws Exception {
    int refusal = refusal(exchange);
    if (refusal != 0) {
      refuse(exchange, refusal);
      return;
    }
    next.handleRequest(exchange);
  }

  @Override
  public String toString() {
    return "StrictFraming[" + next + "]";
  }

  /**
   * 0 if the request's framing is strict, else the status to refuse it with; for a chunked body,
   * installs the check of the bytes still to come.
   */
  static int refusal(HttpServerExchange exchange) {
    HeaderMap headers = exchange.getRequestHeaders();
    int refusal =
        RequestTargets.framingRefusal(
            values(headers, Headers.CONTENT_LENGTH),
            values(headers, Headers.TRANSFER_ENCODING),
            exchange.getProtocol().toString());
    if (refusal == 0) {
      List<String> all = new ArrayList<>();
      for (HeaderValues field : headers) {
        all.addAll(field);
      }
      refusal = RequestTargets.headerValueRefusal(all);
    }
    if (refusal == 0 && headers.contains(Headers.TRANSFER_ENCODING)) {
      String broken = StrictChunking.install(exchange);
      if (broken != null) {
        log.debug("refused {}: {}", exchange.getRequestURI(), broken);
        refusal = RequestTargets.BAD_REQUEST;
      }
    }
    return refusal;
  }

  /**
   * Answers a refused request and closes the connection: after a request this policy refuses, its
   * framing is not trusted. The answer is written whole before the exchange ends: for a body
   * framed in a way Undertow reads up to the connection's end, ending the exchange alone would
   * close it unanswered.
   */
  static void refuse(HttpServerExchange exchange, int status) {
    exchange.setPersistent(false);
    exchange.setStatusCode(status);
    exchange.getResponseSender().send("");
  }

  static Iterable<String> values(HeaderMap headers, HttpString name) {
    HeaderValues values = headers.get(name);
    return values == null ? List.of() : values;
  }
}
