package dev.switchover.undertow;

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
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.ServerConnection;
import io.undertow.util.AttachmentKey;
import io.undertow.util.StatusCodes;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.spi.WebSocketHttpExchange;
import java.util.concurrent.atomic.AtomicReference;
import org.xnio.IoUtils;
import dev.switchover.LongLivedConnection;
import io.undertow.server.handlers.BlockingHandler;
import io.undertow.util.HeaderMap;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An Undertow handler that routes every request through a Switchover {@link Router} to the
 * workspace that serves it: an in-process {@link HttpHandler}, or upstream servers reached
 * through Undertow's {@code ProxyHandler}.
 *
 * <p>Each request is resolved once, with the host Undertow parsed from the {@code Host} header
 * ({@link HttpServerExchange#getHostName}: no port, IPv6 literals without their brackets, never a
 * split on the last {@code :}) and the canonical path below where this handler is mounted that
 * every Switchover adapter makes from the raw path: decoded, without path parameters, dot
 * segments resolved (Undertow itself keeps them). A path or {@code Host} a workspace could read
 * otherwise than the router is answered 400 (a target over 8 KiB, 414), as in every adapter. An
 * in-process handler reads the canonical path as its relative path; an upstream gets the whole
 * raw target unchanged (or, with {@link Builder#decodeEncodedSeparators}, its decoded form). The
 * table it resolved against stays pinned for the request, which is counted in
 * flight on its workspace until the exchange completes (an exchange-completion listener, which
 * Undertow also runs when the handler throws or the client goes away). The answers:
 *
 * <ul>
 *   <li>a host the table does not know: {@code 421 Misdirected Request}, or the next handler if
 *       one is set ({@link Builder#unknownHostHandler});
 *   <li>a known host without a route for the path (or a request without a path of the host,
 *       such as {@code CONNECT}): 404;
 *   <li>a workspace bound to nothing here: 503 with {@code Retry-After};
 *   <li>an upstream that fails before its response head has arrived: 502 — it refuses the
 *       connection (or no base is left to try), or closes or resets it before or while it reads
 *       the request, or in the middle of its response head; Undertow's proxy itself would answer
 *       503 or 500 there;
 *   <li>an upstream that has not answered within the upstream timeout: 504;
 *   <li>whatever the upstream answers, 500 and 503 included: passed through unchanged. An
 *       upstream that fails after its response head has been passed on cuts the response short:
 *       the client's connection is closed.
 * </ul>
 *
 * <p>A WebSocket (upgraded by an in-process handler, or bridged to an upstream with Undertow's
 * own HTTP client and WebSocket channels) and a server-sent-event stream are long-lived
 * connections of their workspace ({@link dev.switchover.LongLivedConnection}): when the grace
 * after a switch ends, a WebSocket is closed with 1001 (see {@link #closeOnGraceEnd}) and a stream is ended right
 * after a complete event.
 *
 * <p>Upstreams speak HTTP/1.1 ({@code http://}) or HTTP/2: {@code h2c://host:port} in cleartext
 * with prior knowledge, {@code h2://host:port} over TLS with h2 chosen by ALPN (an upstream that
 * does not choose h2 fails the request with 502); a WebSocket upgrade for an HTTP/2 upstream is
 * answered {@code 501 Not Implemented}. {@link Builder#upstreamTls} sets whom TLS upstreams are
 * trusted by.
 *
 * <p>Undertow refuses request bodies above its {@code MAX_ENTITY_SIZE} server option (2 MiB by
 * default) before any handler sees them; raise it for uploads through the proxy.
 *
 * <p>Each upstream workspace has its own {@code ProxyHandler} with a {@code
 * LoadBalancingProxyClient} that takes the base URIs in turn. In-process handlers run on the I/O
 * thread, as Undertow runs any handler, unless bound with {@link Builder#blockingHandler}, which
 * dispatches them to a worker thread in blocking mode. Bindings may change at any time ({@link
 * #bind}, {@link #unbind}); requests read them with one volatile read. Thread-safe.
 *
 * <pre>{@code
 * Router router = Router.create(table);
 * SwitchoverHttpHandler switchover = SwitchoverHttpHandler.builder(router)
 *     .blockingHandler("blue", blueApp)                          // in process
 *     .upstream("green", URI.create("http://10.0.0.7:8080"))     // behind a proxy
 *     .build();
 * Undertow.builder().addHttpListener(8080, "0.0.0.0").setHandler(switchover).build().start();
 * }</pre>
 */
public final class SwitchoverHttpHandler implements HttpHandler, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SwitchoverHttpHandler.class);
  /** Where an upgraded request's endpoint leaves how to close it when its grace ends. */
  private static final AttachmentKey<AtomicReference<@Nullable Runnable>> GRACE_CLOSER =
      AttachmentKey.create(AtomicReference.class);
  private static final int GOING_AWAY = 1001;

  private final Router router;
  private final @Nullable HttpHandler unknownHostHandler;
  private final String retryAfterSeconds;
  private final Duration upstreamTimeout;
  private final int connectionsPerThread;
  private final @Nullable SSLContext upstreamTls;
  private final boolean decodeEncodedSeparators;
  private final @Nullable PreviewTokens previews;
  private final CanaryKey canaryKey;
  /** Asked by the router only for a request whose route splits. */
  private final Router.StickyKeys<HttpServerExchange> stickyKeys = this::stickyKeyOf;
  private final Object bindLock = new Object();
  private volatile Map<WorkspaceId, HttpHandler> targets = Map.of();

  private SwitchoverHttpHandler(Builder b) {
    this.router = b.router;
    this.unknownHostHandler = b.unknownHostHandler;
    this.previews = b.previews;
    this.canaryKey = b.canaryKey == null ? CanaryKey.cookie() : b.canaryKey;
    this.retryAfterSeconds =
        Answers.retryAfter(b.retryAfter == null ? Answers.DEFAULT_RETRY_AFTER : b.retryAfter);
    this.upstreamTimeout =
        b.upstreamTimeout == null ? Answers.DEFAULT_UPSTREAM_TIMEOUT : b.upstreamTimeout;
    this.connectionsPerThread =
        b.connectionsPerThread == 0 ? Builder.DEFAULT_CONNECTIONS_PER_THREAD : b.connectionsPerThread;
    this.upstreamTls = b.upstreamTls;
    this.decodeEncodedSeparators = b.decodeEncodedSeparators != null && b.decodeEncodedSeparators;
    b.handlers.forEach(this::bind);
    b.upstreams.forEach(this::bindBases);
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
   * Binds a workspace to an in-process handler, replacing any earlier binding. Requests already
   * running on a replaced binding complete there.
   */
  public void bind(WorkspaceId workspace, HttpHandler handler) {
    requireNonNull(workspace, "workspace");
    requireNonNull(handler, "handler");
    put(workspace, handler);
  }

  /**
   * Binds a workspace to one or more upstream base URIs ({@code http} for HTTP/1.1, {@code h2c}
   * or {@code h2} for HTTP/2, with an optional base path), taken in turn, replacing any earlier
   * binding. The connections of a replaced upstream binding are closed once idle.
   *
   * @throws IllegalArgumentException if the list is empty or a URI is not a valid base
   */
  public void bind(WorkspaceId workspace, List<URI> baseUris) {
    requireNonNull(workspace, "workspace");
    bindBases(workspace, Builder.bases(baseUris));
  }

  private void bindBases(WorkspaceId workspace, UpstreamBases bases) {
    put(workspace, new UpstreamTarget(bases, upstreamTimeout, connectionsPerThread, upstreamTls));
  }

  /**
   * Removes a workspace's binding: its requests are answered 503 from now on, while those already
   * running complete.
   *
   * @return whether the workspace was bound
   */
  public boolean unbind(WorkspaceId workspace) {
    requireNonNull(workspace, "workspace");
    HttpHandler old;
    synchronized (bindLock) {
      Map<WorkspaceId, HttpHandler> next = new HashMap<>(targets);
      old = next.remove(workspace);
      if (old == null) {
        return false;
      }
      targets = Map.copyOf(next);
    }
    release(old);
    log.info("workspace {} is bound to nothing", workspace);
    return true;
  }

  /** Closes the pooled connections to every upstream; requests may still open new ones. */
  @Override
  public void close() {
    for (HttpHandler target : targets.values()) {
      release(target);
    }
  }

  @Override
  public void handleRequest(HttpServerExchange exchange) throws Exception {
    String rawPath = rawPathOf(exchange);
    // Undertow's request scheme is the connection's, whatever an absolute-form target names.
    String absoluteTarget = exchange.isHostIncludedInRequestURI() ? exchange.getRequestURI() : null;
    if (decodeEncodedSeparators && rawPath != null) {
      String decoded = RequestTargets.separatorsDecoded(rawPath);
      if (!decoded.equals(rawPath)) {
        // Routed on the decoded form: the workspace reads, and an upstream gets, that form too.
        rawPath = decoded;
        exchange.setRequestURI(decoded, false);
      }
    }
    String path = rawPath == null ? null : routedPath(exchange, rawPath);
    int refusal =
        path == null
            ? RequestTargets.refusal(rawPath == null ? "" : rawPath)
            : RequestTargets.hostRefusal(
                hostValues(exchange), absoluteTarget, "https".equals(exchange.getRequestScheme()));
    if (refusal == 0) {
      String query = exchange.getQueryString();
      refusal = RequestTargets.queryRefusal(query.isEmpty() ? null : query, rawPath == null ? 0 : rawPath.length());
    }
    if (refusal == 0) {
      refusal = StrictFraming.refusal(exchange);
    }
    if (refusal != 0 || path == null) {
      StrictFraming.refuse(exchange, refusal);
      return;
    }
    String host;
    try {
      host = exchange.getHostName();
    } catch (RuntimeException malformed) {
      // Undertow's parse of a Host such as "[::1" fails: the request is malformed.
      answer(exchange, RequestTargets.BAD_REQUEST);
      return;
    }
    String h = host == null ? "" : host;
    PreviewTokens p = previews;
    Admission admission;
    if (p == null) {
      admission = router.admit(h, path, null, null, exchange, stickyKeys);
    } else {
      if (path.equals(Previews.ENDPOINT)) {
        previewEndpoint(p, h, exchange);
        return;
      }
      HeaderMap headers = exchange.getRequestHeaders();
      String token = headers.getFirst(Previews.HEADER);
      if (token == null || token.isEmpty()) {
        token = null;
        HeaderValues cookies = headers.get(Headers.COOKIE); // HTTP/2 clients may send one per cookie
        for (int i = 0; cookies != null && i < cookies.size() && token == null; i++) {
          token = Previews.cookieValue(cookies.get(i));
        }
      }
      admission = router.admit(h, path, p, token, exchange, stickyKeys);
    }
    String newKey = admission.newStickyKey();
    if (newKey != null && canaryKey.source() == CanaryKey.Source.COOKIE) {
      // Added as the response commits: a proxied upstream's own headers replace what was set before.
      String setCookie = canaryKey.setCookie(newKey, exchange.isSecure());
      exchange.addResponseCommitListener(ex -> ex.getResponseHeaders().add(Headers.SET_COOKIE, setCookie));
    }
    Resolution.Outcome outcome = admission.resolution().outcome();
    if (outcome != Resolution.Outcome.ROUTED) {
      HttpHandler next = unknownHostHandler;
      if (outcome == Resolution.Outcome.UNKNOWN_HOST && next != null) {
        next.handleRequest(exchange);
      } else {
        answer(exchange, Answers.statusOf(outcome));
      }
      return;
    }
    // Routed: counted in flight until the exchange completes, however it completes; an upgrade
    // (a WebSocket) is counted as long-lived from then on, until its connection closes.
    AtomicReference<@Nullable Runnable> closer = null;
    if (UpstreamWebSocket.isUpgrade(exchange)) {
      closer = new AtomicReference<>();
      exchange.putAttachment(GRACE_CLOSER, closer);
    }
    AtomicReference<@Nullable Runnable> graceCloser = closer;
    exchange.addExchangeCompleteListener(
        (ex, nextListener) -> {
          try {
            if (graceCloser != null && ex.getStatusCode() == StatusCodes.SWITCHING_PROTOCOLS) {
              longLived(ex, admission, graceCloser);
            } else {
              if (ex.getAttachment(UpstreamTarget.ANSWERED_HERE) == null) {
                admission.answered(ex.getStatusCode());
              }
              admission.close();
              EventStreamConduit.ended(ex);
            }
          } finally {
            nextListener.proceed();
          }
        });
    if (EventStreamConduit.accepts(exchange)) {
      EventStreamConduit.watch(exchange, admission); // long-lived if it answers an event stream
    }
    HttpHandler target = targets.get(admission.workspace());
    if (target == null) {
      admission.failed(RequestOutcome.UNAVAILABLE);
      exchange.getResponseHeaders().put(Headers.RETRY_AFTER, retryAfterSeconds);
      answer(exchange, Answers.SERVICE_UNAVAILABLE);
      return;
    }
    if (!(target instanceof UpstreamTarget) && !path.equals(RequestTargets.NO_PATH)) {
      // In process, the workspace reads the path the router routed on; Undertow's own decoded
      // path keeps dot segments. Upstreams get the raw target unchanged.
      exchange.setRelativePath(path);
      exchange.setRequestPath(exchange.getResolvedPath() + path);
    }
    if (target instanceof UpstreamTarget) {
      exchange.putAttachment(UpstreamTarget.ADMISSION, admission);
    }
    target.handleRequest(exchange);
  }

  /**
   * For an in-process WebSocket endpoint behind this handler, called from its {@code
   * WebSocketConnectionCallback}: when the grace period of its workspace ends after a switch (see
   * {@link dev.switchover.LongLivedConnection}), the router closes {@code channel} with 1001 "going
   * away", so that its client reconnects, to the workspace the table routes it to then. An endpoint
   * that does not call this is closed at the same moment by closing its connection, without a
   * close frame. Does nothing for a WebSocket that did not come through this handler.
   *
   * <pre>{@code
   * Handlers.websocket((exchange, channel) -> {
   *   SwitchoverHttpHandler.closeOnGraceEnd(exchange, channel);
   *   channel.getReceiveSetter().set(listener);
   *   channel.resumeReceives();
   * });
   * }</pre>
   */
  public static void closeOnGraceEnd(WebSocketHttpExchange exchange, WebSocketChannel channel) {
    requireNonNull(exchange, "exchange");
    requireNonNull(channel, "channel");
    AtomicReference<@Nullable Runnable> closer = exchange.getAttachment(GRACE_CLOSER);
    if (closer != null) {
      closer.set(() -> UpstreamWebSocket.sendClose(channel, GOING_AWAY, "going away"));
    }
  }

  /** For a bridged upstream WebSocket: both sides hear 1001 "going away" when the grace ends. */
  static void closeOnGraceEnd(WebSocketHttpExchange exchange, WebSocketChannel client, WebSocketChannel upstream) {
    AtomicReference<@Nullable Runnable> closer = exchange.getAttachment(GRACE_CLOSER);
    if (closer != null) {
      closer.set(
          () -> {
            UpstreamWebSocket.sendClose(client, GOING_AWAY, "going away");
            UpstreamWebSocket.sendClose(upstream, GOING_AWAY, "going away");
          });
    }
  }

  /**
   * Turns an upgraded exchange's admission into a long-lived connection that ends when the
   * connection closes; at the grace's end, the endpoint's closer runs, or the connection is closed.
   */
  private static void longLived(
      HttpServerExchange exchange, Admission admission, AtomicReference<@Nullable Runnable> closer) {
    ServerConnection connection = exchange.getConnection();
    LongLivedConnection longLived =
        admission.longLived(
            () -> {
              Runnable endpoints = closer.get();
              if (endpoints != null) {
                connection.getIoThread().execute(endpoints);
                // A client that never answers the close frame (or has vanished) is cut off, so
                // that the workspace still drains.
                connection
                    .getIoThread()
                    .executeAfter(
                        () -> IoUtils.safeClose(connection),
                        EventStreamConduit.END_DEADLINE_MILLIS,
                        TimeUnit.MILLISECONDS);
              } else {
                IoUtils.safeClose(connection);
              }
            });
    connection.addCloseListener(c -> longLived.close());
    if (!connection.isOpen()) {
      longLived.close();
    }
  }

  /**
   * The request target's raw path: Undertow's request URI (still encoded, without the query),
   * without the scheme and authority of an absolute-form target; null if there is none.
   */
  private static @Nullable String rawPathOf(HttpServerExchange exchange) {
    String uri = exchange.getRequestURI();
    if (!exchange.isHostIncludedInRequestURI()) {
      return uri;
    }
    int authority = uri.indexOf("://");
    int slash = authority < 0 ? -1 : uri.indexOf('/', authority + 3);
    return slash < 0 ? "/" : uri.substring(slash);
  }

  /**
   * The canonical path the request is routed on, made by the adapters' shared policy from the raw
   * path below where this handler is mounted; {@link RequestTargets#NO_PATH} for a request that
   * names no path of the host ({@code CONNECT}, {@code OPTIONS *}); null if the policy refuses it.
   */
  private static @Nullable String routedPath(HttpServerExchange exchange, String rawPath) {
    if (Methods.CONNECT.equals(exchange.getRequestMethod()) || rawPath.equals("*")) {
      return RequestTargets.NO_PATH;
    }
    String raw = RequestTargets.below(rawPath, exchange.getResolvedPath());
    return raw == null ? null : RequestTargets.canonicalPath(raw);
  }

  /** The request's sticky key, where {@link Builder#canaryKey} says to find it; null if it has none. */
  private @Nullable String stickyKeyOf(HttpServerExchange exchange) {
    CanaryKey key = canaryKey;
    switch (key.source()) {
      case COOKIE -> {
        HeaderValues cookies = exchange.getRequestHeaders().get(Headers.COOKIE);
        for (int i = 0; cookies != null && i < cookies.size(); i++) {
          String value = Cookies.value(cookies.get(i), key.name());
          if (value != null) {
            return value;
          }
        }
        return null;
      }
      case HEADER -> {
        return exchange.getRequestHeaders().getFirst(key.name());
      }
      case CLIENT_ADDRESS -> {
        InetSocketAddress source = exchange.getSourceAddress();
        return source == null || source.getAddress() == null ? null : CanaryKey.addressKey(source.getAddress());
      }
    }
    return null;
  }

  private static Iterable<String> hostValues(HttpServerExchange exchange) {
    return StrictFraming.values(exchange.getRequestHeaders(), Headers.HOST);
  }

  /** The preview token endpoint: sets or clears the preview cookie. */
  private static void previewEndpoint(PreviewTokens previews, String host, HttpServerExchange exchange) {
    String query = exchange.getQueryString();
    Previews.EndpointAnswer answer =
        Previews.endpoint(
            previews,
            host,
            query == null || query.isEmpty() ? null : query,
            "https".equals(exchange.getRequestScheme()),
            Clock.systemUTC());
    String cookie = answer.setCookie();
    if (cookie != null) {
      exchange.getResponseHeaders().put(Headers.LOCATION, "/");
      exchange.getResponseHeaders().put(Headers.SET_COOKIE, cookie);
      exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
    }
    answer(exchange, answer.status());
  }

  private static void answer(HttpServerExchange exchange, int status) {
    exchange.setStatusCode(status);
    exchange.endExchange();
  }

  private void put(WorkspaceId workspace, HttpHandler target) {
    HttpHandler old;
    synchronized (bindLock) {
      Map<WorkspaceId, HttpHandler> next = new HashMap<>(targets);
      old = next.put(workspace, target);
      targets = Map.copyOf(next);
    }
    if (old != null) {
      release(old);
    }
    log.info("workspace {} is bound to {}", workspace, target);
  }

  private static void release(HttpHandler target) {
    if (target instanceof UpstreamTarget upstream) {
      try {
        upstream.closeConnections();
      } catch (RejectedExecutionException stopped) {
        // The server's I/O threads are stopping, and its connections with them.
        log.debug("upstream connections of {} closed with the server", upstream, stopped);
      }
    }
  }

  @Override
  public String toString() {
    return "SwitchoverHttpHandler{" + targets + "}";
  }

  /**
   * Builds a {@link SwitchoverHttpHandler}. Each workspace may be bound once, each setting set
   * once; arguments are checked at once. Not thread-safe.
   */
  public static final class Builder {
    static final int DEFAULT_CONNECTIONS_PER_THREAD = 64;

    private final Router router;
    private final Map<WorkspaceId, HttpHandler> handlers = new LinkedHashMap<>();
    private final Map<WorkspaceId, UpstreamBases> upstreams = new LinkedHashMap<>();
    private @Nullable HttpHandler unknownHostHandler;
    private @Nullable Duration retryAfter;
    private @Nullable Duration upstreamTimeout;
    private int connectionsPerThread;
    private @Nullable SSLContext upstreamTls;
    private @Nullable Boolean decodeEncodedSeparators;
    private @Nullable PreviewTokens previews;
    private @Nullable CanaryKey canaryKey;

    private Builder(Router router) {
      this.router = requireNonNull(router, "router");
    }

    /**
     * Binds a workspace to an in-process handler, called on Undertow's I/O thread: a handler
     * that blocks must dispatch itself, or be bound with {@link #blockingHandler}.
     */
    public Builder handler(WorkspaceId workspace, HttpHandler handler) {
      checkUnbound(workspace);
      handlers.put(workspace, requireNonNull(handler, "handler"));
      return this;
    }

    /** Binds a workspace, by name, to an in-process handler; see {@link #handler(WorkspaceId, HttpHandler)}. */
    public Builder handler(String workspace, HttpHandler handler) {
      return handler(WorkspaceId.of(workspace), handler);
    }

    /**
     * Binds a workspace to an in-process handler that blocks: it runs on a worker thread with the
     * exchange in blocking mode (Undertow's {@link BlockingHandler}).
     */
    public Builder blockingHandler(WorkspaceId workspace, HttpHandler handler) {
      return handler(workspace, new BlockingHandler(requireNonNull(handler, "handler")));
    }

    /** Binds a workspace, by name, to an in-process handler that blocks. */
    public Builder blockingHandler(String workspace, HttpHandler handler) {
      return blockingHandler(WorkspaceId.of(workspace), handler);
    }

    /**
     * Binds a workspace to one or more upstream base URIs, taken in turn.
     *
     * <p>The scheme says how: {@code http} over HTTP/1.1; {@code h2c} over HTTP/2 in cleartext
     * with prior knowledge ({@code h2c://10.0.0.7:8080}); {@code h2} over HTTP/2 with TLS, h2
     * chosen by ALPN ({@code h2://green.internal}, port 443 by default). {@code https} (HTTP/1.1
     * over TLS) is not taken: bind such an upstream as {@code h2} if it speaks HTTP/2.
     *
     * @throws IllegalArgumentException if the list is empty, or a URI is not an absolute {@code
     *     http}, {@code h2c} or {@code h2} URI with a host and without user info, query or fragment
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
    public Builder unknownHostHandler(HttpHandler next) {
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
     * The TLS context for {@code h2} upstreams: the certificates they are trusted by (a private
     * CA), and a client certificate if they ask for one. By default, the JVM's default context.
     * Host names are verified either way.
     */
    public Builder upstreamTls(SSLContext context) {
      if (upstreamTls != null) {
        throw new IllegalStateException("upstreamTls was already set");
      }
      this.upstreamTls = requireNonNull(context, "context");
      return this;
    }

    /**
     * How long an upstream exchange may take, from the request's arrival at the proxy to the
     * upstream's answer, before the request fails with 504; 30 seconds by default.
     */
    public Builder upstreamTimeout(Duration timeout) {
      this.upstreamTimeout =
          Answers.checkUpstreamTimeout(requireNonNull(timeout, "timeout"), upstreamTimeout);
      return this;
    }

    /**
     * How many connections each I/O thread may hold to each upstream server; 64 by default.
     * Requests beyond them wait for a free connection.
     */
    public Builder connectionsPerThread(int connections) {
      if (connectionsPerThread != 0) {
        throw new IllegalStateException("connectionsPerThread was already set to " + connectionsPerThread);
      }
      if (connections < 1) {
        throw new IllegalArgumentException("connectionsPerThread must be positive, but was " + connections);
      }
      this.connectionsPerThread = connections;
      return this;
    }

    /**
     * Whether a path's encoded slashes and backslashes ({@code %2F}, {@code %5C}) are decoded into
     * separators, the request routed on that decoded form and the decoded form passed on (to an
     * in-process handler as its path, to an upstream as its target); false by default, and such
     * a path is refused with 400.
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
    public SwitchoverHttpHandler build() {
      return new SwitchoverHttpHandler(this);
    }

    private void checkUnbound(WorkspaceId workspace) {
      requireNonNull(workspace, "workspace");
      if (handlers.containsKey(workspace) || upstreams.containsKey(workspace)) {
        throw new IllegalStateException("workspace " + workspace + " is already bound");
      }
    }

    /** Undertow's proxy reaches upstreams over http and HTTP/2 (h2c, h2); https is not set up. */
    static UpstreamBases bases(List<URI> uris) {
      return UpstreamBases.of(
          requireNonNull(uris, "uris"), Set.of("http", UpstreamBase.H2C, UpstreamBase.H2));
    }
  }
}
