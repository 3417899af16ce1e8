package dev.switchover.jetty;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.proxy.ProxyHandler;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.jspecify.annotations.Nullable;

/**
 * The one reverse proxy of a {@link SwitchoverHandler}: jetty-proxy's {@code ProxyHandler.Reverse}
 * with one {@code HttpClient} shared by every upstream.
 *
 * <p>The handler tells it where a request goes by wrapping the request ({@link #toUpstream}); the
 * proxy forwards to that base with the request's raw path and raw query unchanged, the client's
 * {@code Host}, and {@code Via}, {@code Forwarded} and {@code X-Forwarded-*} headers. jetty-proxy
 * answers a failed upstream exchange 502, or 504 when it timed out; the exchange times out when
 * the upstream stays silent for longer than the configured timeout. Only {@link SwitchoverHandler}
 * refers to this class, through methods typed with core Jetty types, so that applications without
 * upstream workspaces need neither jetty-proxy nor jetty-client.
 */
final class UpstreamProxy extends ProxyHandler.Reverse {
  private final long timeoutMillis;

  private UpstreamProxy(Duration timeout) {
    super(UpstreamProxy::rewrite);
    this.timeoutMillis = timeout.toMillis();
  }

  /** A new proxy whose upstream exchanges time out after {@code timeout} of silence. */
  static Handler create(Duration timeout) {
    return new UpstreamProxy(timeout);
  }

  /** The request, marked for forwarding to {@code base}. */
  static Request toUpstream(Request request, UpstreamBase base) {
    return new ToUpstream(request, base);
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
        .scheme(base.scheme)
        .host(base.host)
        .port(base.port)
        .path(base.pathPrefix + (rawPath == null || rawPath.isEmpty() ? "/" : rawPath))
        .query(uri.getQuery());
  }

  @Override
  protected org.eclipse.jetty.client.Request newProxyToServerRequest(
      Request clientToProxyRequest, HttpURI newHttpURI) {
    return super.newProxyToServerRequest(clientToProxyRequest, newHttpURI)
        .idleTimeout(timeoutMillis, TimeUnit.MILLISECONDS);
  }

  @Override
  protected void copyRequestHeaders(
      Request clientToProxyRequest, org.eclipse.jetty.client.Request proxyToServerRequest) {
    super.copyRequestHeaders(clientToProxyRequest, proxyToServerRequest);
    // HTTP/1.1 clients send Host, which is copied as is; HTTP/2 and HTTP/3 clients send an
    // authority instead, which must not become the upstream's own address.
    if (!clientToProxyRequest.getHeaders().contains(HttpHeader.HOST)) {
      String authority = clientToProxyRequest.getHttpURI().getAuthority();
      if (authority != null && !authority.isEmpty()) {
        proxyToServerRequest.headers(h -> h.put(HttpHeader.HOST, authority));
      }
    }
  }

  @Override
  protected void addProxyHeaders(
      Request clientToProxyRequest, org.eclipse.jetty.client.Request proxyToServerRequest) {
    super.addProxyHeaders(clientToProxyRequest, proxyToServerRequest); // Via and Forwarded
    String remote = Request.getRemoteAddr(clientToProxyRequest);
    String scheme = clientToProxyRequest.getHttpURI().getScheme();
    String proto = scheme != null ? scheme : clientToProxyRequest.isSecure() ? "https" : "http";
    String host = clientToProxyRequest.getHeaders().get(HttpHeader.HOST);
    if (host == null) {
      host = clientToProxyRequest.getHttpURI().getAuthority();
    }
    @Nullable String forwardedHost = host;
    proxyToServerRequest.headers(
        h -> {
          h.computeField(HttpHeader.X_FORWARDED_FOR, (header, fields) -> appended(header, fields, remote));
          h.put(HttpHeader.X_FORWARDED_PROTO, proto);
          if (forwardedHost != null) {
            h.put(HttpHeader.X_FORWARDED_HOST, forwardedHost);
          }
        });
  }

  private static HttpField appended(
      HttpHeader header, @Nullable List<HttpField> fields, String value) {
    if (fields == null || fields.isEmpty()) {
      return new HttpField(header, value);
    }
    StringBuilder joined = new StringBuilder();
    for (HttpField field : fields) {
      String v = field.getValue();
      if (v != null && !v.isBlank()) {
        joined.append(v).append(", ");
      }
    }
    return new HttpField(header, joined.append(value).toString());
  }

  /** A request on its way to one upstream base. */
  private static final class ToUpstream extends Request.Wrapper {
    final UpstreamBase base;

    ToUpstream(Request request, UpstreamBase base) {
      super(request);
      this.base = base;
    }
  }
}
