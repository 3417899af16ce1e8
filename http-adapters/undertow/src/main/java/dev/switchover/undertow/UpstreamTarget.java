package dev.switchover.undertow;

import io.undertow.server.DefaultResponseListener;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.proxy.LoadBalancingProxyClient;
import io.undertow.server.handlers.proxy.ProxyHandler;
import io.undertow.util.HeaderMap;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.StatusCodes;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * One workspace's upstream servers, reached through Undertow's {@link ProxyHandler} with a {@link
 * LoadBalancingProxyClient} of its own (round robin over the base URIs, pooled connections per
 * I/O thread).
 *
 * <p>The request goes with its raw path and query unchanged (after the base's path, if any) and
 * the client's {@code Host}. {@code Forwarded} gets this hop appended; {@code X-Forwarded-For}
 * and {@code -Proto} are set by the proxy, {@code X-Forwarded-Host} to the client's {@code Host}.
 *
 * <p>Answers, when the upstream fails before its response head has arrived: 502 for a failure
 * (no connection, none left to try, a connection closed or reset before or while the request or
 * the response head went through), 504 for a request that takes longer than the timeout
 * (Undertow's whole-request timer). Undertow's proxy answers such a failure with an empty 503
 * (which would read as "this workspace is bound to nothing") or, for an I/O error while the
 * request body is sent, 500; {@link #UPSTREAM_FAILED} turns both into 502. Whatever the upstream
 * answers itself, 500 and 503 included, passes through unchanged. Once the upstream's head has
 * been sent on, a failure can only cut the response short: Undertow closes the connection.
 */
final class UpstreamTarget implements HttpHandler {
  private static final HttpString FORWARDED = new HttpString("Forwarded");

  /**
   * Answers 502 for the 503 or 500 Undertow's {@link ProxyHandler} answers when the upstream
   * fails. It runs when the exchange ends with its response not started: that is how the proxy
   * answers every failure (it sets a status and ends the exchange), while an upstream's answer
   * starts the response as soon as its head arrives (the proxy takes the response channel to copy
   * the body), so no status the upstream sent ever gets here. Left alone: the timeout's 504, and
   * the 500 of an exception a handler threw, which is a fault here rather than upstream.
   */
  private static final DefaultResponseListener UPSTREAM_FAILED =
      exchange -> {
        if (!exchange.isResponseStarted()
            && exchange.getAttachment(DefaultResponseListener.EXCEPTION) == null) {
          int status = exchange.getStatusCode();
          if (status == StatusCodes.SERVICE_UNAVAILABLE
              || status == StatusCodes.INTERNAL_SERVER_ERROR) {
            exchange.setStatusCode(StatusCodes.BAD_GATEWAY);
          }
        }
        return false; // Undertow sends the answer, as it would have
      };

  private final List<URI> baseUris;
  private final LoadBalancingProxyClient client;
  private final HttpHandler proxy;

  UpstreamTarget(List<URI> baseUris, Duration timeout, int connectionsPerThread) {
    this.baseUris = List.copyOf(baseUris);
    this.client =
        new LoadBalancingProxyClient()
            .setConnectionsPerThread(connectionsPerThread)
            // Requests beyond the pool wait for a connection (within the timeout) instead of failing.
            .setMaxQueueSize(Integer.MAX_VALUE);
    for (URI base : this.baseUris) {
      client.addHost(base);
    }
    this.proxy =
        ProxyHandler.builder()
            .setProxyClient(client)
            .setMaxRequestTime(Math.toIntExact(Math.min(Integer.MAX_VALUE, timeout.toMillis())))
            .setRewriteHostHeader(false)
            .setReuseXForwarded(false)
            // No upstream the client would try (all marked as failing): nothing to proxy to.
            .setNext(UpstreamTarget::badGateway)
            .build();
  }

  @Override
  public void handleRequest(HttpServerExchange exchange) throws Exception {
    HeaderMap headers = exchange.getRequestHeaders();
    String host = headers.getFirst(Headers.HOST);
    String proto = exchange.getRequestScheme().toLowerCase(Locale.ROOT);
    String hop = forwardedElement(exchange, host, proto);
    String previous = headers.getFirst(FORWARDED);
    headers.put(FORWARDED, previous == null || previous.isBlank() ? hop : previous + ", " + hop);
    if (host != null) {
      headers.put(Headers.X_FORWARDED_HOST, host);
    } else {
      headers.remove(Headers.X_FORWARDED_HOST);
    }
    exchange.addDefaultResponseListener(UPSTREAM_FAILED);
    proxy.handleRequest(exchange);
  }

  /** Closes the pooled idle connections to the upstreams. */
  void closeConnections() {
    client.closeCurrentConnections();
  }

  private static String forwardedElement(
      HttpServerExchange exchange, @Nullable String host, String proto) {
    StringBuilder hop = new StringBuilder(64).append("for=");
    InetSocketAddress source = exchange.getSourceAddress();
    String forAddress = source == null || source.getAddress() == null ? "unknown" : source.getAddress().getHostAddress();
    if (forAddress.indexOf(':') >= 0) {
      hop.append("\"[").append(forAddress).append("]\"");
    } else {
      hop.append(forAddress);
    }
    if (host != null && !host.isEmpty()) {
      hop.append(";host=");
      appendToken(hop, host);
    }
    return hop.append(";proto=").append(proto).toString();
  }

  /** A token as is, anything else as a quoted string (RFC 7239). */
  private static void appendToken(StringBuilder out, String value) {
    boolean token = true;
    for (int i = 0; i < value.length() && token; i++) {
      char c = value.charAt(i);
      token = c > ' ' && c < 127 && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0;
    }
    if (token) {
      out.append(value);
      return;
    }
    out.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\');
      }
      out.append(c);
    }
    out.append('"');
  }

  private static void badGateway(HttpServerExchange exchange) {
    exchange.setStatusCode(StatusCodes.BAD_GATEWAY);
    exchange.endExchange();
  }

  @Override
  public String toString() {
    return "upstream " + baseUris;
  }
}
