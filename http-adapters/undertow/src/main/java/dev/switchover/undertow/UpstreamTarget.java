package dev.switchover.undertow;

import dev.switchover.Admission;
import dev.switchover.RequestOutcome;
import dev.switchover.http.internal.ForwardingHeaders;
import dev.switchover.http.internal.UpstreamBase;
import dev.switchover.http.internal.UpstreamBases;
import io.undertow.UndertowOptions;
import io.undertow.protocols.ssl.UndertowXnioSsl;
import io.undertow.server.DefaultResponseListener;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.proxy.LoadBalancingProxyClient;
import io.undertow.server.handlers.proxy.ProxyHandler;
import io.undertow.util.AttachmentKey;
import io.undertow.util.HeaderMap;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.StatusCodes;
import java.net.InetSocketAddress;
import java.net.URI;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;
import org.xnio.OptionMap;
import org.xnio.Xnio;
import org.xnio.ssl.XnioSsl;

/**
 * One workspace's upstream servers, reached through Undertow's {@link ProxyHandler} with a {@link
 * LoadBalancingProxyClient} of its own (round robin over the base URIs, pooled connections per
 * I/O thread).
 *
 * <p>The request goes with its raw path and query unchanged (after the base's path, if any), the
 * client's {@code Host}, and the forwarding headers every adapter adds ({@link ForwardingHeaders}).
 *
 * <p>Answers, when the upstream fails before its response head has arrived: 502 for a failure
 * (no connection, none left to try, a connection closed or reset before or while the request or
 * the response head went through), 504 for a request that takes longer than the timeout
 * (Undertow's whole-request timer). Undertow's proxy answers such a failure with an empty 503
 * (which would read as "this workspace is bound to nothing") or, for an I/O error while the
 * request body is sent, 500; {@link #UPSTREAM_FAILED} turns both into 502. Whatever the upstream
 * answers itself, 500 and 503 included, passes through unchanged. Once the upstream's head has
 * been sent on, a failure can only cut the response short: Undertow closes the connection.
 *
 * <p>An {@code h2c} base is reached over HTTP/2 with prior knowledge (Undertow's {@code
 * h2c-prior} client), an {@code h2} base over TLS with ALPN offering h2 only (its {@code h2}
 * client), with host names verified; {@code http} stays HTTP/1.1. Undertow's HTTP/2 client sends
 * the client's {@code Host} as {@code :authority}. A WebSocket upgrade for an HTTP/2 base is
 * answered 501: Undertow's WebSocket client upgrades HTTP/1.1 connections only.
 */
final class UpstreamTarget implements HttpHandler {
  /** The admission of a request forwarded here: a failed upstream exchange is marked on it. */
  static final AttachmentKey<Admission> ADMISSION = AttachmentKey.create(Admission.class);

  /** When the upstream timeout of an exchange sent to an HTTP/2 upstream ends, in nano time. */
  private static final AttachmentKey<Long> HTTP2_DEADLINE = AttachmentKey.create(Long.class);

  /** Marks an exchange this adapter answered itself: its status is not the workspace's. */
  static final AttachmentKey<Boolean> ANSWERED_HERE = AttachmentKey.create(Boolean.class);

  /** The answer to a WebSocket upgrade for an HTTP/2 upstream. */
  static final String WEBSOCKET_TO_HTTP2 =
      "WebSocket upgrades to HTTP/2 upstream workspaces (h2c, h2) are not proxied\n";

  /** Host names verified on every TLS connection to an upstream. */
  private static final OptionMap TLS_OPTIONS =
      OptionMap.create(UndertowOptions.ENDPOINT_IDENTIFICATION_ALGORITHM, "HTTPS");

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
          if (UpstreamBody.clientBodyFailed(exchange)) {
            // The client's body broke or was cut off: its fault, if it can still hear of it.
            exchange.setStatusCode(StatusCodes.BAD_REQUEST);
            exchange.setPersistent(false);
            return false;
          }
          if (status == StatusCodes.SERVICE_UNAVAILABLE
              || status == StatusCodes.INTERNAL_SERVER_ERROR) {
            Long deadline = exchange.getAttachment(HTTP2_DEADLINE);
            // Over HTTP/2, the proxy's timer closes the connection before it sets 504, and the
            // stream's failure answers first: past the deadline, that failure is the timeout.
            status =
                deadline != null && System.nanoTime() - deadline >= 0
                    ? StatusCodes.GATEWAY_TIME_OUT
                    : StatusCodes.BAD_GATEWAY;
            exchange.setStatusCode(status);
          }
          Admission admission = exchange.getAttachment(ADMISSION);
          if (admission != null && status == StatusCodes.BAD_GATEWAY) {
            admission.failed(RequestOutcome.BAD_GATEWAY);
          } else if (admission != null && status == StatusCodes.GATEWAY_TIME_OUT) {
            admission.failed(RequestOutcome.GATEWAY_TIMEOUT);
          }
        }
        return false; // Undertow sends the answer, as it would have
      };


  private final UpstreamBases bases;
  private final LoadBalancingProxyClient client;
  private final HttpHandler proxy;
  private final long timeoutMillis;
  /** Whether any base is reached over HTTP/2. */
  private final boolean http2;

  UpstreamTarget(
      UpstreamBases bases, Duration timeout, int connectionsPerThread, @Nullable SSLContext tls) {
    this.bases = bases;
    this.timeoutMillis = Math.max(1, timeout.toMillis());
    this.http2 = bases.all().stream().anyMatch(UpstreamBase::isHttp2);
    this.client =
        new LoadBalancingProxyClient()
            .setConnectionsPerThread(connectionsPerThread)
            // Requests beyond the pool wait for a connection (within the timeout) instead of failing.
            .setMaxQueueSize(Integer.MAX_VALUE);
    XnioSsl ssl = null;
    for (UpstreamBase base : bases.all()) {
      // The base without a trailing slash, so that its path and the request's join with one;
      // Undertow picks its client by the scheme: h2c-prior and h2 are its HTTP/2 clients.
      String rest = base.withoutTrailingSlash().substring(base.httpScheme().length());
      if (base.scheme().equals(UpstreamBase.H2C)) {
        client.addHost(URI.create("h2c-prior" + rest));
      } else if (base.scheme().equals(UpstreamBase.H2)) {
        if (ssl == null) {
          ssl = new UndertowXnioSsl(Xnio.getInstance(), TLS_OPTIONS, tls == null ? defaultTls() : tls);
        }
        client.addHost(URI.create("h2" + rest), null, ssl, TLS_OPTIONS);
      } else {
        client.addHost(URI.create(base.withoutTrailingSlash()));
      }
    }
    this.proxy =
        ProxyHandler.builder()
            .setProxyClient(UpstreamBody.remembering(client))
            .setMaxRequestTime(Math.toIntExact(Math.min(Integer.MAX_VALUE, timeout.toMillis())))
            .setRewriteHostHeader(false)
            .setReuseXForwarded(true)
            // No upstream the client would try (all marked as failing): nothing to proxy to.
            .setNext(UpstreamTarget::badGateway)
            .build();
  }

  @Override
  public void handleRequest(HttpServerExchange exchange) throws Exception {
    Admission admission = exchange.getAttachment(ADMISSION);
    if (admission != null && UpstreamWebSocket.isUpgrade(exchange)) {
      UpstreamBase base = bases.next();
      if (base.isHttp2()) {
        exchange.putAttachment(ANSWERED_HERE, Boolean.TRUE);
        exchange.setStatusCode(StatusCodes.NOT_IMPLEMENTED);
        exchange.setPersistent(false);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain;charset=utf-8");
        exchange.getResponseSender().send(WEBSOCKET_TO_HTTP2);
        return;
      }
      UpstreamWebSocket.bridge(exchange, base, admission, timeoutMillis);
      return;
    }
    HeaderMap headers = exchange.getRequestHeaders();
    // Undertow's proxy forwards the fields the client's Connection names; they are this hop's.
    for (String name : ForwardingHeaders.hopByHopFields(values(headers, Headers.CONNECTION))) {
      headers.remove(name);
    }
    InetSocketAddress source = exchange.getSourceAddress();
    ForwardingHeaders forwarding =
        ForwardingHeaders.of(
            source == null || source.getAddress() == null ? null : source.getAddress().getHostAddress(),
            headers.getFirst(Headers.HOST),
            exchange.getRequestScheme(),
            exchange.getProtocol().toString(),
            exchange.getDestinationAddress().getPort(),
            values(headers, Headers.FORWARDED),
            values(headers, Headers.VIA),
            values(headers, Headers.X_FORWARDED_FOR));
    forwarding.forEachField(
        (name, value) -> {
          if (value != null) {
            headers.put(HttpString.tryFromString(name), value);
          } else {
            headers.remove(name);
          }
        });
    // Undertow's proxy appends ",<client address>" to this itself (setReuseXForwarded), and takes
    // the other X-Forwarded-* fields as set here.
    if (forwarding.previousForwardedFor().isEmpty()) {
      headers.remove(Headers.X_FORWARDED_FOR);
    } else {
      headers.put(Headers.X_FORWARDED_FOR, forwarding.previousForwardedFor());
    }
    if (http2) {
      exchange.putAttachment(HTTP2_DEADLINE, System.nanoTime() + timeoutMillis * 1_000_000L);
    }
    exchange.addDefaultResponseListener(UPSTREAM_FAILED);
    UpstreamBody.watch(exchange);
    // Undertow's proxy would cut where this handler is mounted off the path; every adapter
    // forwards the whole raw path, after the base's.
    exchange.setResolvedPath("");
    proxy.handleRequest(exchange);
  }

  private static SSLContext defaultTls() {
    try {
      return SSLContext.getDefault();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no default TLS context for h2 upstreams", e);
    }
  }

  private static Iterable<String> values(HeaderMap headers, HttpString name) {
    HeaderValues values = headers.get(name);
    return values == null ? List.of() : values;
  }

  /** Closes the pooled idle connections to the upstreams. */
  void closeConnections() {
    client.closeCurrentConnections();
  }

  private static void badGateway(HttpServerExchange exchange) {
    exchange.setStatusCode(StatusCodes.BAD_GATEWAY);
    exchange.endExchange();
  }

  @Override
  public String toString() {
    return bases.toString();
  }
}
