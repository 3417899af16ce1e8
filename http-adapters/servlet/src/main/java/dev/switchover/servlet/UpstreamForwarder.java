package dev.switchover.servlet;

import static java.util.Objects.requireNonNull;

import dev.switchover.Admission;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards one request to an upstream with the JDK's {@link HttpClient}, streaming the request
 * body from the servlet input stream and the response body to the servlet output stream (neither
 * is ever held whole in memory): without blocking, in the request's async mode, where the
 * container supports it for the request ({@link #forwardAsync}); otherwise on the container's
 * request thread with blocking I/O ({@link #forward}).
 *
 * <p>The upstream receives the raw path and query unchanged (after the base's path), the
 * end-to-end headers (hop-by-hop ones, and those named by {@code Connection}, are dropped both
 * ways), {@code Forwarded} with this hop appended, and {@code X-Forwarded-For/-Proto/-Host}. The
 * client's {@code Host} is sent only where the JDK allows it (system property {@code
 * jdk.httpclient.allowRestrictedHeaders=host}); otherwise the upstream sees its own address, and
 * the client's host in {@code X-Forwarded-Host} and {@code Forwarded}.
 *
 * <p>An upstream that refuses the connection or fails before answering: 502; one that does not
 * connect or answer within the timeout: 504.
 *
 * <p>Threads. Two clients, each made on first use: async exchanges go through a client whose tasks
 * run on the thread that hands them over, most often the client's own selector thread, because
 * everything those exchanges do there is non-blocking (the bodies are read and written with the
 * servlet's {@code ReadListener} and {@code WriteListener}); blocking exchanges go through a
 * client that runs its tasks on a pool the forwarder owns ({@link OnDemandThreadPool}), since
 * reading a request body with blocking I/O must not stop the selector. Handing every task of an
 * async exchange to a pool instead would make each exchange hop between threads several more
 * times, a wake-up and a context switch each (measured in {@code benchmarks/http/RESULTS.md}). A
 * blocking exchange holds its request thread throughout.
 *
 * <p>How an async exchange awaits the upstream's status and headers ({@link AsyncSend}), chosen
 * once per forwarder:
 *
 * <ul>
 *   <li>{@link AsyncSend#SEND_ASYNC}, where {@link ForkJoinPool#getCommonPoolParallelism()} is 2 or
 *       more (three CPUs or more, or {@code -Djava.util.concurrent.ForkJoinPool.common.parallelism=2}):
 *       {@code HttpClient.sendAsync}, and no thread waits at all; the exchange is abandoned by
 *       cancelling its future, and {@link SendLimit} keeps the bound the waiting threads' pool
 *       sets otherwise. It proxies more requests a second than the waiting thread (measured in
 *       {@code benchmarks/http/RESULTS.md}).
 *   <li>{@link AsyncSend#WAITING_THREAD}, where the common pool has fewer than two threads (one or
 *       two CPUs), or where async exchanges were given an executor of the application's to wait
 *       on: {@code HttpClient.send} on a thread of {@code waits} (see {@link
 *       AsyncUpstreamExchange#sendOn}), which waits only until the upstream's head is in; the
 *       exchange is abandoned by interrupting it.
 * </ul>
 *
 * <p>Why not {@code sendAsync} everywhere: on JDK 17, {@code HttpClientImpl.sendAsync} completes
 * the future it returns with {@code whenCompleteAsync(..., ASYNC_POOL)}, where {@code ASYNC_POOL}
 * is {@code CompletableFuture}'s default executor; that is the common pool only where {@code
 * ForkJoinPool.getCommonPoolParallelism() > 1} ({@code CompletableFuture.USE_COMMON_POOL}),
 * otherwise a {@code ThreadPerTaskExecutor} that starts a new thread for every task: one per
 * request. {@code send} completes without it. Both modes start no thread per request.
 */
final class UpstreamForwarder {
  private static final Logger log = LoggerFactory.getLogger(UpstreamForwarder.class);
  private static final Set<String> HOP_BY_HOP =
      Set.of(
          "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection",
          "te", "trailer", "transfer-encoding", "upgrade");
  /** Headers the JDK client refuses or sets itself. */
  private static final Set<String> CLIENT_SETS = Set.of("content-length", "expect", "host");

  private static final boolean HOST_ALLOWED = hostAllowed();

  private static final AtomicInteger FORWARDERS = new AtomicInteger();

  private final Duration timeout;
  /**
   * Runs the blocking client's tasks; the JDK's default would be an unbounded pool nobody shuts
   * down.
   */
  private final ExecutorService clientThreads;
  /** For blocking exchanges: tasks on {@link #clientThreads}. */
  private final LazyClient blockingClient;
  /** For async exchanges: tasks on the thread that hands them over. */
  private final LazyClient asyncClient;
  /**
   * Where async exchanges wait for the upstream's answer ({@link AsyncSend#WAITING_THREAD}); null
   * where they use {@code sendAsync} and nothing waits.
   */
  private final @Nullable Executor waits;
  /**
   * How many async exchanges may await their upstream's head at once where none waits on a
   * thread ({@link AsyncSend#SEND_ASYNC}): the bound {@link #waits}' pool sets otherwise; null
   * where they wait on threads.
   */
  private final @Nullable SendLimit sends;
  /** {@link #waits}, if the forwarder made it and so shuts it down. */
  private final @Nullable ExecutorService ownWaits;

  /** How async exchanges send the upstream request and await its status and headers. */
  enum AsyncSend {
    /** {@code HttpClient.sendAsync}: no thread waits; cancelling the future abandons the call. */
    SEND_ASYNC,
    /**
     * {@code HttpClient.send} on a thread that waits for the answer's head; interrupting it
     * abandons the call.
     */
    WAITING_THREAD;

    /**
     * {@link #SEND_ASYNC} where {@code sendAsync} completes its futures on the common pool, which
     * on JDK 17 is where the pool's parallelism is above 1; otherwise {@link #WAITING_THREAD}.
     */
    static AsyncSend forCommonPool(int parallelism) {
      return parallelism > 1 ? SEND_ASYNC : WAITING_THREAD;
    }
  }

  /**
   * A forwarder whose blocking client runs on a pool of at most {@code maxThreads}, and whose async
   * exchanges, if they wait (see {@link AsyncSend}), wait on {@code waits} or, if that is null, on
   * a second such pool of its own. An executor given for {@code waits} keeps them waiting on it
   * (it was given to bound how many upstreams are awaited at once), unless {@code forced} says
   * otherwise; {@code forced}, if not null, is the mode to use (for tests).
   */
  UpstreamForwarder(
      Duration timeout, int maxThreads, @Nullable Executor waits, @Nullable AsyncSend forced) {
    this.timeout = timeout;
    String name = "switchover-upstream-" + FORWARDERS.incrementAndGet();
    this.clientThreads = new OnDemandThreadPool(name + "-client", maxThreads);
    AsyncSend mode =
        forced != null
            ? forced
            : waits != null
                ? AsyncSend.WAITING_THREAD
                : AsyncSend.forCommonPool(ForkJoinPool.getCommonPoolParallelism());
    if (mode == AsyncSend.SEND_ASYNC) {
      this.ownWaits = null;
      this.waits = null;
      // A permit given back passes to the next call on the common pool, which has two threads or
      // more wherever this mode is chosen by itself.
      this.sends = new SendLimit(maxThreads, ForkJoinPool.commonPool());
    } else if (waits == null) {
      ExecutorService own = new OnDemandThreadPool(name + "-wait", maxThreads);
      this.ownWaits = own;
      this.waits = own;
      this.sends = null;
    } else {
      this.ownWaits = null;
      this.waits = waits;
      this.sends = null;
    }
    this.blockingClient = new LazyClient(timeout, clientThreads);
    this.asyncClient = new LazyClient(timeout, Runnable::run);
    log.debug("{}: async exchanges use {}", name, mode);
  }

  /** The bound on calls under way where async exchanges use {@code sendAsync}; null otherwise. */
  @Nullable SendLimit sendLimit() {
    return sends;
  }

  /** How this forwarder's async exchanges await the upstream's answer. */
  AsyncSend asyncSend() {
    return waits == null ? AsyncSend.SEND_ASYNC : AsyncSend.WAITING_THREAD;
  }

  /** An HTTP client made on first use (each starts a selector thread), with the given executor. */
  private static final class LazyClient {
    private final Duration connectTimeout;
    private final Executor executor;
    private volatile @Nullable HttpClient client;

    LazyClient(Duration connectTimeout, Executor executor) {
      this.connectTimeout = connectTimeout;
      this.executor = executor;
    }

    HttpClient get() {
      HttpClient c = client;
      if (c == null) {
        synchronized (this) {
          c = client;
          if (c == null) {
            c =
                HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(connectTimeout)
                    .followRedirects(HttpClient.Redirect.NEVER)
                    .executor(executor)
                    .build();
            client = c;
          }
        }
      }
      return c;
    }
  }

  /**
   * Shuts down the pools this forwarder made: exchanges under way may fail, new ones are refused.
   * The JDK 17 client itself has no way to be closed: its selector thread and idle connections
   * go when it is garbage.
   */
  void close() {
    clientThreads.shutdown();
    if (ownWaits != null) {
      ownWaits.shutdown();
    }
  }

  private static boolean hostAllowed() {
    String allowed = System.getProperty("jdk.httpclient.allowRestrictedHeaders", "");
    for (String h : allowed.split(",", -1)) {
      if (h.trim().equalsIgnoreCase("host")) {
        return true;
      }
    }
    return false;
  }

  /**
   * Forwards the request to {@code base} and writes the upstream's answer (or 502/504), blocking
   * the calling thread until the answer is written.
   */
  void forward(HttpServletRequest request, HttpServletResponse response, URI base)
      throws IOException {
    HttpRequest upstreamRequest = upstreamRequest(request, base, null);
    HttpResponse<InputStream> answer;
    try {
      answer = blockingClient.get().send(upstreamRequest, HttpResponse.BodyHandlers.ofInputStream());
    } catch (HttpTimeoutException e) {
      log.debug("upstream {} timed out", base, e);
      fail(response, HttpServletResponse.SC_GATEWAY_TIMEOUT);
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      fail(response, HttpServletResponse.SC_BAD_GATEWAY);
      return;
    } catch (IOException e) {
      log.debug("upstream {} failed", base, e);
      fail(response, HttpServletResponse.SC_BAD_GATEWAY);
      return;
    }
    try (InputStream body = answer.body()) {
      head(response, answer.statusCode(), answer.headers());
      OutputStream out = response.getOutputStream();
      body.transferTo(out);
      out.flush();
    }
  }

  /**
   * Forwards the request to {@code base} in the request's async mode, reading and writing the
   * bodies without blocking (see {@link AsyncUpstreamExchange}), and returns at once. Takes over
   * {@code admission}: it is closed when the async cycle ends, or before this method throws.
   */
  void forwardAsync(
      HttpServletRequest request, HttpServletResponse response, URI base, Admission admission)
      throws IOException {
    AsyncUpstreamExchange exchange = AsyncUpstreamExchange.start(request, response, admission, base.toString());
    HttpRequest upstreamRequest;
    ServletOutputStream out;
    try {
      upstreamRequest = upstreamRequest(request, base, exchange);
      out = response.getOutputStream();
    } catch (IOException | RuntimeException e) {
      exchange.upstreamFailed(e);
      return;
    }
    // The handler runs on the client's selector thread (or this one) when the upstream's head is
    // in; the call's future completes, or send returns, right after it, and the body streams on.
    HttpClient client = asyncClient.get();
    HttpResponse.BodyHandler<Void> answer =
        info -> exchange.answer(out, () -> head(response, info.statusCode(), info.headers()));
    SendLimit limit = sends;
    if (limit != null) {
      limit.submit(
          () -> exchange.sendAsync(() -> client.sendAsync(upstreamRequest, answer), limit::release));
    } else {
      exchange.sendOn(requireNonNull(waits, "waits"), () -> client.send(upstreamRequest, answer));
    }
  }

  /** The upstream's status and end-to-end headers onto the response. */
  private static void head(HttpServletResponse response, int status, HttpHeaders upstreamHeaders) {
    response.setStatus(status);
    Map<String, List<String>> headers = upstreamHeaders.map();
    Set<String> dropped = connectionTokens(headers.getOrDefault("connection", List.of()));
    for (Map.Entry<String, List<String>> h : headers.entrySet()) {
      String name = h.getKey().toLowerCase(Locale.ROOT);
      if (HOP_BY_HOP.contains(name) || dropped.contains(name) || name.startsWith(":")) {
        continue;
      }
      for (String value : h.getValue()) {
        response.addHeader(h.getKey(), value);
      }
    }
  }

  /** The upstream request; its body read without blocking through {@code async}, if given. */
  private HttpRequest upstreamRequest(
      HttpServletRequest request, URI base, @Nullable AsyncUpstreamExchange async) throws IOException {
    String basePath = base.getRawPath() == null ? "" : base.getRawPath();
    while (basePath.endsWith("/")) {
      basePath = basePath.substring(0, basePath.length() - 1);
    }
    String query = request.getQueryString();
    URI uri =
        URI.create(
            base.getScheme() + "://" + base.getRawAuthority() + basePath + request.getRequestURI()
                + (query == null ? "" : "?" + query));
    long length = request.getContentLengthLong();
    boolean chunked = "chunked".equalsIgnoreCase(request.getHeader("Transfer-Encoding"));
    HttpRequest.BodyPublisher body;
    if (length == 0 || (length < 0 && !chunked)) {
      body = HttpRequest.BodyPublishers.noBody();
    } else {
      HttpRequest.BodyPublisher stream =
          async != null
              ? HttpRequest.BodyPublishers.fromPublisher(async.requestBody(request.getInputStream()))
              : HttpRequest.BodyPublishers.ofInputStream(() -> inputStream(request));
      body = length > 0 ? HttpRequest.BodyPublishers.fromPublisher(stream, length) : stream;
    }
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout).method(request.getMethod(), body);
    Set<String> dropped = connectionTokens(Collections.list(request.getHeaders("Connection")));
    for (String name : Collections.list(request.getHeaderNames())) {
      String lower = name.toLowerCase(Locale.ROOT);
      if (HOP_BY_HOP.contains(lower) || dropped.contains(lower) || CLIENT_SETS.contains(lower)
          || lower.equals("forwarded") || lower.startsWith("x-forwarded-")) {
        continue;
      }
      for (String value : Collections.list(request.getHeaders(name))) {
        b.header(name, value);
      }
    }
    String host = request.getHeader("Host");
    if (host != null && HOST_ALLOWED) {
      b.header("Host", host);
    }
    String remote = request.getRemoteAddr();
    String proto = request.getScheme().toLowerCase(Locale.ROOT);
    b.header("Forwarded", forwarded(request.getHeader("Forwarded"), remote, host, proto));
    String xff = request.getHeader("X-Forwarded-For");
    b.header("X-Forwarded-For", xff == null || xff.isBlank() ? remote : xff + ", " + remote);
    b.header("X-Forwarded-Proto", proto);
    if (host != null) {
      b.header("X-Forwarded-Host", host);
    }
    return b.build();
  }

  private static InputStream inputStream(HttpServletRequest request) {
    try {
      return request.getInputStream();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static String forwarded(
      @Nullable String previous, String remote, @Nullable String host, String proto) {
    StringBuilder hop = new StringBuilder(64);
    if (previous != null && !previous.isBlank()) {
      hop.append(previous).append(", ");
    }
    hop.append("for=");
    if (remote.indexOf(':') >= 0) {
      hop.append("\"[").append(remote).append("]\"");
    } else {
      hop.append(remote);
    }
    if (host != null && !host.isEmpty()) {
      hop.append(";host=");
      quoted(hop, host);
    }
    return hop.append(";proto=").append(proto).toString();
  }

  private static void quoted(StringBuilder out, String value) {
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

  private static Set<String> connectionTokens(List<String> values) {
    Set<String> tokens = new HashSet<>();
    for (String v : values) {
      for (String token : v.split(",", -1)) {
        String t = token.trim().toLowerCase(Locale.ROOT);
        if (!t.isEmpty()) {
          tokens.add(t);
        }
      }
    }
    return tokens;
  }

  private static void fail(HttpServletResponse response, int status) throws IOException {
    if (!response.isCommitted()) {
      response.reset();
      response.sendError(status);
    }
  }
}
