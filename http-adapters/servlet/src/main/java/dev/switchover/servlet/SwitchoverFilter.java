package dev.switchover.servlet;

import static java.util.Objects.requireNonNull;

import dev.switchover.Admission;
import dev.switchover.CanaryKey;
import dev.switchover.LongLivedConnection;
import dev.switchover.PreviewTokens;
import dev.switchover.RequestOutcome;
import dev.switchover.Resolution;
import dev.switchover.Router;
import dev.switchover.WorkspaceId;
import dev.switchover.http.internal.Answers;
import dev.switchover.http.internal.Cookies;
import dev.switchover.http.internal.Previews;
import dev.switchover.http.internal.RequestTargets;
import dev.switchover.http.internal.UpstreamBases;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Jakarta Servlet 6 filter that routes every request through a Switchover {@link Router} to
 * the workspace that serves it: a servlet of this application (in process), or upstream servers.
 *
 * <p>Each request is resolved once, with the host the container parsed from the request's
 * authority ({@link ServletRequest#getServerName}) and the canonical path within the application
 * that every Switchover adapter makes from the raw path: decoded, without path parameters, dot
 * segments resolved. A path a workspace could read otherwise than the router (an encoded slash,
 * backslash, NUL or percent sign, an encoded dot segment, {@code //}, {@code ..} above the root)
 * is refused with 400, the same in every container, as is a {@code Host} that is empty, repeated
 * or holds a comma; a target over 8 KiB gets 414. The raw request target is forwarded unchanged
 * (or, with {@link Builder#decodeEncodedSeparators}, its decoded form).
 *
 * <p>Targets:
 *
 * <ul>
 *   <li>in process: a named servlet of the same application, reached through {@link
 *       jakarta.servlet.ServletContext#getNamedDispatcher} — a forward that keeps the request, and
 *       works alike on every container (give each workspace its own servlet). Where the
 *       container's own servlet path differs from the routed path (Undertow keeps dot segments),
 *       the servlet sees the routed path;
 *   <li>upstream: base URIs taken in turn, reached through Jetty's {@code AsyncProxyServlet}
 *       (jetty-ee10-proxy on jetty-client, which need no Jetty server), bodies streamed both ways
 *       with non-blocking servlet I/O. The request keeps its {@code Host}, and gets the forwarding
 *       headers every adapter adds (an HTTP/2 upstream gets the client's host in those only: Jetty's
 *       HTTP/2 client sends the upstream's address as {@code :authority}). This needs async support: the filter, and every filter before
 *       it in the chain, must be {@code asyncSupported}; a request that is not is answered 500
 *       (and the misconfiguration logged once).
 * </ul>
 *
 * <p>The answers: an unknown host is {@code 421 Misdirected Request}, or passed down the filter
 * chain if so configured; a known host without a route, 404; a workspace bound to nothing, 503
 * with {@code Retry-After}; an upstream that fails, 502, or that does not accept the connection or
 * stays silent for longer than the upstream timeout, 504. A routed request is counted in flight
 * until its response completes: when the forward returns, or, if the request went asynchronous
 * (every upstream exchange does), when the async cycle completes, fails or times out.
 *
 * <p>WebSockets: an upgrade for an upstream workspace is answered {@code 501 Not Implemented}
 * with a message that says so, since Jetty's proxy servlet relays HTTP exchanges only (the Jetty
 * and Undertow adapters bridge them). An upgrade for an in-process workspace is forwarded to its
 * servlet like any request; its endpoint makes it a long-lived connection with {@link
 * #longLived}. An in-process server-sent-event stream is long-lived by itself: once its grace
 * after a switch has ended, it ends right after a complete event (at once if it stands between two,
 * otherwise at the servlet's write that completes the event), and one that does not reach the end
 * of an event within 5 seconds is cut off (its connection aborted, where the container allows:
 * Jetty 12 and Undertow). An upstream's stream is tracked the same way, from its
 * answer's headers: the filter passes its body on up to the end of the event the grace ended in,
 * completes the request there and aborts the upstream exchange.
 *
 * <p>Configured in code ({@link #builder}) or from {@link FilterConfig} init parameters, when the
 * container creates the filter itself (no-argument constructor):
 *
 * <ul>
 *   <li>{@code router-attribute}: the servlet-context attribute holding the {@link Router}
 *       (default {@value #DEFAULT_ROUTER_ATTRIBUTE});
 *   <li>{@code workspace.<name>.servlet}: the servlet name that serves workspace {@code <name>};
 *   <li>{@code workspace.<name>.upstream}: its upstream base URIs, separated by commas
 *       ({@code http}, {@code https}; {@code h2c}, {@code h2} for HTTP/2: see {@link
 *       Builder#upstream(WorkspaceId, List)});
 *   <li>{@code unknown-host}: {@code 421} (default) or {@code chain};
 *   <li>{@code retry-after}: seconds (default 5); {@code upstream-timeout}: milliseconds
 *       (default 30000);
 *   <li>{@code upstream-threads}: the most threads of the HTTP client's pool (default {@value
 *       #DEFAULT_UPSTREAM_THREADS});
 *   <li>{@code canary-key}: where a split route's sticky key is found: {@code cookie} (default),
 *       {@code cookie:<name>}, {@code header:<name>} or {@code client-address}; see {@link
 *       Builder#canaryKey}.
 *   <li>{@code encoded-separators}: {@code refuse} (default) or {@code decode}; see {@link
 *       Builder#decodeEncodedSeparators}.
 * </ul>
 *
 * <p>Any other init parameter, or a value out of these rules, fails {@link #init} with a {@link
 * ServletException} that names the parameter, its value and what was expected. The HTTP client is
 * started by {@link #init} if a workspace is bound to upstreams, and stopped by {@link #destroy};
 * it is also published, as Jetty's proxy servlet does, in the servlet-context attribute {@code
 * <filter name>-upstream.HttpClient}. Thread-safe once initialized.
 *
 * <pre>{@code
 * SwitchoverFilter filter = SwitchoverFilter.builder(router)
 *     .servlet("blue", "blue-app")                                // in process
 *     .upstream("green", URI.create("http://10.0.0.7:8080"))     // behind a proxy
 *     .build();
 * context.addFilter("switchover", filter).setAsyncSupported(true);
 * context.getFilterRegistration("switchover").addMappingForUrlPatterns(null, false, "/*");
 * }</pre>
 */
public final class SwitchoverFilter implements Filter {
  /** The default servlet-context attribute name under which the router is found. */
  public static final String DEFAULT_ROUTER_ATTRIBUTE = "dev.switchover.Router";

  /** The default bound of the HTTP client's thread pool; see {@link Builder#upstreamThreads}. */
  public static final int DEFAULT_UPSTREAM_THREADS = 256;

  /** The fewest threads the HTTP client runs with: its selector and its work need their own. */
  static final int MIN_UPSTREAM_THREADS = 4;

  private static final Logger log = LoggerFactory.getLogger(SwitchoverFilter.class);
  private static final String ROUTER_ATTRIBUTE = "router-attribute";
  private static final String UNKNOWN_HOST = "unknown-host";
  private static final String RETRY_AFTER = "retry-after";
  private static final String UPSTREAM_TIMEOUT = "upstream-timeout";
  /** The request attribute that holds an in-process WebSocket upgrade's admission. */
  private static final String UPGRADE_ADMISSION = SwitchoverFilter.class.getName() + ".upgradeAdmission";
  private static final String UPGRADE_HANDLE = SwitchoverFilter.class.getName() + ".upgradeHandle";
  /** The answer to a WebSocket upgrade for an upstream workspace, which the proxy servlet cannot carry. */
  static final String WEBSOCKET_NOT_PROXIED =
      "WebSocket upgrades to upstream workspaces are not proxied by the servlet filter: Jetty's proxy"
          + " servlet relays HTTP exchanges only. Bind the workspace in process, or put the Jetty or"
          + " Undertow adapter in front of it.";
  private static final String UPSTREAM_THREADS = "upstream-threads";
  private static final String ENCODED_SEPARATORS = "encoded-separators";
  private static final String CANARY_KEY = "canary-key";
  private static final String WORKSPACE = "workspace.";
  private static final String PARAMETERS =
      "router-attribute, workspace.<name>.servlet, workspace.<name>.upstream, unknown-host,"
          + " retry-after, upstream-timeout, upstream-threads, encoded-separators and canary-key";

  private volatile @Nullable Config config;
  private volatile @Nullable UpstreamProxyServlet proxy;
  private final AtomicBoolean toldNotAsync = new AtomicBoolean();
  /** Where the deadlines of event streams asked to end run: made at the first, stopped by destroy. */
  private @Nullable ScheduledThreadPoolExecutor deadlines;

  /** For containers that create the filter and configure it from init parameters. */
  public SwitchoverFilter() {}

  private SwitchoverFilter(Config config) {
    this.config = config;
  }

  /** A builder for a filter in front of {@code router}. */
  public static Builder builder(Router router) {
    return new Builder(router);
  }

  /**
   * Reads the init parameters (unless the filter was built in code) and, if a workspace is bound
   * to upstreams, starts the HTTP client.
   */
  @Override
  public void init(FilterConfig filterConfig) throws ServletException {
    Config c = config;
    if (c == null) {
      try {
        c = fromInitParameters(filterConfig);
      } catch (IllegalArgumentException | IllegalStateException e) {
        throw new ServletException("SwitchoverFilter " + filterConfig.getFilterName() + ": " + e.getMessage(), e);
      }
      config = c;
    }
    if (c.hasUpstreams() && proxy == null) {
      UpstreamProxyServlet p = new UpstreamProxyServlet(c.upstreamTimeout, c.upstreamTls);
      p.init(
          UpstreamProxyServlet.config(
              filterConfig.getFilterName() + "-upstream",
              filterConfig.getServletContext(),
              c.upstreamTimeout,
              c.upstreamThreads));
      proxy = p;
    }
  }

  private static Config fromInitParameters(FilterConfig fc) {
    String attribute = parameter(fc, ROUTER_ATTRIBUTE, DEFAULT_ROUTER_ATTRIBUTE);
    Object router = fc.getServletContext().getAttribute(attribute);
    if (!(router instanceof Router r)) {
      throw new IllegalArgumentException(
          "servlet-context attribute " + attribute + " must hold a dev.switchover.Router, but holds "
              + (router == null ? "nothing" : "a " + router.getClass().getName()));
    }
    Builder b = builder(r);
    for (String name : Collections.list(fc.getInitParameterNames())) {
      String value = requireNonNull(fc.getInitParameter(name)).trim();
      try {
        if (name.startsWith(WORKSPACE)) {
          bindWorkspace(b, name, value);
        } else if (name.equals(UNKNOWN_HOST)) {
          if (value.equals("chain")) {
            b.unknownHostToChain();
          } else if (!value.equals("421")) {
            throw new IllegalArgumentException("expected 421 or chain");
          }
        } else if (name.equals(RETRY_AFTER)) {
          b.retryAfter(Duration.ofSeconds(wholeNumber(value, "seconds")));
        } else if (name.equals(UPSTREAM_TIMEOUT)) {
          b.upstreamTimeout(Duration.ofMillis(wholeNumber(value, "milliseconds")));
        } else if (name.equals(UPSTREAM_THREADS)) {
          long threads = wholeNumber(value, "threads");
          if (threads < MIN_UPSTREAM_THREADS || threads > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(
                "expected a number of threads from " + MIN_UPSTREAM_THREADS + " to " + Integer.MAX_VALUE);
          }
          b.upstreamThreads((int) threads);
        } else if (name.equals(ENCODED_SEPARATORS)) {
          if (!value.equals("refuse") && !value.equals("decode")) {
            throw new IllegalArgumentException("expected refuse or decode");
          }
          b.decodeEncodedSeparators(value.equals("decode"));
        } else if (name.equals(CANARY_KEY)) {
          b.canaryKey(CanaryKey.parse(value));
        } else if (!name.equals(ROUTER_ATTRIBUTE)) {
          throw new IllegalArgumentException("unknown init parameter; the filter reads " + PARAMETERS);
        }
      } catch (IllegalArgumentException | IllegalStateException e) {
        throw new IllegalArgumentException("init parameter " + name + "=\"" + value + "\": " + e.getMessage(), e);
      }
    }
    return b.config();
  }

  /** {@code workspace.<name>.servlet} or {@code workspace.<name>.upstream}. */
  private static void bindWorkspace(Builder b, String parameter, String value) {
    int dot = parameter.lastIndexOf('.');
    if (dot <= WORKSPACE.length()) {
      throw new IllegalArgumentException("expected workspace.<name>.servlet or workspace.<name>.upstream");
    }
    WorkspaceId workspace = WorkspaceId.of(parameter.substring(WORKSPACE.length(), dot));
    String kind = parameter.substring(dot + 1);
    if (kind.equals("servlet")) {
      b.servlet(workspace, value);
    } else if (kind.equals("upstream")) {
      List<URI> uris = new ArrayList<>();
      for (String u : value.split(",", -1)) {
        try {
          uris.add(new URI(u.trim()));
        } catch (URISyntaxException e) {
          throw new IllegalArgumentException("expected base URIs separated by commas; " + e.getMessage(), e);
        }
      }
      b.upstream(workspace, uris);
    } else {
      throw new IllegalArgumentException("expected workspace.<name>.servlet or workspace.<name>.upstream");
    }
  }

  private static long wholeNumber(String value, String unit) {
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("expected a whole number of " + unit, e);
    }
  }

  private static String parameter(FilterConfig fc, String name, String fallback) {
    String v = fc.getInitParameter(name);
    return v == null ? fallback : v.trim();
  }

  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    Config c = config;
    if (c == null) {
      throw new ServletException("SwitchoverFilter was not initialized");
    }
    if (!(req instanceof HttpServletRequest request)
        || !(res instanceof HttpServletResponse response)
        || req.getDispatcherType() != DispatcherType.REQUEST) {
      chain.doFilter(req, res); // a forward, include, async or error dispatch was routed already
      return;
    }
    String rawPath = rawPathOf(request);
    String forwardedUri = null;
    if (c.decodeEncodedSeparators) {
      String decoded = RequestTargets.separatorsDecoded(rawPath);
      if (!decoded.equals(rawPath)) {
        // Routed on the decoded form: the workspace reads, and an upstream gets, that form too.
        rawPath = decoded;
        forwardedUri = request.getContextPath() + decoded;
      }
    }
    String path =
        "CONNECT".equals(request.getMethod()) || rawPath.equals("*")
            ? RequestTargets.NO_PATH
            : RequestTargets.canonicalPath(rawPath);
    // The servlet API hides the raw target; the request URL shows an absolute-form target's
    // scheme and authority as they came (Undertow), or as the container read them (Jetty).
    int refusal =
        path == null
            ? RequestTargets.refusal(rawPath)
            : RequestTargets.hostRefusal(
                Collections.list(request.getHeaders("Host")),
                request.getRequestURL().toString(),
                isSecure(request));
    if (refusal == 0) {
      refusal = RequestTargets.queryRefusal(request.getQueryString(), rawPath.length());
    }
    if (refusal == 0) {
      refusal =
          RequestTargets.framingRefusal(
              Collections.list(request.getHeaders("Content-Length")),
              Collections.list(request.getHeaders("Transfer-Encoding")),
              request.getProtocol());
      if (refusal == 0) {
        List<String> all = new ArrayList<>();
        for (String name : Collections.list(request.getHeaderNames())) {
          all.addAll(Collections.list(request.getHeaders(name)));
        }
        refusal = RequestTargets.headerValueRefusal(all);
      }
    }
    if (refusal != 0 || path == null) {
      // The connection is closed: after a request this policy refuses, its framing is not trusted.
      response.setHeader("Connection", "close");
      response.sendError(refusal);
      return;
    }
    String serverName = request.getServerName();
    String host = serverName == null ? "" : serverName;
    PreviewTokens p = c.previews;
    Admission admission;
    if (p == null) {
      admission = c.router.admit(host, path, null, null, request, c.stickyKeys);
    } else {
      if (path.equals(Previews.ENDPOINT)) {
        previewEndpoint(p, host, request, response);
        return;
      }
      String token = request.getHeader(Previews.HEADER);
      if (token == null || token.isEmpty()) {
        token = null;
        // Every Cookie field, as HTTP/2 clients may send one per cookie.
        for (Enumeration<String> cookies = request.getHeaders("Cookie"); token == null && cookies.hasMoreElements(); ) {
          token = Previews.cookieValue(cookies.nextElement());
        }
      }
      admission = c.router.admit(host, path, p, token, request, c.stickyKeys);
    }
    String newKey = admission.newStickyKey();
    if (newKey != null && c.canaryKey.source() == CanaryKey.Source.COOKIE) {
      response = new SettingCookie(response, c.canaryKey.setCookie(newKey, isSecure(request)));
    }
    Resolution.Outcome outcome = admission.resolution().outcome();
    if (outcome != Resolution.Outcome.ROUTED) {
      if (outcome == Resolution.Outcome.UNKNOWN_HOST && c.unknownHostToChain) {
        chain.doFilter(request, response);
      } else {
        response.sendError(Answers.statusOf(outcome));
      }
      return;
    }
    boolean closeNow = true;
    boolean threw = true;
    boolean notProxied = false;
    EventStreamResponse events = null;
    UpstreamEventStream upstreamEvents = null;
    @Nullable Throwable thrown = null;
    try {
      Target target = c.targets.get(admission.workspace());
      if (target == null) {
        admission.failed(RequestOutcome.UNAVAILABLE);
        response.setHeader("Retry-After", c.retryAfterSeconds);
        response.sendError(Answers.SERVICE_UNAVAILABLE);
      } else if (target.servletName != null) {
        RequestDispatcher dispatcher = request.getServletContext().getNamedDispatcher(target.servletName);
        if (dispatcher == null) {
          admission.failed(RequestOutcome.UNAVAILABLE); // the deployment's fault, not the workspace's
          throw new ServletException("no servlet named " + target.servletName + " for workspace " + admission.workspace());
        }
        if (isWebSocketUpgrade(request)) {
          request.setAttribute(UPGRADE_ADMISSION, admission); // for longLived(request, closer)
        }
        try {
          if (EventStreamResponse.accepts(request)) {
            // long-lived if it answers a stream
            events = new EventStreamResponse(request, response, admission, eventStreamDeadlines());
          }
          dispatcher.forward(routedView(request, path, forwardedUri), events == null ? response : events);
        } catch (IOException | ServletException | RuntimeException e) {
          thrown = e;
          throw e;
        }
      } else if (target.bases != null && isWebSocketUpgrade(request)) {
        // Counted as served: the workspace did not fail, and the router did not either.
        notProxied = true;
        response.sendError(HttpServletResponse.SC_NOT_IMPLEMENTED, WEBSOCKET_NOT_PROXIED);
      } else if (target.bases != null) {
        request.setAttribute(UpstreamProxyServlet.ADMISSION_ATTRIBUTE, admission);
        if (EventStreamResponse.accepts(request)) {
          // long-lived if the upstream answers a stream
          upstreamEvents = new UpstreamEventStream(request, admission, eventStreamDeadlines());
          request.setAttribute(UpstreamProxyServlet.EVENTS_ATTRIBUTE, upstreamEvents);
        }
        proxy(request, response, target.bases, forwardedUri);
      }
      if (request.isAsyncStarted()) {
        // complete() cannot take effect before this dispatch returns: the listener hears it.
        request.getAsyncContext().addListener(new Closing(admission, response, events, upstreamEvents));
        closeNow = false;
      }
      threw = false;
    } finally {
      if (closeNow) {
        // A workspace that threw gets a 500 from the container, unless it had answered already or
        // the client went away (a failed write): neither is the workspace failing.
        if (notProxied) {
          // answered 501 here: neither the workspace's error nor the upstream's
        } else if (!threw || response.isCommitted()) {
          admission.answered(response.getStatus());
        } else if (!Answers.isClientGone(thrown)) {
          admission.answered(500);
        }
        admission.close();
        if (events != null) {
          events.completed();
        }
        if (upstreamEvents != null) {
          upstreamEvents.completed();
        }
        if (request.getAttribute(UPGRADE_HANDLE) instanceof LongLivedConnection handle
            && response.getStatus() != HttpServletResponse.SC_SWITCHING_PROTOCOLS) {
          handle.close(); // made long-lived, but the container did not upgrade it after all
        }
      }
    }
  }

  /**
   * For an in-process WebSocket endpoint behind this filter, called by its servlet before it
   * upgrades the request (with the container's WebSocket support: {@code
   * ServerContainer.upgradeHttpToWebSocket}, say): the request becomes a long-lived connection
   * of its workspace, counted apart from requests in flight and awaited by {@code awaitDrained},
   * until the endpoint closes the returned handle when its WebSocket closes (the filter closes it
   * itself if the forward returns without an upgrade). When a switch stops routing to the workspace and the router's grace period ends, the
   * router runs {@code closer}, which closes the WebSocket with 1001 "going away", so that its
   * client reconnects to the workspace the table routes it to then. A servlet container tells a
   * filter nothing about an upgraded connection, hence this call: an endpoint that does not make
   * it is counted as a request that ended with the upgrade, and is never closed by the router.
   *
   * <pre>{@code
   * Optional<LongLivedConnection> tracked =
   *     SwitchoverFilter.longLived(request, () -> session.close(new CloseReason(GOING_AWAY, "going away")));
   * // in the endpoint's onClose:
   * tracked.ifPresent(LongLivedConnection::close);
   * }</pre>
   *
   * @return the handle, or empty if the request did not come through this filter as a WebSocket
   *     upgrade to an in-process workspace, or was already made long-lived
   */
  public static Optional<LongLivedConnection> longLived(HttpServletRequest request, Runnable closer) {
    requireNonNull(request, "request");
    requireNonNull(closer, "closer");
    if (!(request.getAttribute(UPGRADE_ADMISSION) instanceof Admission admission)) {
      return Optional.empty();
    }
    request.removeAttribute(UPGRADE_ADMISSION);
    try {
      LongLivedConnection handle = admission.longLived(closer);
      request.setAttribute(UPGRADE_HANDLE, handle); // closed by the filter if no upgrade follows
      return Optional.of(handle);
    } catch (IllegalStateException closed) {
      return Optional.empty(); // its forward had returned already
    }
  }

  /** Whether the request asks to be upgraded to a WebSocket. */
  private static boolean isWebSocketUpgrade(HttpServletRequest request) {
    String upgrade = request.getHeader("Upgrade");
    return upgrade != null && upgrade.trim().equalsIgnoreCase("websocket");
  }

  private void proxy(
      HttpServletRequest request,
      HttpServletResponse response,
      UpstreamBases bases,
      @Nullable String forwardedUri)
      throws IOException, ServletException {
    UpstreamProxyServlet p = proxy;
    if (p == null) {
      throw new ServletException("SwitchoverFilter was not initialized by its container (init was not called)");
    }
    if (!request.isAsyncSupported()) {
      if (toldNotAsync.compareAndSet(false, true)) {
        log.error(
            "SwitchoverFilter cannot proxy {}: the request does not support async; declare the filter,"
                + " and every filter before it, asyncSupported",
            request.getRequestURI());
      }
      Object admission = request.getAttribute(UpstreamProxyServlet.ADMISSION_ATTRIBUTE);
      if (admission instanceof Admission a) {
        a.failed(RequestOutcome.UNAVAILABLE); // the deployment's fault, not the upstream's
      }
      response.sendError(HttpServletResponse.SC_INTERNAL_SERVER_ERROR);
      return;
    }
    request.setAttribute(UpstreamProxyServlet.BASE_ATTRIBUTE, bases.next());
    if (forwardedUri != null) {
      request.setAttribute(UpstreamProxyServlet.URI_ATTRIBUTE, forwardedUri);
    }
    p.service(request, response);
  }

  /** The preview token endpoint: sets or clears the preview cookie. */
  private static void previewEndpoint(
      PreviewTokens previews, String host, HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    Previews.EndpointAnswer answer =
        Previews.endpoint(previews, host, request.getQueryString(), isSecure(request), Clock.systemUTC());
    String cookie = answer.setCookie();
    if (cookie == null) {
      response.sendError(answer.status());
      return;
    }
    response.setStatus(answer.status());
    response.setHeader("Location", "/");
    response.setHeader("Set-Cookie", cookie);
    response.setHeader("Cache-Control", "no-store");
    response.setContentLength(0);
  }

  /**
   * Whether the request is an {@code https} one as the container sees it: through a customizer
   * that trusts a front proxy's {@code X-Forwarded-Proto}, the proxy's scheme.
   */
  static boolean isSecure(HttpServletRequest request) {
    return request.isSecure();
  }

  /** The request's raw path within the application: the request URI without the context path. */
  private static String rawPathOf(HttpServletRequest request) {
    String uri = request.getRequestURI();
    String below = RequestTargets.below(uri == null ? "" : uri, request.getContextPath());
    return below == null ? "" : below; // "" is refused: the context matched another spelling
  }

  /** The container's decoded path within the application. */
  private static String containerPath(HttpServletRequest request) {
    String servletPath = request.getServletPath();
    String pathInfo = request.getPathInfo();
    String path = (servletPath == null ? "" : servletPath) + (pathInfo == null ? "" : pathInfo);
    return path.isEmpty() ? "/" : path;
  }

  /**
   * The request as the routed path reads it, where the container's own path differs, with the
   * decoded request URI if separators were decoded.
   */
  private static HttpServletRequest routedView(
      HttpServletRequest request, String path, @Nullable String decodedUri) {
    if (decodedUri == null && path.equals(containerPath(request))) {
      return request;
    }
    return new HttpServletRequestWrapper(request) {
      @Override
      public String getRequestURI() {
        return decodedUri != null ? decodedUri : super.getRequestURI();
      }

      @Override
      public String getServletPath() {
        return path;
      }

      @Override
      public @Nullable String getPathInfo() {
        return null;
      }
    };
  }

  private synchronized ScheduledExecutorService eventStreamDeadlines() {
    ScheduledThreadPoolExecutor d = deadlines;
    if (d == null) {
      d =
          new ScheduledThreadPoolExecutor(
              1,
              r -> {
                Thread t = new Thread(r, "switchover-event-stream-deadlines");
                t.setDaemon(true);
                return t;
              });
      d.setRemoveOnCancelPolicy(true);
      deadlines = d;
    }
    return d;
  }

  /**
   * Stops the HTTP client, if the filter started one, and removes its servlet-context attribute;
   * stops the deadlines of event streams.
   */
  @Override
  public void destroy() {
    synchronized (this) {
      ScheduledThreadPoolExecutor d = deadlines;
      if (d != null) {
        deadlines = null;
        d.shutdownNow();
      }
    }
    UpstreamProxyServlet p = proxy;
    if (p != null) {
      proxy = null;
      p.destroy();
      p.getServletContext().removeAttribute(p.getServletName() + ".HttpClient");
    }
  }

  @Override
  public String toString() {
    Config c = config;
    return "SwitchoverFilter{" + (c == null ? "not initialized" : c.targets) + "}";
  }

  private static final class Closing implements AsyncListener {
    private final Admission admission;
    private final HttpServletResponse response;
    private final @Nullable EventStreamResponse events;
    private final @Nullable UpstreamEventStream upstreamEvents;

    Closing(
        Admission admission,
        HttpServletResponse response,
        @Nullable EventStreamResponse events,
        @Nullable UpstreamEventStream upstreamEvents) {
      this.admission = admission;
      this.response = response;
      this.events = events;
      this.upstreamEvents = upstreamEvents;
    }

    @Override
    public void onComplete(AsyncEvent event) {
      admission.answered(response.getStatus());
      admission.close();
      ended();
    }

    @Override
    public void onTimeout(AsyncEvent event) {
      admission.close();
      ended();
    }

    @Override
    public void onError(AsyncEvent event) {
      admission.close();
      ended();
    }

    private void ended() {
      if (events != null) {
        events.completed();
      }
      if (upstreamEvents != null) {
        upstreamEvents.completed();
      }
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
      // A new async cycle: keep listening to it.
      event.getAsyncContext().addListener(this);
    }
  }

  /** A workspace's binding: a servlet name, or upstream base URIs taken in turn. */
  private static final class Target {
    final @Nullable String servletName;
    final @Nullable UpstreamBases bases;

    Target(@Nullable String servletName, @Nullable UpstreamBases bases) {
      this.servletName = servletName;
      this.bases = bases;
    }

    @Override
    public String toString() {
      return servletName != null ? "servlet " + servletName : String.valueOf(bases);
    }
  }

  /** The request's sticky key, where the filter's canary key says to find it; null if it has none. */
  private static @Nullable String stickyKeyOf(CanaryKey key, HttpServletRequest request) {
    switch (key.source()) {
      case COOKIE -> {
        // Every Cookie field, as HTTP/2 clients may send one per cookie.
        for (Enumeration<String> cookies = request.getHeaders("Cookie"); cookies.hasMoreElements(); ) {
          String value = Cookies.value(cookies.nextElement(), key.name());
          if (value != null) {
            return value;
          }
        }
        return null;
      }
      case HEADER -> {
        return request.getHeader(key.name());
      }
      case CLIENT_ADDRESS -> {
        String address = request.getRemoteAddr();
        return address == null ? null : CanaryKey.addressKey(address);
      }
    }
    return null;
  }

  private static final class Config {
    final Router router;
    final Map<WorkspaceId, Target> targets;
    final boolean unknownHostToChain;
    final String retryAfterSeconds;
    final Duration upstreamTimeout;
    final @Nullable SSLContext upstreamTls;
    final int upstreamThreads;
    final boolean decodeEncodedSeparators;
    final @Nullable PreviewTokens previews;
    final CanaryKey canaryKey;
    /** Asked by the router only for a request whose route splits. */
    final Router.StickyKeys<HttpServletRequest> stickyKeys;

    Config(Builder b) {
      this.previews = b.previews;
      CanaryKey key = b.canaryKey == null ? CanaryKey.cookie() : b.canaryKey;
      this.canaryKey = key;
      this.stickyKeys = request -> stickyKeyOf(key, request);
      this.router = b.router;
      this.targets = Map.copyOf(b.targets);
      this.unknownHostToChain = b.unknownHostToChain;
      this.retryAfterSeconds =
          Answers.retryAfter(b.retryAfter == null ? Answers.DEFAULT_RETRY_AFTER : b.retryAfter);
      this.upstreamTimeout =
          b.upstreamTimeout == null ? Answers.DEFAULT_UPSTREAM_TIMEOUT : b.upstreamTimeout;
      this.upstreamThreads = b.upstreamThreads == 0 ? DEFAULT_UPSTREAM_THREADS : b.upstreamThreads;
      this.upstreamTls = b.upstreamTls;
      this.decodeEncodedSeparators = b.decodeEncodedSeparators != null && b.decodeEncodedSeparators;
    }

    boolean hasUpstreams() {
      for (Target t : targets.values()) {
        if (t.servletName == null) {
          return true;
        }
      }
      return false;
    }
  }

  /**
   * Builds a {@link SwitchoverFilter}. Each workspace may be bound once, each setting set once;
   * arguments are checked at once. Not thread-safe.
   */
  public static final class Builder {
    private final Router router;
    private final Map<WorkspaceId, Target> targets = new LinkedHashMap<>();
    private boolean unknownHostToChain;
    private @Nullable Duration retryAfter;
    private @Nullable Duration upstreamTimeout;
    private int upstreamThreads;
    private @Nullable SSLContext upstreamTls;
    private @Nullable Boolean decodeEncodedSeparators;
    private @Nullable PreviewTokens previews;
    private @Nullable CanaryKey canaryKey;

    private Builder(Router router) {
      this.router = requireNonNull(router, "router");
    }

    /** Binds a workspace to the servlet of this name in the filter's application. */
    public Builder servlet(WorkspaceId workspace, String servletName) {
      checkUnbound(workspace);
      if (requireNonNull(servletName, "servletName").isBlank()) {
        throw new IllegalArgumentException("a servlet name must not be blank");
      }
      targets.put(workspace, new Target(servletName, null));
      return this;
    }

    /** Binds a workspace, by name, to a servlet of the application. */
    public Builder servlet(String workspace, String servletName) {
      return servlet(WorkspaceId.of(workspace), servletName);
    }

    /**
     * Binds a workspace to one or more upstream base URIs, taken in turn.
     *
     * <p>The scheme says how: {@code http} and {@code https} over HTTP/1.1; {@code h2c} over
     * HTTP/2 in cleartext with prior knowledge ({@code h2c://10.0.0.7:8080}); {@code h2} over
     * HTTP/2 with TLS, h2 chosen by ALPN ({@code h2://green.internal}, port 443 by default).
     *
     * @throws IllegalArgumentException if the list is empty, or a URI is not an absolute {@code
     *     http}, {@code https}, {@code h2c} or {@code h2} URI with a host and without user info,
     *     query or fragment
     * @throws IllegalStateException if a URI asks for HTTP/2 and
     *     org.eclipse.jetty.http2:jetty-http2-client-transport is not on the class path
     */
    public Builder upstream(WorkspaceId workspace, List<URI> baseUris) {
      checkUnbound(workspace);
      UpstreamBases bases =
          Http2Upstreams.check(UpstreamBases.of(requireNonNull(baseUris, "baseUris"), UpstreamBases.HTTP_1_AND_2));
      targets.put(workspace, new Target(null, bases));
      return this;
    }

    /** Binds a workspace, by name, to upstream base URIs; see {@link #upstream(WorkspaceId, List)}. */
    public Builder upstream(String workspace, URI baseUri, URI... more) {
      List<URI> all = new ArrayList<>();
      all.add(baseUri);
      all.addAll(List.of(more));
      return upstream(WorkspaceId.of(workspace), all);
    }

    /**
     * The TLS context for {@code https} and {@code h2} upstreams: the certificates they are
     * trusted by (a private CA), and a client certificate if they ask for one. By default, the
     * JVM's trust store. Host names are verified either way.
     */
    public Builder upstreamTls(SSLContext context) {
      if (upstreamTls != null) {
        throw new IllegalStateException("upstreamTls was already set");
      }
      this.upstreamTls = requireNonNull(context, "context");
      return this;
    }

    /** Requests to hosts the table does not know continue down the filter chain instead of 421. */
    public Builder unknownHostToChain() {
      this.unknownHostToChain = true;
      return this;
    }

    /** The {@code Retry-After} sent with 503, rounded up to whole seconds; 5 seconds by default. */
    public Builder retryAfter(Duration delay) {
      this.retryAfter = Answers.checkRetryAfter(requireNonNull(delay, "delay"), retryAfter);
      return this;
    }

    /**
     * How long an upstream may take to accept the connection, and stay silent during an exchange,
     * before the request fails with 504; 30 seconds by default.
     */
    public Builder upstreamTimeout(Duration timeout) {
      this.upstreamTimeout =
          Answers.checkUpstreamTimeout(requireNonNull(timeout, "timeout"), upstreamTimeout);
      return this;
    }

    /**
     * The most threads of the HTTP client's pool ({@value
     * SwitchoverFilter#DEFAULT_UPSTREAM_THREADS} by default). No thread waits for an upstream:
     * the pool runs the client's reads, writes and callbacks.
     *
     * @throws IllegalArgumentException if {@code max} is less than 4 (the client's selector and
     *     its work need threads of their own)
     */
    public Builder upstreamThreads(int max) {
      if (upstreamThreads != 0) {
        throw new IllegalStateException("upstreamThreads was already set to " + upstreamThreads);
      }
      if (max < MIN_UPSTREAM_THREADS) {
        throw new IllegalArgumentException(
            "upstreamThreads must be at least " + MIN_UPSTREAM_THREADS + ", but was " + max);
      }
      this.upstreamThreads = max;
      return this;
    }

    /**
     * Whether a path's encoded slashes and backslashes ({@code %2F}, {@code %5C}) are decoded into
     * separators, the request routed on that decoded form and the decoded form passed on (to a
     * workspace's servlet as its request URI and servlet path, to an upstream as its target);
     * false by default, and such a path is refused with 400. A container may refuse such paths
     * before any filter runs (Jetty's does unless its {@code UriCompliance} allows them and its
     * servlet handler decodes ambiguous URIs).
     */
    public Builder decodeEncodedSeparators(boolean decode) {
      if (decodeEncodedSeparators != null) {
        throw new IllegalStateException("decodeEncodedSeparators was already set to " + decodeEncodedSeparators);
      }
      this.decodeEncodedSeparators = decode;
      return this;
    }

    /**
     * Routes requests that carry a valid preview token (the {@code Switchover-Preview} header, or
     * the {@code switchover-preview} cookie) to the token's workspace on the token's domain, and
     * serves the token endpoint {@code /.well-known/switchover-preview} that sets the cookie. A
     * forged, expired or other-domain token is ignored; a token's workspace bound to nothing gets
     * 503. Off by default: then no request is looked at for a token.
     */
    public Builder previewTokens(PreviewTokens tokens) {
      if (previews != null) {
        throw new IllegalStateException("previewTokens was already set to " + previews);
      }
      this.previews = requireNonNull(tokens, "tokens");
      return this;
    }

    /**
     * Where a request's sticky key for a {@linkplain dev.switchover.Split split} route is found:
     * by default the {@value CanaryKey#DEFAULT_COOKIE} cookie, which the filter sets (host-only,
     * 30 days) on a request that had none. The key is looked for only in a request whose route splits. The init
     * parameter {@code canary-key} says the same: {@code cookie}, {@code cookie:<name>}, {@code
     * header:<name>} or {@code client-address}.
     */
    public Builder canaryKey(CanaryKey key) {
      if (canaryKey != null) {
        throw new IllegalStateException("canaryKey was already set to " + canaryKey);
      }
      this.canaryKey = requireNonNull(key, "key");
      return this;
    }

    /** The filter; later changes to this builder do not affect it. */
    public SwitchoverFilter build() {
      return new SwitchoverFilter(config());
    }

    Config config() {
      return new Config(this);
    }

    private void checkUnbound(WorkspaceId workspace) {
      requireNonNull(workspace, "workspace");
      if (targets.containsKey(workspace)) {
        throw new IllegalStateException("workspace " + workspace + " is already bound");
      }
    }
  }
}
