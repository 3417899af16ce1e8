package dev.switchover.jetty;

import static java.util.Objects.requireNonNull;

import dev.switchover.Admission;
import dev.switchover.CanaryKey;
import dev.switchover.PreviewTokens;
import dev.switchover.RequestOutcome;
import dev.switchover.Resolution;
import dev.switchover.Router;
import dev.switchover.WorkspaceId;
import dev.switchover.http.internal.Answers;
import dev.switchover.http.internal.Cookies;
import dev.switchover.http.internal.Previews;
import dev.switchover.http.internal.RequestTargets;
import dev.switchover.http.internal.UpstreamBase;
import dev.switchover.http.internal.UpstreamBases;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Jetty 12 handler that routes every request through a Switchover {@link Router} to the
 * workspace that serves it: an in-process {@link Handler}, or upstream servers reached through
 * jetty-proxy.
 *
 * <p>Each request is resolved once, with the host Jetty parsed from its authority ({@link
 * Request#getServerName}: no port, IPv6 literals in brackets) and the canonical path within its
 * context that every Switchover adapter makes from the raw path: decoded, without path
 * parameters, dot segments resolved. The table it resolved against stays pinned for the request,
 * which is counted in flight on its workspace until its response completes, fails, or the
 * workspace's handler throws; {@link Router#awaitDrained} is therefore exact. The answers:
 *
 * <ul>
 *   <li>a path every adapter refuses, because a workspace could read it otherwise than the router
 *       (an encoded slash, backslash, NUL or percent sign, an encoded dot segment, {@code //},
 *       {@code ..} above the root), or a {@code Host} that is empty, repeated, holds a comma, or
 *       differs from an absolute-form target's authority: 400; a target over 8 KiB: 414;
 *   <li>a host the table does not know: {@code 421 Misdirected Request}, or the next handler if
 *       one is set ({@link Builder#unknownHostHandler}, or {@link #setHandler});
 *   <li>a known host without a route for the path: 404;
 *   <li>a workspace bound to nothing here: 503 with {@code Retry-After};
 *   <li>an in-process handler that does not handle the request: 404;
 *   <li>an upstream that fails: 502; one that does not accept the connection, or stays silent,
 *       for longer than the upstream timeout: 504.
 * </ul>
 *
 * <p>Upstream workspaces share one {@code ProxyHandler.Reverse} with one {@code HttpClient}; a
 * request goes to the next of its workspace's base URIs in turn, with its raw path and query
 * unchanged (after the base's own path, if any; decoded with {@link
 * Builder#decodeEncodedSeparators}), the client's {@code Host}, and the forwarding headers every
 * adapter adds ({@code Forwarded}, {@code Via}, {@code X-Forwarded-*}). In-process handlers and the
 * proxy are managed beans: started and stopped with this handler.
 *
 * <p>Upstreams speak HTTP/1.1 ({@code http://}, {@code https://}) or HTTP/2: {@code h2c://host:port}
 * in cleartext with prior knowledge, {@code h2://host:port} over TLS with h2 chosen by ALPN (an
 * upstream that does not choose h2 fails the request with 502). HTTP/2 upstreams need
 * {@code org.eclipse.jetty.http2:jetty-http2-client-transport} on the class path; a WebSocket
 * upgrade for one is answered {@code 501 Not Implemented}. {@link Builder#upstreamTls} sets whom
 * TLS upstreams are trusted by.
 *
 * <p>A WebSocket (upgraded by an in-process handler, or bridged to an upstream with Jetty's
 * websocket-core client and server) and a server-sent-event stream are long-lived connections of
 * their workspace ({@link dev.switchover.LongLivedConnection}): when the grace after a switch
 * ends, a WebSocket is closed with 1001 (see {@link #closeOnGraceEnd}) and a stream is ended right
 * after a complete event (cut off, its connection aborted, if it does not reach one within 5
 * seconds).
 *
 * <p>Bindings are set by the builder; {@link #bind} and {@link #unbind} change them before start,
 * or at any time if the handler is {@linkplain Builder#dynamic dynamic}. A dynamic handler reports
 * the {@code BLOCKING} invocation type, like Jetty's dynamic containers; otherwise it reports the
 * combination of its handlers' types (jetty-proxy's handler reports {@code BLOCKING}). Thread-safe:
 * {@code handle} reads the bindings with one volatile read.
 *
 * <pre>{@code
 * Router router = Router.create(table);
 * SwitchoverHandler switchover = SwitchoverHandler.builder(router)
 *     .handler("blue", blueApp)                                  // in process
 *     .upstream("green", URI.create("http://10.0.0.7:8080"))     // behind a proxy
 *     .build();
 * server.setHandler(switchover);
 * }</pre>
 */
public final class SwitchoverHandler extends Handler.Wrapper {
  private static final Logger log = LoggerFactory.getLogger(SwitchoverHandler.class);
  /** The answer to a WebSocket upgrade for an HTTP/2 upstream. */
  static final String WEBSOCKET_TO_HTTP2 =
      "WebSocket upgrades to HTTP/2 upstream workspaces (h2c, h2) are not proxied";
  private final Router router;
  private final String retryAfterSeconds;
  private final Duration upstreamTimeout;
  private final @Nullable SSLContext upstreamTls;
  private final boolean decodeEncodedSeparators;
  private final Object bindLock = new Object();
  private volatile Map<WorkspaceId, Target> targets = Map.of();
  private final @Nullable PreviewTokens previews;
  private final CanaryKey canaryKey;
  /** Asked by the router only for a request whose route splits. */
  private final Router.StickyKeys<Request> stickyKeys = this::stickyKeyOf;
  private volatile @Nullable Handler proxy;
  private volatile @Nullable UpstreamWebSocket webSockets;
  private final LongLivedUpgrades upgrades = new LongLivedUpgrades();

  private SwitchoverHandler(Builder b) {
    super(b.dynamic);
    this.previews = b.previews;
    this.canaryKey = b.canaryKey == null ? CanaryKey.cookie() : b.canaryKey;
    this.router = b.router;
    this.retryAfterSeconds = Answers.retryAfter(b.retryAfter == null ? Answers.DEFAULT_RETRY_AFTER : b.retryAfter);
    this.upstreamTimeout = b.upstreamTimeout == null ? Answers.DEFAULT_UPSTREAM_TIMEOUT : b.upstreamTimeout;
    this.upstreamTls = b.upstreamTls;
    this.decodeEncodedSeparators = b.decodeEncodedSeparators != null && b.decodeEncodedSeparators;
    b.handlers.forEach(this::bind);
    b.upstreams.forEach(this::bindBases);
    if (b.unknownHostHandler != null) {
      setHandler(b.unknownHostHandler);
    }
  }

  /** A builder for a handler in front of {@code router}. */
  public static Builder builder(Router router) {
    return new Builder(router);
  }

  /** The router this handler admits every request through. */
  public Router router() {
    return router;
  }

  /**
   * Binds a workspace to an in-process handler, replacing any earlier binding. The handler
   * becomes a managed bean (started now if this handler runs). A replaced in-process handler is
   * no longer managed and is not stopped: requests may still be running on it; stop it yourself
   * once {@link Router#awaitDrained} says so.
   *
   * @throws IllegalStateException if this handler is started and not dynamic
   */
  public void bind(WorkspaceId workspace, Handler handler) {
    requireNonNull(workspace, "workspace");
    requireNonNull(handler, "handler");
    put(workspace, new InProcessTarget(handler));
  }

  /**
   * Binds a workspace to one or more upstream base URIs ({@code http} or {@code https} for
   * HTTP/1.1, {@code h2c} or {@code h2} for HTTP/2, with an optional base path), replacing any
   * earlier binding; requests take the bases in turn.
   *
   * @throws IllegalArgumentException if the list is empty or a URI is not a valid base
   * @throws IllegalStateException if this handler is started and not dynamic, or a base asks for
   *     HTTP/2 and jetty-http2-client-transport is not on the class path
   */
  public void bind(WorkspaceId workspace, List<URI> upstreams) {
    requireNonNull(workspace, "workspace");
    bindBases(workspace, Builder.bases(upstreams));
  }

  /**
   * Removes a workspace's binding: its requests are answered 503 from now on, while those already
   * running complete. An in-process handler is no longer managed and is not stopped.
   *
   * @return whether the workspace was bound
   * @throws IllegalStateException if this handler is started and not dynamic
   */
  public boolean unbind(WorkspaceId workspace) {
    requireNonNull(workspace, "workspace");
    synchronized (bindLock) {
      checkBindingsMayChange();
      Map<WorkspaceId, Target> next = new HashMap<>(targets);
      Target old = next.remove(workspace);
      if (old == null) {
        return false;
      }
      targets = Map.copyOf(next);
      release(old, next);
    }
    log.info("workspace {} is bound to nothing", workspace);
    return true;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    HttpURI uri = request.getHttpURI();
    @Nullable String contextPath = Request.getContextPath(request); // null outside a context
    String context = contextPath == null ? "" : contextPath;
    String rawPath = uri.getPath();
    String raw = RequestTargets.below(rawPath == null || rawPath.isEmpty() ? "/" : rawPath, context);
    boolean decoded = false;
    if (decodeEncodedSeparators && raw != null && !isNoPath(request, raw)) {
      String form = RequestTargets.separatorsDecoded(raw);
      decoded = !form.equals(raw);
      raw = form;
    }
    String path =
        raw == null ? null : isNoPath(request, raw) ? RequestTargets.NO_PATH : RequestTargets.canonicalPath(raw);
    if (decoded && path != null) {
      // Routed on the decoded form: the workspace reads, and an upstream gets, that form too.
      HttpURI seen = HttpURI.build(uri).path(context + raw).asImmutable();
      request =
          new Request.Wrapper(request) {
            @Override
            public HttpURI getHttpURI() {
              return seen;
            }
          };
    }
    // Jetty fills the URI's scheme and authority from the connection and Host for an origin-form
    // target, so comparing them is a no-op there and a check for an absolute-form one.
    String scheme = uri.getScheme();
    String authority = uri.getAuthority();
    int refusal =
        path == null
            ? RequestTargets.refusal(raw == null ? "" : raw)
            : RequestTargets.hostRefusal(
                request.getHeaders().getValuesList(HttpHeader.HOST),
                scheme == null || authority == null ? null : scheme + "://" + authority,
                request.isSecure());
    if (refusal == 0) {
      refusal = RequestTargets.queryRefusal(uri.getQuery(), raw == null ? 0 : raw.length());
    }
    if (refusal == 0) {
      HttpFields fields = request.getHeaders();
      refusal =
          RequestTargets.framingRefusal(
              fields.getValuesList(HttpHeader.CONTENT_LENGTH),
              fields.getValuesList(HttpHeader.TRANSFER_ENCODING),
              request.getConnectionMetaData().getProtocol());
      if (refusal == 0) {
        refusal = RequestTargets.headerValueRefusal(() -> fields.stream().map(HttpField::getValue).iterator());
      }
    }
    if (refusal != 0 || path == null) {
      // The connection is closed: after a request this policy refuses, its framing is not trusted.
      response.getHeaders().put(HttpHeader.CONNECTION, "close");
      Response.writeError(request, response, callback, refusal);
      return true;
    }
    String serverName = Request.getServerName(request);
    String host = serverName == null ? "" : serverName;
    PreviewTokens p = previews;
    Admission admission;
    if (p == null) {
      admission = router.admit(host, path, null, null, request, stickyKeys);
    } else {
      if (path.equals(Previews.ENDPOINT)) {
        previewEndpoint(p, host, request, response, callback);
        return true;
      }
      HttpFields fields = request.getHeaders();
      String token = fields.get(Previews.HEADER);
      if (token == null || token.isEmpty()) {
        token = null;
        // Every Cookie field, as HTTP/2 clients may send one per cookie; by index, allocation-free.
        for (int i = 0; i < fields.size() && token == null; i++) {
          HttpField field = fields.getField(i);
          if (field.getHeader() == HttpHeader.COOKIE) {
            token = Previews.cookieValue(field.getValue());
          }
        }
      }
      admission = router.admit(host, path, p, token, request, stickyKeys);
    }
    String newKey = admission.newStickyKey();
    if (newKey != null && canaryKey.source() == CanaryKey.Source.COOKIE) {
      response = new SettingCookie(request, response, canaryKey.setCookie(newKey, request.isSecure()));
    }
    Resolution.Outcome outcome = admission.resolution().outcome();
    if (outcome != Resolution.Outcome.ROUTED) {
      Handler next = getHandler();
      if (outcome == Resolution.Outcome.UNKNOWN_HOST && next != null) {
        return next.handle(request, response, callback);
      }
      Response.writeError(request, response, callback, Answers.statusOf(outcome));
      return true;
    }
    // Routed: counted in flight until the callback completes, or handle() throws.
    upgrades.prepare(request);
    EventStreamResponse events = EventStreamResponse.accepts(request) ? new EventStreamResponse(request, response, admission) : null;
    AdmissionCallback completion =
        new AdmissionCallback(
            response instanceof SettingCookie c ? c.completing(callback) : callback, admission, response, upgrades, events);
    if (events != null) {
      events.completing(completion);
    }
    try {
      Target target = targets.get(admission.workspace());
      if (target == null) {
        admission.failed(RequestOutcome.UNAVAILABLE);
        response.getHeaders().put(HttpHeader.RETRY_AFTER, retryAfterSeconds);
        Response.writeError(request, response, completion, Answers.SERVICE_UNAVAILABLE);
      } else if (!target.handle(request, events == null ? response : events, completion)) {
        Response.writeError(request, response, completion, Answers.NOT_FOUND);
      }
      return true;
    } catch (Throwable failure) {
      // Jetty fails its own callback when handle() throws (a 500); ours will never be completed.
      admission.answered(500);
      admission.close();
      throw failure;
    }
  }

  /** The request's sticky key, where {@link Builder#canaryKey} says to find it; null if it has none. */
  private @Nullable String stickyKeyOf(Request request) {
    CanaryKey key = canaryKey;
    HttpFields fields = request.getHeaders();
    switch (key.source()) {
      case COOKIE -> {
        for (int i = 0; i < fields.size(); i++) {
          HttpField field = fields.getField(i);
          if (field.getHeader() == HttpHeader.COOKIE) {
            String value = Cookies.value(field.getValue(), key.name());
            if (value != null) {
              return value;
            }
          }
        }
        return null;
      }
      case HEADER -> {
        return fields.get(key.name());
      }
      case CLIENT_ADDRESS -> {
        return request.getConnectionMetaData().getRemoteSocketAddress() instanceof InetSocketAddress a
                && a.getAddress() != null
            ? CanaryKey.addressKey(a.getAddress())
            : null;
      }
    }
    return null;
  }

  /** The preview token endpoint: sets or clears the preview cookie. */
  private static void previewEndpoint(
      PreviewTokens previews, String host, Request request, Response response, Callback callback) {
    Previews.EndpointAnswer answer =
        Previews.endpoint(previews, host, request.getHttpURI().getQuery(), request.isSecure(), Clock.systemUTC());
    if (answer.setCookie() == null) {
      Response.writeError(request, response, callback, answer.status());
      return;
    }
    response.setStatus(answer.status());
    response.getHeaders().put(HttpHeader.LOCATION, "/");
    response.getHeaders().put(HttpHeader.SET_COOKIE, answer.setCookie());
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, 0L);
    response.write(true, BufferUtil.EMPTY_BUFFER, callback);
  }

  /**
   * A request that names no path of the host ({@code CONNECT}, {@code OPTIONS *}). A WebSocket
   * over HTTP/2 is a {@code CONNECT} too (RFC 8441), but one with a path, routed as a GET is.
   */
  private static boolean isNoPath(Request request, String raw) {
    return (HttpMethod.CONNECT.is(request.getMethod()) && !LongLivedUpgrades.isWebSocketOverHttp2(request))
        || raw.equals("*");
  }

  /**
   * {@code BLOCKING} if dynamic; otherwise the combination of the next handler's, the in-process
   * handlers' and the proxy's invocation types ({@code NON_BLOCKING} if there are none).
   */
  @Override
  public Invocable.InvocationType getInvocationType() {
    if (isDynamic()) {
      return Invocable.InvocationType.BLOCKING;
    }
    Invocable.InvocationType type = Invocable.InvocationType.NON_BLOCKING;
    for (Handler h : getHandlers()) {
      type = Invocable.combine(type, h.getInvocationType());
    }
    return type;
  }

  /** The next handler (if any), the in-process workspace handlers, and the proxy (if any). */
  @Override
  public List<Handler> getHandlers() {
    List<Handler> handlers = new ArrayList<>();
    Handler next = getHandler();
    if (next != null) {
      handlers.add(next);
    }
    for (Target t : targets.values()) {
      if (t instanceof InProcessTarget inProcess && !containsSame(handlers, inProcess.handler)) {
        handlers.add(inProcess.handler);
      }
    }
    Handler p = proxy;
    if (p != null) {
      handlers.add(p);
    }
    return Collections.unmodifiableList(handlers);
  }

  private void bindBases(WorkspaceId workspace, UpstreamBases bases) {
    put(workspace, new UpstreamTarget(bases, proxy(), this::webSockets));
  }

  private void put(WorkspaceId workspace, Target target) {
    synchronized (bindLock) {
      checkBindingsMayChange();
      if (target instanceof InProcessTarget inProcess) {
        manage(inProcess.handler);
      }
      Map<WorkspaceId, Target> next = new HashMap<>(targets);
      Target old = next.put(workspace, target);
      targets = Map.copyOf(next);
      if (old != null) {
        release(old, next);
      }
    }
    log.info("workspace {} is bound to {}", workspace, target);
  }

  /**
   * Before starting, makes every HTTP/1 connector of the server refuse the framing that Jetty's
   * compliance modes may read leniently ({@link StrictFraming#apply}): every Switchover adapter
   * refuses it with 400.
   */
  @Override
  protected void doStart() throws Exception {
    Server server = getServer();
    if (server != null) {
      StrictFraming.apply(server);
    }
    super.doStart();
  }

  private void checkBindingsMayChange() {
    if (!isDynamic() && isStarted()) {
      throw new IllegalStateException(
          "the bindings of a started SwitchoverHandler can change only if it is dynamic: " + this);
    }
  }

  private void manage(Handler handler) {
    if (contains(handler)) {
      return;
    }
    Server server = getServer();
    if (server != null) {
      handler.setServer(server);
    }
    addManaged(handler);
  }

  /** Lets go of a replaced target's handler unless another workspace still uses it. */
  private void release(Target old, Map<WorkspaceId, Target> remaining) {
    if (old instanceof InProcessTarget inProcess) {
      for (Target t : remaining.values()) {
        if (t instanceof InProcessTarget other && other.handler == inProcess.handler) {
          return;
        }
      }
      unmanage(inProcess.handler); // so that removing it does not stop it
      removeBean(inProcess.handler);
    }
  }

  private Handler proxy() {
    synchronized (bindLock) {
      Handler p = proxy;
      if (p == null) {
        p = UpstreamProxy.create(upstreamTimeout, upstreamTls);
        Server server = getServer();
        if (server != null) {
          p.setServer(server);
        }
        addManaged(p);
        proxy = p;
      }
      return p;
    }
  }

  /** The WebSocket bridge to upstreams, made at the first upstream WebSocket. */
  private UpstreamWebSocket webSockets() {
    synchronized (bindLock) {
      UpstreamWebSocket w = webSockets;
      if (w == null) {
        w = new UpstreamWebSocket(upstreamTimeout.toMillis());
        addManaged(w);
        webSockets = w;
      }
      return w;
    }
  }

  /**
   * For an in-process WebSocket endpoint behind this handler, called while its upgrade is
   * negotiated (a Jetty {@code WebSocketCreator} gets the request): when the grace period of its
   * workspace ends after a switch (see {@link dev.switchover.LongLivedConnection}), the router runs
   * {@code closer}, which closes the WebSocket with 1001 "going away" so that its client
   * reconnects, to the workspace the table routes it to then. An endpoint that does not call this
   * is closed at the same moment by closing its connection, without a close frame. Does nothing
   * for a request that did not come through this handler.
   *
   * <pre>{@code
   * container.addMapping("/chat", (request, response, callback) -> {
   *   ChatEndpoint endpoint = new ChatEndpoint();
   *   SwitchoverHandler.closeOnGraceEnd(request, () -> endpoint.getSession().close(1001, "going away", Callback.NOOP));
   *   return endpoint;
   * });
   * }</pre>
   */
  public static void closeOnGraceEnd(Request request, Runnable closer) {
    requireNonNull(request, "request");
    requireNonNull(closer, "closer");
    LongLivedUpgrades.closer(request, closer);
  }

  private static boolean containsSame(List<Handler> handlers, Handler handler) {
    for (Handler h : handlers) {
      if (h == handler) {
        return true;
      }
    }
    return false;
  }

  /** What a workspace is bound to. */
  private interface Target {
    boolean handle(Request request, Response response, Callback callback) throws Exception;
  }

  private static final class InProcessTarget implements Target {
    final Handler handler;

    InProcessTarget(Handler handler) {
      this.handler = handler;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
      return handler.handle(request, response, callback);
    }

    @Override
    public String toString() {
      return "in-process " + handler;
    }
  }

  private static final class UpstreamTarget implements Target {
    final UpstreamBases bases;
    final Handler proxy;
    final Supplier<UpstreamWebSocket> webSockets;

    UpstreamTarget(UpstreamBases bases, Handler proxy, Supplier<UpstreamWebSocket> webSockets) {
      this.bases = bases;
      this.proxy = proxy;
      this.webSockets = webSockets;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
      Admission admission = callback instanceof AdmissionCallback c ? c.admission() : null;
      UpstreamBase base = bases.next();
      if (LongLivedUpgrades.isWebSocket(request) || LongLivedUpgrades.isWebSocketOverHttp2(request)) {
        if (base.isHttp2()) {
          // Jetty's bridge opens an HTTP/1.1 upgrade; an HTTP/2 upstream is not bridged.
          if (callback instanceof AdmissionCallback c) {
            c.answeredHere();
          }
          response.getHeaders().put(HttpHeader.CONNECTION, "close");
          Response.writeError(request, response, callback, HttpStatus.NOT_IMPLEMENTED_501, WEBSOCKET_TO_HTTP2);
          return true;
        }
        return webSockets.get().bridge(request, response, callback, base, admission);
      }
      return proxy.handle(
          UpstreamProxy.toUpstream(request, base, admission, response instanceof EventStreamResponse e ? e : null),
          response,
          callback);
    }

    @Override
    public String toString() {
      return bases.toString();
    }
  }

  /**
   * Builds a {@link SwitchoverHandler}. Each workspace may be bound once, each setting set once;
   * arguments are checked at once. Not thread-safe.
   */
  public static final class Builder {
    private final Router router;
    private final Map<WorkspaceId, Handler> handlers = new LinkedHashMap<>();
    private final Map<WorkspaceId, UpstreamBases> upstreams = new LinkedHashMap<>();
    private @Nullable Handler unknownHostHandler;
    private @Nullable Duration retryAfter;
    private @Nullable Duration upstreamTimeout;
    private @Nullable SSLContext upstreamTls;
    private boolean dynamic;
    private boolean dynamicSet;
    private @Nullable Boolean decodeEncodedSeparators;
    private @Nullable PreviewTokens previews;
    private @Nullable CanaryKey canaryKey;

    private Builder(Router router) {
      this.router = requireNonNull(router, "router");
    }

    /** Binds a workspace to an in-process handler. */
    public Builder handler(WorkspaceId workspace, Handler handler) {
      checkUnbound(workspace);
      handlers.put(workspace, requireNonNull(handler, "handler"));
      return this;
    }

    /** Binds a workspace, by name, to an in-process handler. */
    public Builder handler(String workspace, Handler handler) {
      return handler(WorkspaceId.of(workspace), handler);
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
      upstreams.put(workspace, bases(baseUris));
      return this;
    }

    /** Binds a workspace, by name, to upstream base URIs; see {@link #upstream(WorkspaceId, List)}. */
    public Builder upstream(String workspace, URI baseUri, URI... more) {
      List<URI> all = new ArrayList<>();
      all.add(baseUri);
      all.addAll(List.of(more));
      return upstream(WorkspaceId.of(workspace), all);
    }

    /** The handler for requests to hosts the table does not know; without one they get 421. */
    public Builder unknownHostHandler(Handler next) {
      if (unknownHostHandler != null) {
        throw new IllegalStateException("unknownHostHandler was already set to " + unknownHostHandler);
      }
      this.unknownHostHandler = requireNonNull(next, "next");
      return this;
    }

    /**
     * The {@code Retry-After} sent with 503 for a workspace bound to nothing, rounded up to whole
     * seconds; 5 seconds by default.
     */
    public Builder retryAfter(Duration delay) {
      this.retryAfter = Answers.checkRetryAfter(requireNonNull(delay, "delay"), retryAfter);
      return this;
    }

    /**
     * How long an upstream may take to accept a connection, and stay silent during an exchange,
     * before the request fails with 504; 30 seconds by default.
     */
    public Builder upstreamTimeout(Duration timeout) {
      this.upstreamTimeout = Answers.checkUpstreamTimeout(requireNonNull(timeout, "timeout"), upstreamTimeout);
      return this;
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

    /**
     * Whether bindings may change while the handler runs ({@link #bind}, {@link #unbind}); false
     * by default. A dynamic handler reports the {@code BLOCKING} invocation type.
     */
    public Builder dynamic(boolean isDynamic) {
      if (dynamicSet) {
        throw new IllegalStateException("dynamic was already set to " + dynamic);
      }
      this.dynamic = isDynamic;
      this.dynamicSet = true;
      return this;
    }

    /**
     * Whether a path's encoded slashes and backslashes ({@code %2F}, {@code %5C}) are decoded into
     * separators, the request routed on that decoded form and the decoded form passed on (to an
     * in-process handler as its path, to an upstream as its target); false by default, and such
     * a path is refused with 400. Jetty itself refuses such paths before any handler runs unless
     * the connector's {@code UriCompliance} allows them: the violations {@code
     * AMBIGUOUS_PATH_SEPARATOR}, {@code AMBIGUOUS_PATH_ENCODING} and {@code
     * SUSPICIOUS_PATH_CHARACTERS}, as the adapter's tests set them.
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
     * by default the {@value CanaryKey#DEFAULT_COOKIE} cookie, which the handler sets (host-only,
     * 30 days) on a request that had none. The key is looked for only in a request whose route splits.
     */
    public Builder canaryKey(CanaryKey key) {
      if (canaryKey != null) {
        throw new IllegalStateException("canaryKey was already set to " + canaryKey);
      }
      this.canaryKey = requireNonNull(key, "key");
      return this;
    }

    /** The handler; later changes to this builder do not affect it. */
    public SwitchoverHandler build() {
      return new SwitchoverHandler(this);
    }

    private void checkUnbound(WorkspaceId workspace) {
      requireNonNull(workspace, "workspace");
      if (handlers.containsKey(workspace) || upstreams.containsKey(workspace)) {
        throw new IllegalStateException("workspace " + workspace + " is already bound");
      }
    }

    static UpstreamBases bases(List<URI> uris) {
      return Http2Upstreams.check(UpstreamBases.of(requireNonNull(uris, "uris"), UpstreamBases.HTTP_1_AND_2));
    }
  }
}
