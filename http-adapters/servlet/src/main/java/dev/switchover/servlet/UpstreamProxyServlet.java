package dev.switchover.servlet;

import dev.switchover.Admission;
import dev.switchover.RequestOutcome;
import dev.switchover.http.internal.Answers;
import dev.switchover.http.internal.ForwardingHeaders;
import dev.switchover.http.internal.RequestTargets;
import dev.switchover.http.internal.UpstreamBase;
import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.HttpResponseException;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.transport.HttpClientConnectionFactory;
import org.eclipse.jetty.client.transport.HttpClientTransportDynamic;
import org.eclipse.jetty.ee10.proxy.AsyncProxyServlet;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.ClientConnectionFactory;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;

/**
 * The servlet filter's reverse proxy: Jetty's {@code AsyncProxyServlet} (jetty-ee10-proxy, on
 * jetty-client), which streams both bodies with non-blocking servlet I/O and needs nothing of a
 * Jetty server, so it runs inside any Servlet 6 container. The filter calls {@link #service} for
 * a request it marked with {@link #BASE_ATTRIBUTE}.
 *
 * <p>What it changes in Jetty's servlet: the target is the marked base followed by the raw
 * request URI (or the one in {@link #URI_ATTRIBUTE}) and query, unchanged; the client's {@code Host} is kept; the forwarding headers are the ones
 * every Switchover adapter adds; an upstream that does not accept the connection, or stays silent,
 * for longer than the upstream timeout is a 504, any other failure a 502; there is no limit on an
 * exchange's total time, only on silence.
 *
 * <p>The client speaks HTTP/1.1 to {@code http} and {@code https} bases, and HTTP/2 to {@code
 * h2c} (prior knowledge) and {@code h2} (ALPN offering h2 only) bases, when
 * jetty-http2-client-transport is on the class path ({@link Http2Upstreams}); each request states
 * its version, so that the dynamic transport never negotiates one the base did not ask for.
 */
final class UpstreamProxyServlet extends AsyncProxyServlet {
  /** The request attribute that holds the {@link UpstreamBase} a request goes to. */
  static final String BASE_ATTRIBUTE = UpstreamProxyServlet.class.getName() + ".base";

  /** The request attribute that holds the request's {@link Admission}, marked when the upstream fails. */
  static final String ADMISSION_ATTRIBUTE = UpstreamProxyServlet.class.getName() + ".admission";

  /**
   * The request attribute that holds the {@link UpstreamEventStream} of a request that accepts an
   * event stream: the proxy passes the upstream's answer and body through it.
   */
  static final String EVENTS_ATTRIBUTE = UpstreamProxyServlet.class.getName() + ".events";

  /** The request attribute that holds the request URI to forward, where it is not the client's. */
  static final String URI_ATTRIBUTE = UpstreamProxyServlet.class.getName() + ".uri";

  private static final long serialVersionUID = 1L;
  /** A client that stopped sending its body for longer than the idle timeout. */
  private static final int REQUEST_TIMEOUT = 408;

  private final long timeoutMillis;
  @SuppressWarnings("serial") // the servlet is never serialized: a filter makes it
  private final @Nullable SSLContext tls;

  UpstreamProxyServlet(Duration timeout, @Nullable SSLContext tls) {
    this.timeoutMillis = timeout.toMillis();
    this.tls = tls;
  }

  /** The configuration Jetty's servlet reads, for a filter's proxy. */
  static ServletConfig config(String name, ServletContext context, Duration timeout, int maxThreads) {
    Map<String, String> parameters =
        Map.of(
            "preserveHost", "true",
            "maxThreads", Integer.toString(maxThreads),
            "idleTimeout", Long.toString(timeout.toMillis()),
            "timeout", "0"); // no total limit: a long download is not a timeout
    return new ServletConfig() {
      @Override
      public String getServletName() {
        return name;
      }

      @Override
      public ServletContext getServletContext() {
        return context;
      }

      @Override
      public @Nullable String getInitParameter(String parameter) {
        return parameters.get(parameter);
      }

      @Override
      public Enumeration<String> getInitParameterNames() {
        return Collections.enumeration(parameters.keySet());
      }
    };
  }

  @Override
  protected HttpClient newHttpClient(ClientConnector connector) {
    if (tls != null) {
      connector.getSslContextFactory().setSslContext(tls);
    }
    ClientConnectionFactory.Info[] protocols =
        Http2Upstreams.AVAILABLE
            ? Http2Upstreams.Transport.protocols(connector)
            : new ClientConnectionFactory.Info[] {HttpClientConnectionFactory.HTTP11};
    return new HttpClient(new HttpClientTransportDynamic(connector, protocols));
  }

  @Override
  protected HttpClient newHttpClient() {
    HttpClient client = super.newHttpClient();
    client.setConnectTimeout(timeoutMillis);
    return client;
  }

  @Override
  protected String rewriteTarget(HttpServletRequest clientRequest) {
    UpstreamBase base = (UpstreamBase) clientRequest.getAttribute(BASE_ATTRIBUTE);
    if (base == null) {
      throw new IllegalStateException("request was not marked with an upstream: " + clientRequest);
    }
    Object uri = clientRequest.getAttribute(URI_ATTRIBUTE);
    return base.target(
        uri instanceof String decoded ? decoded : clientRequest.getRequestURI(),
        clientRequest.getQueryString());
  }

  /**
   * An event stream's events go on to the client as they come, not when the response buffer
   * fills: the smallest buffer makes every write a flush.
   */
  @Override
  protected void onServerResponseHeaders(
      HttpServletRequest clientRequest, HttpServletResponse proxyResponse, org.eclipse.jetty.client.Response serverResponse) {
    super.onServerResponseHeaders(clientRequest, proxyResponse, serverResponse);
    String type = serverResponse.getHeaders().get(org.eclipse.jetty.http.HttpHeader.CONTENT_TYPE);
    if (type != null && type.toLowerCase(java.util.Locale.ROOT).startsWith("text/event-stream")) {
      proxyResponse.setBufferSize(1);
    }
    UpstreamEventStream events = events(clientRequest);
    if (events != null) {
      events.headers(serverResponse.getStatus(), type);
    }
  }

  /** The upstream's body goes through the request's event stream, if it has one, to end it at an event's end. */
  @Override
  protected void onResponseContent(
      HttpServletRequest request,
      HttpServletResponse response,
      org.eclipse.jetty.client.Response proxyResponse,
      byte[] buffer,
      int offset,
      int length,
      Callback callback) {
    UpstreamEventStream events = events(request);
    if (events != null) {
      events.content(
          buffer,
          offset,
          length,
          callback,
          (b, off, len, written) -> super.onResponseContent(request, response, proxyResponse, b, off, len, written));
    } else {
      super.onResponseContent(request, response, proxyResponse, buffer, offset, length, callback);
    }
  }

  /** The upstream ended its answer: completed here, unless the router has ended the event stream already. */
  @Override
  protected void onProxyResponseSuccess(
      HttpServletRequest clientRequest, HttpServletResponse proxyResponse, org.eclipse.jetty.client.Response serverResponse) {
    UpstreamEventStream events = events(clientRequest);
    if (events != null && events.exchangeCompleted()) {
      return; // the router ended the event stream: completed, with a clean end
    }
    super.onProxyResponseSuccess(clientRequest, proxyResponse, serverResponse);
  }

  private static @Nullable UpstreamEventStream events(HttpServletRequest request) {
    return request.getAttribute(EVENTS_ATTRIBUTE) instanceof UpstreamEventStream events ? events : null;
  }

  @Override
  protected Request newProxyRequest(HttpServletRequest request, String rewrittenTarget) {
    boolean http2 = request.getAttribute(BASE_ATTRIBUTE) instanceof UpstreamBase base && base.isHttp2();
    Request proxyRequest =
        super.newProxyRequest(request, rewrittenTarget)
            // Stated for every request: left implicit, an https request would offer h2 by ALPN.
            .version(http2 ? HttpVersion.HTTP_2 : HttpVersion.HTTP_1_1)
            .idleTimeout(timeoutMillis, TimeUnit.MILLISECONDS);
    UpstreamEventStream events = events(request);
    if (events != null) {
      events.upstream(proxyRequest); // released when the router ends the stream
    }
    return proxyRequest;
  }

  @Override
  protected void copyRequestHeaders(HttpServletRequest clientRequest, Request proxyRequest) {
    super.copyRequestHeaders(clientRequest, proxyRequest);
    if (clientRequest.getAttribute(BASE_ATTRIBUTE) instanceof UpstreamBase base && base.isHttp2()) {
      // Jetty's HTTP/2 client sends the upstream's own address as :authority, and an HTTP/2
      // server refuses a Host that differs from it: the client's host goes in X-Forwarded-Host
      // and Forwarded only.
      proxyRequest.headers(h -> h.remove(HttpHeader.HOST));
    }
  }

  /** The headers every Switchover adapter adds, in one format (not Jetty's servlet's own). */
  @Override
  protected void addProxyHeaders(HttpServletRequest clientRequest, Request proxyRequest) {
    ForwardingHeaders forwarding =
        ForwardingHeaders.of(
            clientRequest.getRemoteAddr(),
            clientRequest.getHeader(HttpHeader.HOST.asString()),
            SwitchoverFilter.isSecure(clientRequest) ? "https" : "http",
            clientRequest.getProtocol(),
            clientRequest.getLocalPort(),
            values(clientRequest, HttpHeader.FORWARDED),
            values(clientRequest, HttpHeader.VIA),
            values(clientRequest, HttpHeader.X_FORWARDED_FOR));
    proxyRequest.headers(
        h -> forwarding.forEachField((name, value) -> {
          if (value != null) {
            h.put(name, value);
          } else {
            h.remove(name);
          }
        }));
  }

  /**
   * Reading the client's body failed (its framing broke, or the client went away): the upstream
   * request is aborted with the failure marked as the client's, so that the answer, if the client
   * can still get one, is 400 rather than a failed upstream's 502.
   */
  @Override
  protected void onClientRequestFailure(
      HttpServletRequest clientRequest,
      Request proxyRequest,
      HttpServletResponse proxyResponse,
      Throwable failure) {
    super.onClientRequestFailure(
        clientRequest, proxyRequest, proxyResponse, new ClientBodyFailure(failure));
  }

  @Override
  protected int clientRequestStatus(Throwable failure) {
    // The failure comes wrapped (ClientBodyFailure), so the timeout is looked for among its causes.
    return Answers.isTimeout(failure) ? REQUEST_TIMEOUT : RequestTargets.BAD_REQUEST;
  }

  /** Marks a failed upstream exchange on the request's admission (502 or 504), then answers it. */
  @Override
  protected void onProxyResponseFailure(
      HttpServletRequest clientRequest,
      HttpServletResponse proxyResponse,
      org.eclipse.jetty.client.Response serverResponse,
      Throwable failure) {
    UpstreamEventStream events = events(clientRequest);
    if (events != null && events.exchangeCompleted()) {
      // The router ended the event stream and released its upstream: the failure is that release,
      // not the upstream's, and the request is completed with a clean end.
      return;
    }
    int status = proxyResponseStatus(failure);
    // Once the answer is on its way, a failure is most often the client going away while it is
    // written (the proxy then aborts the upstream's response): not counted against the upstream.
    boolean clientGone = proxyResponse.isCommitted() && Answers.isClientGone(failure);
    if (clientRequest.getAttribute(ADMISSION_ATTRIBUTE) instanceof Admission admission
        && status != RequestTargets.BAD_REQUEST
        && !clientGone) {
      admission.failed(
          status == Answers.GATEWAY_TIMEOUT
              ? RequestOutcome.GATEWAY_TIMEOUT
              : RequestOutcome.BAD_GATEWAY);
    }
    super.onProxyResponseFailure(clientRequest, proxyResponse, serverResponse, failure);
  }

  @Override
  protected int proxyResponseStatus(Throwable failure) {
    Throwable t = failure;
    for (int depth = 0; t != null && depth < 32; depth++, t = t.getCause()) {
      if (t instanceof HttpResponseException) {
        break; // the upstream's response was malformed: its fault, whatever lies beneath
      }
      // Jetty's container reports a broken or cut-off client body as an HttpException (400).
      if (t instanceof ClientBodyFailure
          || (t instanceof HttpException http && http.getCode() >= 400 && http.getCode() < 500)) {
        return RequestTargets.BAD_REQUEST;
      }
    }
    return Answers.isTimeout(failure) ? Answers.GATEWAY_TIMEOUT : Answers.BAD_GATEWAY;
  }

  /** Marks a failure to read the client's body, as against a failure of the upstream. */
  private static final class ClientBodyFailure extends IOException {
    private static final long serialVersionUID = 1L;

    ClientBodyFailure(Throwable cause) {
      super("reading the client's request body failed: " + cause, cause);
    }
  }

  private static List<String> values(HttpServletRequest request, HttpHeader header) {
    return Collections.list(request.getHeaders(header.asString()));
  }
}
