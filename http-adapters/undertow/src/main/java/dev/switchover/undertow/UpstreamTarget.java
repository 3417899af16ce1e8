package dev.switchover.undertow;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.proxy.LoadBalancingProxyClient;
import io.undertow.server.handlers.proxy.ProxyCallback;
import io.undertow.server.handlers.proxy.ProxyClient;
import io.undertow.server.handlers.proxy.ProxyConnection;
import io.undertow.server.handlers.proxy.ProxyHandler;
import io.undertow.util.AttachmentKey;
import io.undertow.util.HeaderMap;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.StatusCodes;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
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
 * <p>Answers: an upstream that cannot be connected to (or none left to try) is 502, not the 503
 * Undertow's proxy answers, which would read as "this workspace is bound to nothing"; a request
 * that takes longer than the timeout is 504 (Undertow's whole-request timer).
 */
final class UpstreamTarget implements HttpHandler {
  private static final AttachmentKey<Boolean> UNREACHABLE = AttachmentKey.create(Boolean.class);
  private static final HttpString FORWARDED = new HttpString("Forwarded");

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
            .setProxyClient(new FailureMarkingClient(client))
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
    exchange.addResponseCommitListener(
        ex -> {
          if (ex.getStatusCode() == StatusCodes.SERVICE_UNAVAILABLE
              && Boolean.TRUE.equals(ex.getAttachment(UNREACHABLE))) {
            ex.setStatusCode(StatusCodes.BAD_GATEWAY);
          }
        });
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

  /**
   * The load-balancing client, with failures to reach an upstream marked on the exchange; the
   * mark is cleared once a connection is obtained, so that an upstream's own 503 stays a 503.
   */
  private static final class FailureMarkingClient implements ProxyClient {
    private final ProxyClient delegate;

    FailureMarkingClient(ProxyClient delegate) {
      this.delegate = delegate;
    }

    @Override
    public @Nullable ProxyTarget findTarget(HttpServerExchange exchange) {
      return delegate.findTarget(exchange);
    }

    @Override
    public void getConnection(
        ProxyTarget target,
        HttpServerExchange exchange,
        ProxyCallback<ProxyConnection> callback,
        long timeout,
        TimeUnit timeUnit) {
      delegate.getConnection(target, exchange, new Marking(callback), timeout, timeUnit);
    }

    @Override
    public List<ProxyTarget> getAllTargets() {
      return delegate.getAllTargets();
    }
  }

  private static final class Marking implements ProxyCallback<ProxyConnection> {
    private final ProxyCallback<ProxyConnection> delegate;

    Marking(ProxyCallback<ProxyConnection> delegate) {
      this.delegate = delegate;
    }

    @Override
    public void completed(HttpServerExchange exchange, ProxyConnection result) {
      exchange.removeAttachment(UNREACHABLE);
      delegate.completed(exchange, result);
    }

    @Override
    public void failed(HttpServerExchange exchange) {
      exchange.putAttachment(UNREACHABLE, Boolean.TRUE);
      delegate.failed(exchange);
    }

    @Override
    public void couldNotResolveBackend(HttpServerExchange exchange) {
      exchange.putAttachment(UNREACHABLE, Boolean.TRUE);
      delegate.couldNotResolveBackend(exchange);
    }

    @Override
    public void queuedRequestFailed(HttpServerExchange exchange) {
      exchange.putAttachment(UNREACHABLE, Boolean.TRUE);
      delegate.queuedRequestFailed(exchange);
    }
  }
}
