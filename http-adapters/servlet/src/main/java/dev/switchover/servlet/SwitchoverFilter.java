package dev.switchover.servlet;

import static java.util.Objects.requireNonNull;

import dev.switchover.Admission;
import dev.switchover.Resolution;
import dev.switchover.Router;
import dev.switchover.WorkspaceId;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * A Jakarta Servlet 6 filter that routes every request through a Switchover {@link Router} to
 * the workspace that serves it: a servlet of this application (in process), or upstream servers.
 *
 * <p>Each request is resolved once, with the host the container parsed from the request's
 * authority ({@link ServletRequest#getServerName}) and the container's decoded, normalized path
 * within the application: {@link HttpServletRequest#getServletPath} followed by {@link
 * HttpServletRequest#getPathInfo}. Servlet 6 requires containers to decode that path, remove its
 * path parameters and dot segments, and refuse the ambiguous ones (encoded dot segments, {@code
 * ..} above the root) with 400; it is the path servlet mappings and security constraints match
 * on, so routing cannot disagree with them. A container that leaves a dot segment in that path
 * (Undertow's servlet container 2.3 does: {@code /public/../admin} reaches filters as is) gets
 * 400 for it rather than a guess, as does a raw path with an empty segment ({@code //admin}). The raw request target is forwarded unchanged.
 *
 * <p>Targets:
 *
 * <ul>
 *   <li>in process: a named servlet of the same application, reached through {@link
 *       ServletContext#getNamedDispatcher} — a forward that keeps the request's paths, and works
 *       alike on every container (cross-context dispatch, which Jetty and Undertow disable by
 *       default, is not needed: give each workspace its own servlet);
 *   <li>upstream: base URIs taken in turn, reached with the JDK's HTTP client, bodies streamed
 *       both ways: with non-blocking servlet I/O in async mode when the request supports async
 *       (the filter and the servlet it maps to are {@code asyncSupported}), otherwise with
 *       blocking I/O on the request thread; see {@code UpstreamForwarder}.
 * </ul>
 *
 * <p>The answers: an unknown host is {@code 421 Misdirected Request}, or passed down the filter
 * chain if so configured; a known host without a route, 404; a workspace bound to nothing, 503
 * with {@code Retry-After}; an upstream that fails, 502, or that times out, 504. A routed request
 * is counted in flight until its response completes: when the forward returns, or, if the
 * workspace's servlet went asynchronous, when the async cycle completes, fails or times out.
 *
 * <p>Configured in code ({@link #builder}) or from {@link FilterConfig} init parameters, when the
 * container creates the filter itself (no-argument constructor):
 *
 * <ul>
 *   <li>{@code router-attribute}: the servlet-context attribute holding the {@link Router}
 *       (default {@value #DEFAULT_ROUTER_ATTRIBUTE});
 *   <li>{@code workspace.<name>.servlet}: the servlet name that serves workspace {@code <name>};
 *   <li>{@code workspace.<name>.upstream}: its upstream base URIs, separated by commas;
 *   <li>{@code unknown-host}: {@code 421} (default) or {@code chain};
 *   <li>{@code retry-after}: seconds (default 5); {@code upstream-timeout}: milliseconds
 *       (default 30000);
 *   <li>{@code upstream-threads}: the bound of each of the filter's two thread pools (default
 *       {@value #DEFAULT_UPSTREAM_THREADS}; see below).
 * </ul>
 *
 * <p>Any other init parameter, or a value out of these rules, fails {@link #init} with a {@link
 * ServletException} that names the parameter, its value and what was expected.
 *
 * <p>Threads, for upstream targets: the bodies of an async exchange stream on the HTTP client's
 * selector thread, with non-blocking servlet I/O. How it awaits the upstream's status and headers
 * depends on the JVM, and is chosen once, when the filter is built:
 *
 * <ul>
 *   <li>where {@code ForkJoinPool.getCommonPoolParallelism()} is 2 or more (three CPUs or more, or
 *       {@code -Djava.util.concurrent.ForkJoinPool.common.parallelism=2} or higher), with the JDK
 *       client's {@code sendAsync}: no thread waits, and an exchange that ends early (the client
 *       went away) cancels the call's future. At most {@link Builder#upstreamThreads} calls are
 *       under way at once, as where threads wait: the rest wait their turn, holding no thread
 *       (the JDK client opens a connection to the upstream for each call under way).
 *       A failure before the answer's head (answered 502 or 504) is completed on the common pool,
 *       so an application that keeps that pool busy delays those answers; answers that arrive do
 *       not go through it;
 *   <li>with fewer (one or two CPUs), on a thread of a pool the filter owns, blocked in the JDK
 *       client's {@code send} until the head is in; an exchange that ends early interrupts it. On
 *       JDK 17 {@code sendAsync} completes its futures through {@code CompletableFuture}'s default
 *       executor, which starts a new thread per task where the common pool has fewer than two
 *       threads: it would start one per request there. Async exchanges also wait this way on
 *       an executor of yours, if you give one ({@link Builder#upstreamExecutor}), on any number of
 *       CPUs.
 * </ul>
 *
 * <p>A blocking exchange (a request whose chain is not {@code asyncSupported}) runs on its request
 * thread, and its HTTP client runs its tasks on a second pool, so that blocking reads of the
 * request body never stop the client's selector. Each pool starts a thread only when none of its
 * threads is idle, at most {@link Builder#upstreamThreads} (default {@value
 * #DEFAULT_UPSTREAM_THREADS}), and ends threads idle for a minute; past the bound, exchanges wait
 * their turn. Both are shut down by {@link #destroy}. No request starts a thread of its own, on
 * any number of CPUs. Because the async exchanges share the client's one selector thread, prefer
 * upstream URIs with IP addresses (or names the JVM resolves from its cache or {@code
 * /etc/hosts}): where the JDK client retries an exchange on a new connection from that thread, it
 * looks the name up there, and a slow DNS answer would hold up the other exchanges; with {@code
 * sendAsync} a new connection's name may also be looked up on the container's request thread.
 *
 * <p>The filter and the workspaces' servlets must be {@code asyncSupported} if those servlets go
 * asynchronous. Thread-safe once initialized.
 *
 * <pre>{@code
 * SwitchoverFilter filter = SwitchoverFilter.builder(router)
 *     .servlet("blue", "blue-app")                                // in process
 *     .upstream("green", URI.create("http://10.0.0.7:8080"))     // behind a proxy
 *     .build();
 * context.addFilter("switchover", filter).addMappingForUrlPatterns(null, false, "/*");
 * }</pre>
 */
public final class SwitchoverFilter implements Filter {
  /** The default servlet-context attribute name under which the router is found. */
  public static final String DEFAULT_ROUTER_ATTRIBUTE = "dev.switchover.Router";

  /** The default bound of each of the filter's thread pools; see {@link Builder#upstreamThreads}. */
  public static final int DEFAULT_UPSTREAM_THREADS = 256;

  private static final int MISDIRECTED_REQUEST = 421;
  private static final String ROUTER_ATTRIBUTE = "router-attribute";
  private static final String UNKNOWN_HOST = "unknown-host";
  private static final String RETRY_AFTER = "retry-after";
  private static final String UPSTREAM_TIMEOUT = "upstream-timeout";
  private static final String UPSTREAM_THREADS = "upstream-threads";
  private static final String WORKSPACE = "workspace.";
  private static final String PARAMETERS =
      "router-attribute, workspace.<name>.servlet, workspace.<name>.upstream, unknown-host,"
          + " retry-after, upstream-timeout and upstream-threads";

  private volatile @Nullable Config config;

  /** For containers that create the filter and configure it from init parameters. */
  public SwitchoverFilter() {}

  private SwitchoverFilter(Config config) {
    this.config = config;
  }

  /** For tests: the forwarder of a filter that has its configuration. */
  UpstreamForwarder forwarder() {
    Config c = config;
    if (c == null) {
      throw new IllegalStateException("the filter has no configuration yet");
    }
    return c.forwarder;
  }

  /** A builder for a filter in front of {@code router}. */
  public static Builder builder(Router router) {
    return new Builder(router);
  }

  @Override
  public void init(FilterConfig filterConfig) throws ServletException {
    if (config != null) {
      return; // built in code
    }
    try {
      config = fromInitParameters(filterConfig);
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new ServletException("SwitchoverFilter " + filterConfig.getFilterName() + ": " + e.getMessage(), e);
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
          if (threads < 1 || threads > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("expected a number of threads from 1 to " + Integer.MAX_VALUE);
          }
          b.upstreamThreads((int) threads);
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
    if (!(req instanceof HttpServletRequest request) || !(res instanceof HttpServletResponse response)) {
      chain.doFilter(req, res);
      return;
    }
    String host = request.getServerName();
    String path = "CONNECT".equals(request.getMethod()) ? "*" : pathOf(request);
    if (hasDotSegment(path) || hasEmptySegment(request.getRequestURI())) {
      response.sendError(HttpServletResponse.SC_BAD_REQUEST);
      return;
    }
    Admission admission = c.router.admit(host == null ? "" : host, path);
    Resolution.Outcome outcome = admission.resolution().outcome();
    if (outcome == Resolution.Outcome.UNKNOWN_HOST) {
      if (c.unknownHostToChain) {
        chain.doFilter(request, response);
      } else {
        response.sendError(MISDIRECTED_REQUEST);
      }
      return;
    }
    if (outcome == Resolution.Outcome.NO_ROUTE) {
      response.sendError(HttpServletResponse.SC_NOT_FOUND);
      return;
    }
    boolean closeNow = true;
    try {
      Target target = c.targets.get(admission.workspace());
      if (target == null) {
        response.setHeader("Retry-After", c.retryAfterSeconds);
        response.sendError(HttpServletResponse.SC_SERVICE_UNAVAILABLE);
      } else if (target.servletName != null) {
        RequestDispatcher dispatcher = request.getServletContext().getNamedDispatcher(target.servletName);
        if (dispatcher == null) {
          throw new ServletException("no servlet named " + target.servletName + " for workspace " + admission.workspace());
        }
        dispatcher.forward(request, response);
        if (request.isAsyncStarted()) {
          // complete() cannot take effect before this dispatch returns: the listener hears it.
          request.getAsyncContext().addListener(new Closing(admission));
          closeNow = false;
        }
      } else if (request.isAsyncSupported()) {
        closeNow = false; // the async exchange owns the admission now, also if it throws
        c.forwarder.forwardAsync(request, response, target.nextBase(), admission);
      } else {
        c.forwarder.forward(request, response, target.nextBase());
      }
    } finally {
      if (closeNow) {
        admission.close();
      }
    }
  }

  /** The container's decoded, normalized path within the application. */
  private static String pathOf(HttpServletRequest request) {
    String servletPath = request.getServletPath();
    String pathInfo = request.getPathInfo();
    String path = (servletPath == null ? "" : servletPath) + (pathInfo == null ? "" : pathInfo);
    return path.isEmpty() ? "/" : path;
  }

  /**
   * Whether a segment of the path is {@code .} or {@code ..}, with or without parameters: the
   * container left it unnormalized (Undertow's servlet container does), so the path may not be
   * what the container's own mappings and constraints read.
   */
  static boolean hasDotSegment(String path) {
    int start = 0;
    int length = path.length();
    while (start <= length) {
      int end = path.indexOf('/', start);
      if (end < 0) {
        end = length;
      }
      int semicolon = path.indexOf(';', start);
      int segmentEnd = semicolon >= 0 && semicolon < end ? semicolon : end;
      int n = segmentEnd - start;
      if ((n == 1 || n == 2) && path.charAt(start) == '.' && path.charAt(segmentEnd - 1) == '.') {
        return true;
      }
      start = end + 1;
    }
    return false;
  }

  /**
   * Whether the raw path has an empty segment before its last ({@code //admin}): containers and
   * upstreams disagree on whether {@code //} is one separator or two (Jetty refuses it, Undertow
   * merges it for its mappings but forwards it as is), so it is refused everywhere.
   */
  static boolean hasEmptySegment(String rawUri) {
    int from = 0;
    int scheme = rawUri.indexOf("://");
    if (scheme > 0 && rawUri.indexOf('/') > scheme) {
      int path = rawUri.indexOf('/', scheme + 3); // absolute form: skip the authority
      from = path < 0 ? rawUri.length() : path;
    }
    return rawUri.indexOf("//", from) >= 0;
  }

  /** Shuts down the filter's thread pools (not an executor given to {@link Builder#upstreamExecutor}). */
  @Override
  public void destroy() {
    Config c = config;
    if (c != null) {
      c.forwarder.close();
    }
  }

  @Override
  public String toString() {
    Config c = config;
    return "SwitchoverFilter{" + (c == null ? "not initialized" : c.targets) + "}";
  }

  private static final class Closing implements AsyncListener {
    private final Admission admission;

    Closing(Admission admission) {
      this.admission = admission;
    }

    @Override
    public void onComplete(AsyncEvent event) {
      admission.close();
    }

    @Override
    public void onTimeout(AsyncEvent event) {
      admission.close();
    }

    @Override
    public void onError(AsyncEvent event) {
      admission.close();
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
    final List<URI> bases;
    final AtomicInteger turn = new AtomicInteger();

    Target(@Nullable String servletName, List<URI> bases) {
      this.servletName = servletName;
      this.bases = List.copyOf(bases);
    }

    URI nextBase() {
      return bases.size() == 1 ? bases.get(0) : bases.get(Math.floorMod(turn.getAndIncrement(), bases.size()));
    }

    @Override
    public String toString() {
      return servletName != null ? "servlet " + servletName : "upstream " + bases;
    }
  }

  private static final class Config {
    final Router router;
    final Map<WorkspaceId, Target> targets;
    final boolean unknownHostToChain;
    final String retryAfterSeconds;
    final UpstreamForwarder forwarder;

    Config(Builder b) {
      this.router = b.router;
      this.targets = Map.copyOf(b.targets);
      this.unknownHostToChain = b.unknownHostToChain;
      Duration d = b.retryAfter == null ? Duration.ofSeconds(5) : b.retryAfter;
      this.retryAfterSeconds = Long.toString(d.getNano() > 0 ? d.getSeconds() + 1 : d.getSeconds());
      this.forwarder =
          new UpstreamForwarder(
              b.upstreamTimeout == null ? Duration.ofSeconds(30) : b.upstreamTimeout,
              b.upstreamThreads == 0 ? DEFAULT_UPSTREAM_THREADS : b.upstreamThreads,
              b.upstreamExecutor,
              b.asyncSend);
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
    private @Nullable Executor upstreamExecutor;
    private UpstreamForwarder.@Nullable AsyncSend asyncSend;

    private Builder(Router router) {
      this.router = requireNonNull(router, "router");
    }

    /** Binds a workspace to the servlet of this name in the filter's application. */
    public Builder servlet(WorkspaceId workspace, String servletName) {
      checkUnbound(workspace);
      if (requireNonNull(servletName, "servletName").isBlank()) {
        throw new IllegalArgumentException("a servlet name must not be blank");
      }
      targets.put(workspace, new Target(servletName, List.of()));
      return this;
    }

    /** Binds a workspace, by name, to a servlet of the application. */
    public Builder servlet(String workspace, String servletName) {
      return servlet(WorkspaceId.of(workspace), servletName);
    }

    /**
     * Binds a workspace to one or more upstream base URIs, taken in turn.
     *
     * @throws IllegalArgumentException if the list is empty, or a URI is not an absolute {@code
     *     http} or {@code https} URI with a host and without user info, query or fragment
     */
    public Builder upstream(WorkspaceId workspace, List<URI> baseUris) {
      checkUnbound(workspace);
      requireNonNull(baseUris, "baseUris");
      if (baseUris.isEmpty()) {
        throw new IllegalArgumentException("an upstream binding needs at least one base URI");
      }
      for (URI uri : baseUris) {
        checkBase(requireNonNull(uri, "base URI"));
      }
      targets.put(workspace, new Target(null, baseUris));
      return this;
    }

    /** Binds a workspace, by name, to upstream base URIs; see {@link #upstream(WorkspaceId, List)}. */
    public Builder upstream(String workspace, URI baseUri, URI... more) {
      List<URI> all = new ArrayList<>();
      all.add(baseUri);
      all.addAll(List.of(more));
      return upstream(WorkspaceId.of(workspace), all);
    }

    /** Requests to hosts the table does not know continue down the filter chain instead of 421. */
    public Builder unknownHostToChain() {
      this.unknownHostToChain = true;
      return this;
    }

    /** The {@code Retry-After} sent with 503, rounded up to whole seconds; 5 seconds by default. */
    public Builder retryAfter(Duration delay) {
      requireNonNull(delay, "delay");
      if (retryAfter != null) {
        throw new IllegalStateException("retryAfter was already set to " + retryAfter);
      }
      if (delay.isNegative()) {
        throw new IllegalArgumentException("retryAfter must not be negative, but was " + delay);
      }
      this.retryAfter = delay;
      return this;
    }

    /**
     * How long an upstream may take to accept the connection, and to answer with its headers,
     * before the request fails with 504; 30 seconds by default.
     */
    public Builder upstreamTimeout(Duration timeout) {
      requireNonNull(timeout, "timeout");
      if (upstreamTimeout != null) {
        throw new IllegalStateException("upstreamTimeout was already set to " + upstreamTimeout);
      }
      if (timeout.toMillis() <= 0) {
        throw new IllegalArgumentException("upstreamTimeout must be at least one millisecond, but was " + timeout);
      }
      this.upstreamTimeout = timeout;
      return this;
    }

    /**
     * The most threads in each of the filter's two pools: the one its HTTP client runs on, and the
     * one async exchanges wait on for the upstream's status and headers where they wait (see
     * {@link SwitchoverFilter}; unless {@link #upstreamExecutor} replaces it); {@value
     * SwitchoverFilter#DEFAULT_UPSTREAM_THREADS} by default. A pool starts a thread only when none
     * of its threads is idle, so it holds about as many as the most exchanges waiting at once, and
     * ends threads idle for a minute; past the bound, exchanges wait for a thread in turn. Where
     * async exchanges use {@code sendAsync}, no thread waits for them, and this bounds how many of
     * their calls are under way at once; the rest wait their turn without a thread.
     *
     * @throws IllegalArgumentException if {@code max} is less than 1
     */
    public Builder upstreamThreads(int max) {
      if (upstreamThreads != 0) {
        throw new IllegalStateException("upstreamThreads was already set to " + upstreamThreads);
      }
      if (max < 1) {
        throw new IllegalArgumentException("upstreamThreads must be at least 1, but was " + max);
      }
      this.upstreamThreads = max;
      return this;
    }

    /**
     * Async exchanges wait for the upstream's status and headers on threads of {@code executor}
     * instead of a pool of the filter's: each holds one of its threads from sending the request
     * until those are in, so the executor bounds how many upstreams can be awaited at once. They
     * then wait so on any number of CPUs, also where the filter would otherwise await them without
     * a thread (see {@link SwitchoverFilter}). It must run tasks on threads of its own, not on the
     * caller's (the container's request thread, which must return for the request body to be
     * read), and is not shut down by the filter.
     */
    public Builder upstreamExecutor(Executor executor) {
      requireNonNull(executor, "executor");
      if (upstreamExecutor != null) {
        throw new IllegalStateException("upstreamExecutor was already set to " + upstreamExecutor);
      }
      this.upstreamExecutor = executor;
      return this;
    }

    /** For tests: how async exchanges await the upstream, whatever the JVM (see {@link SwitchoverFilter}). */
    Builder asyncSend(UpstreamForwarder.AsyncSend mode) {
      requireNonNull(mode, "mode");
      if (asyncSend != null) {
        throw new IllegalStateException("asyncSend was already set to " + asyncSend);
      }
      this.asyncSend = mode;
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

    private static void checkBase(URI uri) {
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("http") && !scheme.equals("https")) {
        throw invalid(uri, "the scheme must be http or https");
      }
      if (uri.getHost() == null || uri.getHost().isEmpty()) {
        throw invalid(uri, "it needs a host");
      }
      if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
        throw invalid(uri, "it must not have user info, a query or a fragment");
      }
    }

    private static IllegalArgumentException invalid(URI uri, String rule) {
      return new IllegalArgumentException("upstream base URI " + uri + " is not valid: " + rule);
    }
  }
}
