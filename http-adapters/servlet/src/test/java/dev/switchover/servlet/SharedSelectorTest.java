package dev.switchover.servlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.switchover.DomainStatus;
import dev.switchover.Router;
import dev.switchover.RoutingTable;
import dev.switchover.WorkspaceId;
import dev.switchover.testkit.Await;
import dev.switchover.testkit.RawConnection;
import dev.switchover.testkit.RawResponse;
import dev.switchover.servlet.UpstreamForwarder.AsyncSend;
import dev.switchover.servlet.UpstreamThreadsTest.Container;
import dev.switchover.testkit.RouterServer;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Async exchanges all run their client tasks on the one selector thread of the filter's HTTP
 * client: nothing one exchange does there may hold up the others. A client that stops reading or
 * sending, an upstream that drips its body a byte at a time or breaks off in the middle of it,
 * must each leave every other exchange free to complete, on both containers, however the
 * exchanges await their upstream's answer.
 */
final class SharedSelectorTest {
  private static final String SHOP = "shop.example.com";
  /** Far more than loopback sockets and the proxy's buffers hold between a stalled client and the upstream. */
  private static final long LARGE = 96L * 1024 * 1024;
  /** Requests that must pass while another exchange is stalled. */
  private static final int OTHERS = 20;

  private final List<AutoCloseable> resources = new ArrayList<>();
  private final ExecutorService clients = Executors.newCachedThreadPool();
  private final Router router =
      Router.create(
          RoutingTable.builder()
              .workspace("blue")
              .workspace("green")
              .domain(SHOP, DomainStatus.VERIFIED)
              .route(SHOP, "/", "blue")
              .build());
  private final Upstream upstream = Upstream.start();

  SharedSelectorTest() {
    resources.add(upstream);
  }

  @AfterEach
  void close() throws Exception {
    clients.shutdownNow();
    for (AutoCloseable r : resources) {
      r.close();
    }
  }

  @ParameterizedTest
  @MethodSource("dev.switchover.servlet.UpstreamThreadsTest#containersAndModes")
  void asyncProxy_oneClientStopsReadingLargeBody_otherExchangesStillComplete(Container container, AsyncSend mode)
      throws Exception {
    int port = start(container, mode, Duration.ofSeconds(30));
    try (Socket stalled = stalledClient(port)) {
      stalled.getOutputStream().write(get("/large?bytes=" + LARGE));
      // The body is under way: past the first buffers, then stuck behind the client that reads none.
      Await.until("the large body to be under way", () -> upstream.sent.get() >= 1024 * 1024, () -> upstream.sent + " bytes sent");

      assertOthersComplete(port);

      assertTrue(upstream.sent.get() < LARGE, "the stalled client held its exchange up throughout");
      assertEquals(LARGE, bodyBytes(stalled.getInputStream()), "the stalled client, reading again, gets the whole body");
    }
    awaitNothingInFlight();
  }

  @ParameterizedTest
  @MethodSource("dev.switchover.servlet.UpstreamThreadsTest#containersAndModes")
  void asyncProxy_oneClientStopsUploading_otherExchangesStillComplete(Container container, AsyncSend mode)
      throws Exception {
    int port = start(container, mode, Duration.ofSeconds(30));
    uploadStallingHalfway(port, "/upload", () -> assertOthersComplete(port));
    awaitNothingInFlight();
  }

  @ParameterizedTest
  @MethodSource("dev.switchover.servlet.UpstreamThreadsTest#containersAndModes")
  void asyncProxy_clientGoesAwayWhileStalled_nothingInFlightAndOthersComplete(Container container, AsyncSend mode)
      throws Exception {
    int port = start(container, mode, Duration.ofSeconds(30));
    Socket stalled = stalledClient(port);
    stalled.getOutputStream().write(get("/large?bytes=" + LARGE));
    Await.until("the large body to be under way", () -> upstream.sent.get() >= 1024 * 1024, () -> upstream.sent + " bytes sent");

    stalled.setSoLinger(true, 0); // a reset: the proxy's next write fails at once
    stalled.close();

    awaitNothingInFlight();
    Await.until("the upstream's exchange to be cut off", () -> upstream.aborted.get() == 1, () -> upstream.aborted + " aborted");
    assertOthersComplete(port);
  }

  /**
   * The drain of a workspace completes when its last request leaves, which here is on the client's
   * selector thread: an application's blocking dependent action (stopping the old workspace) must
   * not run there.
   */
  @ParameterizedTest
  @MethodSource("dev.switchover.servlet.UpstreamThreadsTest#containersAndModes")
  void asyncProxy_drainCallbackThatBlocks_otherExchangesStillComplete(Container container, AsyncSend mode) throws Exception {
    int port = start(container, mode, Duration.ofSeconds(30));
    CountDownLatch callbackMayEnd = new CountDownLatch(1);
    resources.add(0, callbackMayEnd::countDown);
    try (RawConnection held = RawConnection.open(port)) {
      held.send(get("/hold"));
      Await.until("the held request in flight", () -> router.inFlight(WorkspaceId.of("blue")) == 1, () -> "not yet");
      router.promote(SHOP, "green");
      var unused =
          router.awaitDrained(WorkspaceId.of("blue")).thenRun(() -> {
            try {
              callbackMayEnd.await(); // the owner stops blue: slow, blocking work
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
      upstream.release.countDown();
      assertEquals(200, held.read().status());
      assertOthersComplete(port); // to green, through the same filter
    } finally {
      callbackMayEnd.countDown();
    }
  }

  @ParameterizedTest
  @MethodSource("dev.switchover.servlet.UpstreamThreadsTest#containersAndModes")
  void asyncProxy_upstreamBodyOfThousandsOfOneByteChunks_arrivesWhole(Container container, AsyncSend mode)
      throws Exception {
    int port = start(container, mode, Duration.ofSeconds(30));
    int chunks = 20_000;
    try (RawConnection c = RawConnection.open(port)) {
      resources.add(0, c);
      RawResponse r = c.exchange(get("/drip?chunks=" + chunks));
      assertEquals(200, r.status(), r::toString);
      assertEquals(chunks, r.body().length);
      RawResponse next = c.exchange(get("/small"));
      assertEquals(200, next.status(), next::toString);
    }
    awaitNothingInFlight();
  }

  @ParameterizedTest
  @MethodSource("dev.switchover.servlet.UpstreamThreadsTest#containersAndModes")
  void asyncProxy_requestBodyOfThousandsOfTinyChunks_arrivesWhole(Container container, AsyncSend mode)
      throws Exception {
    int port = start(container, mode, Duration.ofSeconds(30));
    int chunks = 5_000;
    try (Socket client = stalledClient(port)) {
      OutputStream out = client.getOutputStream();
      out.write(("POST /upload HTTP/1.1\r\nHost: " + SHOP + "\r\nTransfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      byte[] chunk = "1\r\nx\r\n".getBytes(StandardCharsets.ISO_8859_1);
      for (int i = 0; i < chunks; i++) {
        out.write(chunk); // unbuffered, TCP_NODELAY: one segment each, as far as the kernel allows
      }
      out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      String answer = new String(readResponseBody(client.getInputStream()), StandardCharsets.ISO_8859_1);
      assertEquals("received=" + chunks, answer);
    }
    awaitNothingInFlight();
  }

  @ParameterizedTest
  @MethodSource("dev.switchover.servlet.UpstreamThreadsTest#containersAndModes")
  void asyncProxy_upstreamBreaksOffMidBody_nothingInFlightAndOthersComplete(Container container, AsyncSend mode)
      throws Exception {
    int port = start(container, mode, Duration.ofSeconds(30));
    try (RawConnection c = RawConnection.open(port)) {
      resources.add(0, c);
      c.send(get("/cut?bytes=" + 4 * 1024 * 1024));
      try {
        RawResponse r = c.read();
        throw new AssertionError("a body the upstream broke off arrived whole: " + r);
      } catch (IOException expected) {
        // the short body, then the end of the connection
      }
    }
    awaitNothingInFlight();
    assertOthersComplete(port);
  }

  @ParameterizedTest
  @MethodSource("dev.switchover.servlet.UpstreamThreadsTest#containersAndModes")
  void asyncProxy_upstreamTooSlow_gatewayTimeoutAndOthersComplete(Container container, AsyncSend mode)
      throws Exception {
    int port = start(container, mode, Duration.ofMillis(500));
    try (RawConnection c = RawConnection.open(port)) {
      resources.add(0, c);
      RawResponse r = c.exchange(get("/hold"));
      assertEquals(504, r.status(), r::toString);
    } finally {
      upstream.release.countDown();
    }
    awaitNothingInFlight();
    assertOthersComplete(port);
  }

  /**
   * A request whose chain is not async (here: a servlet without async support on {@code
   * /blocking/*}) reads its body with blocking I/O, on the blocking client's pool: a client that
   * stops uploading there holds up neither the async exchanges nor the other blocking ones.
   */
  @ParameterizedTest
  @EnumSource(AsyncSend.class)
  void blockingProxy_oneClientStopsUploading_asyncAndBlockingExchangesStillComplete(AsyncSend mode)
      throws Exception {
    SwitchoverFilter filter =
        SwitchoverFilter.builder(router).upstream("blue", upstream.baseUri()).asyncSend(mode).build();
    ServletContextHandler context = new ServletContextHandler("/");
    FilterHolder holder = new FilterHolder(filter);
    holder.setAsyncSupported(true);
    context.addFilter(holder, "/*", EnumSet.of(DispatcherType.REQUEST));
    ServletHolder async = new ServletHolder("async", new Fallback());
    async.setAsyncSupported(true);
    context.addServlet(async, "/");
    ServletHolder blocking = new ServletHolder("blocking", new Fallback());
    blocking.setAsyncSupported(false);
    context.addServlet(blocking, "/blocking/*");
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    server.setHandler(context);
    server.start();
    resources.add(0, server::stop);
    int port = connector.getLocalPort();
    uploadStallingHalfway(
        port,
        "/blocking/upload",
        () -> {
          assertOthersComplete(port, "/small");
          assertOthersComplete(port, "/blocking/small");
        });
    awaitNothingInFlight();
  }

  /** {@value #OTHERS} small requests on two connections of their own, all answered in time. */
  private void assertOthersComplete(int port) throws Exception {
    assertOthersComplete(port, "/small");
  }

  /** The same, to {@code target} (which the upstream answers with {@code small}). */
  private void assertOthersComplete(int port, String target) throws Exception {
    List<Future<?>> others = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      others.add(
          clients.submit(
              () -> {
                try (RawConnection c = RawConnection.open(port)) {
                  for (int n = 0; n < OTHERS / 2; n++) {
                    RawResponse r = c.exchange(get(target));
                    assertEquals(200, r.status(), r::toString);
                    assertEquals("small", r.bodyText());
                  }
                }
                return null;
              }));
    }
    Await.until("the other exchanges to complete", () -> others.stream().allMatch(Future::isDone), () -> "they are stuck");
    for (Future<?> f : others) {
      f.get(); // their failures, if any
    }
  }

  private void awaitNothingInFlight() {
    WorkspaceId ws = WorkspaceId.of("blue");
    Await.until("nothing in flight on blue", () -> router.inFlight(ws) == 0, () -> router.inFlight(ws) + " in flight");
  }

  /** Something to check while an upload stalls. */
  private interface Check {
    void run() throws Exception;
  }

  /**
   * Uploads 8 MiB to {@code target}, stopping halfway until {@code whileStalled} has passed (once
   * the upstream has begun to receive the body), then checks that the upstream got it whole.
   */
  private void uploadStallingHalfway(int port, String target, Check whileStalled) throws Exception {
    long length = 8L * 1024 * 1024;
    try (Socket stalled = stalledClient(port)) {
      OutputStream out = stalled.getOutputStream();
      out.write(("POST " + target + " HTTP/1.1\r\nHost: " + SHOP + "\r\nContent-Length: " + length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      byte[] chunk = new byte[64 * 1024];
      long half = length / 2;
      for (long sent = 0; sent < half; sent += chunk.length) {
        out.write(chunk);
      }
      out.flush();
      Await.until("the upload to reach the upstream", () -> upstream.received.get() >= 64 * 1024, () -> upstream.received + " bytes received");

      whileStalled.run();

      for (long sent = half; sent < length; sent += chunk.length) {
        out.write(chunk);
      }
      out.flush();
      String answer = new String(readResponseBody(stalled.getInputStream()), StandardCharsets.ISO_8859_1);
      assertEquals("received=" + length, answer);
    }
  }

  /** A client socket with a small receive buffer, so that a body it does not read backs up fast. */
  private Socket stalledClient(int port) throws IOException {
    Socket s = new Socket();
    resources.add(0, s);
    s.setReceiveBufferSize(8 * 1024);
    s.setTcpNoDelay(true);
    s.setSoTimeout(60_000);
    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 10_000);
    return s;
  }

  private static byte[] get(String target) {
    return ("GET " + target + " HTTP/1.1\r\nHost: " + SHOP + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
  }

  /** Reads a response head with a Content-Length, then counts its body bytes. */
  private static long bodyBytes(InputStream in) throws IOException {
    long length = contentLength(in);
    byte[] buffer = new byte[64 * 1024];
    long read = 0;
    while (read < length) {
      int n = in.read(buffer, 0, (int) Math.min(buffer.length, length - read));
      if (n < 0) {
        break;
      }
      read += n;
    }
    return read;
  }

  private static byte[] readResponseBody(InputStream in) throws IOException {
    return in.readNBytes(Math.toIntExact(contentLength(in)));
  }

  /** Reads a response head and returns its Content-Length; fails on a status other than 200. */
  private static long contentLength(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("the connection ended in the head: " + head);
      }
      head.write(b);
      matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    String text = head.toString(StandardCharsets.ISO_8859_1);
    if (!text.startsWith("HTTP/1.1 200")) {
      throw new IOException("not a 200: " + text);
    }
    for (String line : text.split("\r\n", -1)) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
        return Long.parseLong(line.substring(colon + 1).trim());
      }
    }
    throw new IOException("no Content-Length: " + text);
  }

  /** The container on a free loopback port, the filter proxying blue to {@link #upstream}. */
  private int start(Container container, AsyncSend mode, Duration timeout) throws Exception {
    SwitchoverFilter filter =
        SwitchoverFilter.builder(router)
            .upstream("blue", upstream.baseUri())
            .upstream("green", upstream.baseUri())
            .upstreamTimeout(timeout)
            .asyncSend(mode)
            .build();
    ServletRouterServers.Deployment d = new ServletRouterServers.Deployment(filter, Map.of(), new Fallback());
    RouterServer server =
        switch (container) {
          case JETTY -> JettyServletRouterServer.start(d);
          case UNDERTOW -> UndertowServletRouterServer.start(d);
        };
    resources.add(0, server::stop);
    return server.port();
  }

  /** The end of the chain, which the filter never passes a routed request down to. */
  private static final class Fallback extends HttpServlet {
    private static final long serialVersionUID = 1L;
  }

  /**
   * The upstream: {@code /large?bytes=n} streams n bytes, {@code /drip?chunks=n} a chunked body of
   * n one-byte chunks, {@code /cut?bytes=n} announces n bytes and breaks off after half, {@code
   * /hold} answers once {@link #release} opens, {@code /upload} counts the body it reads, and
   * anything else answers {@code small}.
   */
  private static final class Upstream implements AutoCloseable {
    final AtomicLong sent = new AtomicLong();
    final AtomicLong received = new AtomicLong();
    final AtomicLong aborted = new AtomicLong();
    final CountDownLatch release = new CountDownLatch(1);
    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();

    private Upstream(HttpServer server) {
      this.server = server;
    }

    static Upstream start() {
      try {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        Upstream upstream = new Upstream(server);
        server.setExecutor(upstream.threads);
        server.createContext("/", upstream::serve);
        server.start();
        return upstream;
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    URI baseUri() {
      return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private void serve(HttpExchange exchange) throws IOException {
      try (exchange) {
        String path = exchange.getRequestURI().getPath();
        path = path.substring(path.lastIndexOf('/')); // "/blocking/upload" is "/upload"
        String query = exchange.getRequestURI().getRawQuery();
        long n = query == null ? 0 : Long.parseLong(query.substring(query.indexOf('=') + 1));
        try (InputStream in = exchange.getRequestBody()) {
          byte[] buffer = new byte[64 * 1024];
          for (int r = in.read(buffer); r >= 0; r = in.read(buffer)) {
            received.addAndGet(r);
          }
        }
        switch (path) {
          case "/large" -> stream(exchange, n, n);
          case "/cut" -> stream(exchange, n, n / 2);
          case "/drip" -> {
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            for (long i = 0; i < n; i++) {
              out.write('x');
              out.flush();
            }
            out.close();
          }
          case "/hold" -> {
            awaitRelease();
            text(exchange, "held");
          }
          case "/upload" -> text(exchange, "received=" + received.getAndSet(0));
          default -> text(exchange, "small");
        }
      }
    }

    private void awaitRelease() throws IOException {
      try {
        if (!release.await(Await.DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
          throw new IOException("never released");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
    }

    /** Announces {@code length} bytes and sends {@code upTo} of them (then the connection ends). */
    private void stream(HttpExchange exchange, long length, long upTo) throws IOException {
      exchange.sendResponseHeaders(200, length);
      OutputStream out = exchange.getResponseBody();
      byte[] chunk = new byte[64 * 1024];
      try {
        for (long left = upTo; left > 0; left -= chunk.length) {
          int size = (int) Math.min(chunk.length, left);
          out.write(chunk, 0, size);
          sent.addAndGet(size);
        }
      } catch (IOException e) {
        aborted.incrementAndGet();
        throw e;
      }
      if (upTo < length) {
        aborted.incrementAndGet();
        out.close(); // short: the server closes the connection
      }
    }

    private static void text(HttpExchange exchange, String body) throws IOException {
      byte[] bytes = body.getBytes(StandardCharsets.ISO_8859_1);
      exchange.sendResponseHeaders(200, bytes.length);
      exchange.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
      release.countDown();
      server.stop(0);
      threads.shutdownNow();
    }
  }
}
