package dev.switchover.jetty;

import dev.switchover.Admission;
import dev.switchover.RequestOutcome;
import dev.switchover.http.internal.Answers;
import dev.switchover.http.internal.ForwardingHeaders;
import dev.switchover.http.internal.UpstreamBase;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.HttpResponseException;
import org.eclipse.jetty.client.transport.HttpClientConnectionFactory;
import org.eclipse.jetty.client.transport.HttpClientTransportDynamic;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.ClientConnectionFactory;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.proxy.ProxyHandler;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.jspecify.annotations.Nullable;

/**
 * The one reverse proxy of a {@link SwitchoverHandler}: jetty-proxy's {@code ProxyHandler.Reverse}
 * with one {@code HttpClient} shared by every upstream.
 *
 * <p>The handler tells it where a request goes by wrapping the request ({@link #toUpstream}); the
 * proxy forwards to that base with the request's raw path and raw query unchanged, the client's
 * {@code Host}, and the forwarding headers every adapter adds ({@link ForwardingHeaders}). A failed
 * upstream exchange is answered 502, or 504 when it timed out: when the upstream did not accept
 * the connection, or stayed silent, for longer than the configured timeout. Only {@link SwitchoverHandler}
 * refers to this class, through methods typed with core Jetty types, so that applications without
 * upstream workspaces need neither jetty-proxy nor jetty-client.
 *
 * <p>The client speaks HTTP/1.1 to {@code http} and {@code https} bases, and HTTP/2 to {@code
 * h2c} (prior knowledge) and {@code h2} (ALPN offering h2 only) bases, when
 * jetty-http2-client-transport is on the class path ({@link Http2Upstreams}): each request states
 * its version, so that the dynamic transport never negotiates one the base did not ask for.
 */
final class UpstreamProxy extends ProxyHandler.Reverse {
  private final long timeoutMillis;
  private final @Nullable SSLContext tls;

  private UpstreamProxy(Duration timeout, @Nullable SSLContext tls) {
    super(UpstreamProxy::rewrite);
    this.timeoutMillis = timeout.toMillis();
    this.tls = tls;
  }

  /**
   * A new proxy whose upstream exchanges time out after {@code timeout} of silence, and whose TLS
   * connections use {@code tls} (the JVM's default trust store when null).
   */
  static Handler create(Duration timeout, @Nullable SSLContext tls) {
    return new UpstreamProxy(timeout, tls);
  }

  /**
   * The request, marked for forwarding to {@code base}; a failed upstream exchange is marked on
   * {@code admission} (when there is one) as a 502 or 504. When the request accepts an event
   * stream, {@code events} is its response: the upstream exchange is released when the router
   * ends the stream.
   */
  static Request toUpstream(
      Request request, UpstreamBase base, @Nullable Admission admission, @Nullable EventStreamResponse events) {
    return new ToUpstream(request, base, admission, events);
  }

  private static HttpURI rewrite(Request request) {
    ToUpstream marked = Request.as(request, ToUpstream.class);
    if (marked == null) {
      throw new IllegalStateException("request was not marked with an upstream: " + request);
    }
    UpstreamBase base = marked.base;
    HttpURI uri = request.getHttpURI();
    String rawPath = uri.getPath();
    return HttpURI.build()
        .scheme(base.httpScheme())
        .host(base.host())
        .port(base.port())
        .path(base.pathPrefix() + (rawPath == null || rawPath.isEmpty() ? "/" : rawPath))
        .query(uri.getQuery());
  }

  /** The 4xx status of a client fault in {@code failure}'s causes (such as bad chunking), or 0. */
  private static int clientFault(Throwable failure) {
    Throwable t = failure;
    for (int depth = 0; t != null && depth < 32; depth++, t = t.getCause()) {
      if (t instanceof HttpResponseException) {
        return 0; // the upstream's response was malformed: its fault, whatever lies beneath
      }
      if (t instanceof HttpException http && http.getCode() >= 400 && http.getCode() < 500) {
        return http.getCode();
      }
    }
    return 0;
  }

  @Override
  protected HttpClient newHttpClient() {
    ClientConnector connector = new ClientConnector();
    if (tls != null) {
      SslContextFactory.Client factory = new SslContextFactory.Client();
      factory.setSslContext(tls);
      connector.setSslContextFactory(factory);
    }
    ClientConnectionFactory.Info[] protocols =
        Http2Upstreams.AVAILABLE
            ? Http2Upstreams.Transport.protocols(connector)
            : new ClientConnectionFactory.Info[] {HttpClientConnectionFactory.HTTP11};
    // configureHttpClient (jetty-proxy's) turns redirects and cookies off, as for its own client.
    return new HttpClient(new HttpClientTransportDynamic(connector, protocols));
  }

  @Override
  protected void configureHttpClient(HttpClient httpClient) {
    super.configureHttpClient(httpClient);
    httpClient.setConnectTimeout(timeoutMillis);
  }

  /**
   * jetty-proxy answers 504 for a {@link TimeoutException} and 502 for anything else; an upstream
   * that does not accept the connection in time fails with a {@link SocketTimeoutException},
   * which is a timeout too.
   */
  @Override
  protected void onServerToProxyResponseFailure(
      Request clientToProxyRequest,
      org.eclipse.jetty.client.Request proxyToServerRequest,
      org.eclipse.jetty.client.Response serverToProxyResponse,
      Response proxyToClientResponse,
      Callback proxyToClientCallback,
      Throwable failure) {
    int clientFault = clientFault(failure);
    if (clientFault != 0 && !proxyToClientResponse.isCommitted()) {
      // The client's own body broke its framing while it was being forwarded: the upstream
      // exchange was aborted, and the client hears of its fault, not of a failed upstream.
      proxyToClientResponse.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
      Response.writeError(
          clientToProxyRequest, proxyToClientResponse, proxyToClientCallback, clientFault);
      return;
    }
    ToUpstream marked = Request.as(clientToProxyRequest, ToUpstream.class);
    if (marked != null && marked.events != null && marked.events.endedByRouter()) {
      // The router ended the event stream and released its upstream: the request has completed.
      proxyToClientCallback.failed(failure);
      return;
    }
    boolean clientGone =
        proxyToClientResponse.isCommitted()
            && (Answers.isClientGone(failure)
                || !clientToProxyRequest.getConnectionMetaData().getConnection().getEndPoint().isOpen());
    if (marked != null && marked.admission != null && !clientGone) {
      // A client that went away while the answer was written is not the upstream's failure.
      marked.admission.failed(
          Answers.isTimeout(failure) ? RequestOutcome.GATEWAY_TIMEOUT : RequestOutcome.BAD_GATEWAY);
    }
    Throwable reported = failure;
    if (!(failure instanceof TimeoutException) && Answers.isTimeout(failure)) {
      TimeoutException timeout = new TimeoutException("upstream timed out: " + failure);
      timeout.initCause(failure);
      reported = timeout;
    }
    super.onServerToProxyResponseFailure(
        clientToProxyRequest,
        proxyToServerRequest,
        serverToProxyResponse,
        proxyToClientResponse,
        proxyToClientCallback,
        reported);
  }

  @Override
  protected org.eclipse.jetty.client.Request newProxyToServerRequest(
      Request clientToProxyRequest, HttpURI newHttpURI) {
    ToUpstream marked = Request.as(clientToProxyRequest, ToUpstream.class);
    boolean http2 = marked != null && marked.base.isHttp2();
    org.eclipse.jetty.client.Request proxyToServerRequest =
        super.newProxyToServerRequest(clientToProxyRequest, newHttpURI)
            // Stated for every request: left implicit, an https request would offer h2 by ALPN.
            .version(http2 ? HttpVersion.HTTP_2 : HttpVersion.HTTP_1_1)
            .idleTimeout(timeoutMillis, TimeUnit.MILLISECONDS);
    if (marked != null && marked.events != null) {
      marked.events.upstream(
          () -> {
            // The exchange's outcome is heard by the proxy's response listener.
            var unused = proxyToServerRequest.abort(new IOException("the event stream has ended: its workspace is no longer routed"));
          });
    }
    return proxyToServerRequest;
  }

  @Override
  protected void copyRequestHeaders(
      Request clientToProxyRequest, org.eclipse.jetty.client.Request proxyToServerRequest) {
    super.copyRequestHeaders(clientToProxyRequest, proxyToServerRequest);
    ToUpstream marked = Request.as(clientToProxyRequest, ToUpstream.class);
    if (marked != null && marked.base.isHttp2()) {
      // Jetty's HTTP/2 client sends the upstream's own address as :authority, and an HTTP/2
      // server refuses a Host that differs from it: the client's host goes in X-Forwarded-Host
      // and Forwarded only.
      proxyToServerRequest.headers(h -> h.remove(HttpHeader.HOST));
      return;
    }
    // HTTP/1.1 clients send Host, which is copied as is; HTTP/2 and HTTP/3 clients send an
    // authority instead, which must not become the upstream's own address.
    if (!clientToProxyRequest.getHeaders().contains(HttpHeader.HOST)) {
      String authority = clientToProxyRequest.getHttpURI().getAuthority();
      if (authority != null && !authority.isEmpty()) {
        proxyToServerRequest.headers(h -> h.put(HttpHeader.HOST, authority));
      }
    }
  }

  /** The headers every Switchover adapter adds, in one format (not jetty-proxy's own). */
  @Override
  protected void addProxyHeaders(
      Request clientToProxyRequest, org.eclipse.jetty.client.Request proxyToServerRequest) {
    HttpFields client = clientToProxyRequest.getHeaders();
    String host = client.get(HttpHeader.HOST);
    if (host == null) {
      host = clientToProxyRequest.getHttpURI().getAuthority();
    }
    ForwardingHeaders forwarding =
        ForwardingHeaders.of(
            Request.getRemoteAddr(clientToProxyRequest),
            host,
            // as Jetty reads it: a customizer that trusts a front proxy may have set it
            clientToProxyRequest.isSecure() ? "https" : "http",
            clientToProxyRequest.getConnectionMetaData().getProtocol(),
            Request.getLocalPort(clientToProxyRequest),
            client.getValuesList(HttpHeader.FORWARDED),
            client.getValuesList(HttpHeader.VIA),
            client.getValuesList(HttpHeader.X_FORWARDED_FOR));
    proxyToServerRequest.headers(
        h -> forwarding.forEachField((name, value) -> {
          if (value != null) {
            h.put(name, value);
          } else {
            h.remove(name);
          }
        }));
  }

  /** A request on its way to one upstream base. */
  private static final class ToUpstream extends Request.Wrapper {
    final UpstreamBase base;
    final @Nullable Admission admission;
    final @Nullable EventStreamResponse events;

    ToUpstream(
        Request request, UpstreamBase base, @Nullable Admission admission, @Nullable EventStreamResponse events) {
      super(request);
      this.base = base;
      this.admission = admission;
      this.events = events;
    }
  }
}
