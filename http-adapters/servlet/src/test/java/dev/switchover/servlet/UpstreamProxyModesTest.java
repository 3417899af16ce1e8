package dev.switchover.servlet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchover.DomainStatus;
import dev.switchover.Router;
import dev.switchover.RoutingTable;
import dev.switchover.WorkspaceId;
import dev.switchover.servlet.UpstreamForwarder.AsyncSend;
import dev.switchover.testkit.Await;
import dev.switchover.testkit.Gate;
import dev.switchover.testkit.MisbehavingUpstream;
import dev.switchover.testkit.RawConnection;
import dev.switchover.testkit.RawResponse;
import dev.switchover.testkit.WorkspaceApp;
import dev.switchover.testkit.WorkspaceServer;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServlet;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The two ways the filter proxies upstream: without blocking a container thread when the request
 * supports async, with blocking I/O on the request thread when it does not.
 */
final class UpstreamProxyModesTest {
  private static final String SHOP = "shop.example.com";
  private static final int CONTAINER_THREADS = 8;

  private final List<AutoCloseable> resources = new ArrayList<>();
  /** The filter's upstream threads for the next {@code start}, if above 0. */
  private int upstreamThreads;
  /** The filter the last {@code start} deployed. */
  private @Nullable SwitchoverFilter started;
  private final WorkspaceApp blue = WorkspaceApp.named("blue");
  private final Router router =
      Router.create(
          RoutingTable.builder()
              .workspace("blue")
              .workspace("green")
              .domain(SHOP, DomainStatus.VERIFIED)
              .route(SHOP, "/", "blue")
              .build());

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable r : resources) {
      r.close();
    }
  }

  @ParameterizedTest
  @EnumSource(AsyncSend.class)
  void asyncProxy_moreRequestsHeldUpstreamThanContainerThreads_allReachTheUpstream(AsyncSend mode)
      throws Exception {
    int port = start(mode);
    int held = 3 * CONTAINER_THREADS;
    Gate gate = blue.gate("held");
    List<RawConnection> connections = new ArrayList<>();
    for (int i = 0; i < held; i++) {
      RawConnection c = RawConnection.open(port);
      resources.add(c);
      connections.add(c);
      c.send(get("/x?hold=held").getBytes(StandardCharsets.ISO_8859_1));
    }
    // Blocking proxies would hold a container thread each: no more than the pool could arrive.
    gate.awaitArrivals(held, Await.DEADLINE);
    assertEquals(held, router.inFlight(WorkspaceId.of("blue")));
    gate.open();
    for (RawConnection c : connections) {
      RawResponse r = c.read();
      assertEquals(200, r.status(), r::toString);
      assertEquals("blue", r.workspace());
    }
    awaitNothingInFlight();
  }

  @ParameterizedTest
  @EnumSource(AsyncSend.class)
  void asyncProxy_bodyOfSeveralMebibytes_roundTripsByteForByte(AsyncSend mode) throws Exception {
    assertEchoed(start(mode));
  }

  /**
   * A client that goes away in the middle of its upload, before the upstream has answered: the
   * container fails the read, the request body fails the upstream call, and that ends the exchange
   * at once (not when the upstream answers or times out): blue drains, and the upstream sees the
   * proxy close its connection.
   */
  @ParameterizedTest
  @EnumSource(AsyncSend.class)
  void asyncProxy_clientGoesAwayMidUploadBeforeTheUpstreamAnswers_upstreamCallAbandoned(
      AsyncSend mode) throws Exception {
    SilentUpstream upstream = SilentUpstream.start();
    resources.add(upstream);
    int port = start(true, mode, upstream.baseUri(), null, Duration.ofMinutes(10));
    Socket client = new Socket(InetAddress.getLoopbackAddress(), port);
    resources.add(0, client);
    client.getOutputStream().write(
        ("POST /x HTTP/1.1\r\nHost: " + SHOP + "\r\nContent-Length: 1048576\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1));
    client.getOutputStream().write(new byte[64 * 1024]);
    CompletableFuture<Void> drained = switchOnceReceived(upstream);

    client.setSoLinger(true, 0);
    client.close(); // a reset

    awaitDrainedAndAbandoned(drained, upstream);
  }

  /**
   * An async cycle that times out before the upstream has answered (here the application set a
   * timeout on it) cancels the upstream call: {@code sendAsync}'s future is cancelled, or the
   * waiting thread interrupted, long before the filter's upstream timeout would end it. The client
   * gets 504, blue drains, and the upstream sees the proxy close its connection.
   */
  @ParameterizedTest
  @EnumSource(AsyncSend.class)
  void asyncProxy_cycleTimesOutBeforeTheUpstreamAnswers_upstreamCallCancelled(AsyncSend mode)
      throws Exception {
    assertCycleTimeoutAnswers504(mode, SilentUpstream.start());
  }

  /**
   * An upstream that sends its status and headers at once and then computes: the cycle's timeout
   * must still answer 504, not end the response with the upstream's head and no body.
   */
  @ParameterizedTest
  @EnumSource(AsyncSend.class)
  void asyncProxy_cycleTimesOutAfterTheHeadBeforeAnyBody_answers504(AsyncSend mode)
      throws Exception {
    assertCycleTimeoutAnswers504(
        mode, SilentUpstream.start("HTTP/1.1 200 OK\r\nContent-Length: 10\r\nX-Upstream: head-only\r\n\r\n"));
  }

  /** A 2 s cycle timeout in front of {@code upstream}: 504, blue drains, the call is abandoned. */
  private void assertCycleTimeoutAnswers504(AsyncSend mode, SilentUpstream upstream) throws Exception {
    resources.add(upstream);
    int port = start(true, mode, upstream.baseUri(), Duration.ofSeconds(2), Duration.ofMinutes(10));
    try (RawConnection c = RawConnection.open(port)) {
      c.send(get("/x").getBytes(StandardCharsets.ISO_8859_1));
      CompletableFuture<Void> drained = switchOnceReceived(upstream);

      RawResponse r = c.read();

      assertEquals(504, r.status(), r::toString);
      awaitDrainedAndAbandoned(drained, upstream);
    }
  }

  /**
   * With {@code sendAsync} no thread waits, so the filter's upstream-threads bound is kept by
   * holding calls back: with a bound of 1, a second exchange reaches the upstream only once the
   * first one's call is over (here: its answer's head is in).
   */
  @Test
  void sendAsync_moreCallsThanTheBound_theRestWaitTheirTurn() throws Exception {
    WorkspaceServer upstream = WorkspaceServer.start(blue);
    resources.add(upstream);
    upstreamThreads = 1;
    int port = start(true, AsyncSend.SEND_ASYNC, upstream.baseUri());
    SendLimit limit = Objects.requireNonNull(Objects.requireNonNull(started).forwarder().sendLimit());
    Gate firstGate = blue.gate("first");
    Gate secondGate = blue.gate("second");
    try (RawConnection first = RawConnection.open(port);
        RawConnection second = RawConnection.open(port)) {
      first.send(get("/x?hold=first").getBytes(StandardCharsets.ISO_8859_1));
      firstGate.awaitArrivals(1, Await.DEADLINE);
      second.send(get("/x?hold=second").getBytes(StandardCharsets.ISO_8859_1));
      Await.until("the second call to wait its turn", () -> limit.waiting() == 1, () -> limit.waiting() + " waiting");

      assertEquals(0, secondGate.arrivals(), "the second call was sent while the first was under way");
      firstGate.open();
      assertEquals(200, first.read().status());
      secondGate.awaitArrivals(1, Await.DEADLINE);
      secondGate.open();
      assertEquals(200, second.read().status());
    }
    Await.until("every permit to be back", () -> limit.inUse() == 0, () -> limit.inUse() + " in use");
  }

  /** Once the upstream has the request's head: blue is switched away from, and awaited. */
  private CompletableFuture<Void> switchOnceReceived(SilentUpstream upstream) {
    Await.until("the request to reach the upstream", () -> upstream.requests.get() == 1, () -> upstream.requests + " requests");
    router.promote(SHOP, "green");
    return router.awaitDrained(WorkspaceId.of("blue"));
  }

  private void awaitDrainedAndAbandoned(CompletableFuture<Void> drained, SilentUpstream upstream) {
    Await.until("blue to drain", drained::isDone, () -> router.inFlight(WorkspaceId.of("blue")) + " in flight");
    Await.until("the upstream's request to be abandoned", () -> upstream.abandoned.get() == 1, () -> upstream.abandoned + " abandoned");
  }

  @Test
  void blockingProxy_filterWithoutAsyncSupport_stillStreamsBothWays() throws Exception {
    assertEchoed(start(false, AsyncSend.WAITING_THREAD));
  }

  @Test
  void blockingProxy_upstreamFailingAfterConnecting_isBadGateway() throws Exception {
    // The conformance suite holds the async proxy to this; here the blocking one.
    for (MisbehavingUpstream.Misbehaviour misbehaviour :
        MisbehavingUpstream.Misbehaviour.values()) {
      MisbehavingUpstream upstream = MisbehavingUpstream.start(misbehaviour);
      resources.add(upstream);
      int port = start(false, AsyncSend.WAITING_THREAD, upstream.baseUri());
      RawResponse r;
      try (RawConnection c = RawConnection.open(port)) {
        r = c.exchangeWhileUploading(
            "POST /upload HTTP/1.1\r\nHost: " + SHOP + "\r\nContent-Length: 1048576\r\n"
                + "Connection: close\r\n\r\n",
            1024 * 1024);
      }
      assertEquals(502, r.status(), () -> "an upstream that fails with " + misbehaviour + ": " + r);
      assertTrue(upstream.requestHeads() > 0, () -> misbehaviour + ": the request reached it");
      awaitNothingInFlight();
    }
  }

  private void assertEchoed(int port) throws Exception {
    byte[] body = new byte[5 * 1024 * 1024 + 3];
    new Random(7).nextBytes(body);
    byte[] head =
        ("POST /upload?echo HTTP/1.1\r\nHost: " + SHOP + "\r\nContent-Length: " + body.length + "\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1);
    byte[] request = new byte[head.length + body.length];
    System.arraycopy(head, 0, request, 0, head.length);
    System.arraycopy(body, 0, request, head.length, body.length);
    try (RawConnection c = RawConnection.open(port)) {
      RawResponse r = c.exchange(request);
      assertEquals(200, r.status(), r::toString);
      assertArrayEquals(body, r.body(), "the body, byte for byte");
      // The same connection serves the next request: the exchange ended cleanly.
      RawResponse next = c.exchange(get("/after"));
      assertEquals(200, next.status(), next::toString);
    }
    awaitNothingInFlight();
  }

  private void awaitNothingInFlight() {
    WorkspaceId ws = WorkspaceId.of("blue");
    Await.until("nothing in flight on blue", () -> router.inFlight(ws) == 0, () -> router.inFlight(ws) + " in flight");
  }

  private static String get(String target) {
    return "GET " + target + " HTTP/1.1\r\nHost: " + SHOP + "\r\n\r\n";
  }

  /** Jetty with a small thread pool, the filter proxying blue to its upstream in async mode; its port. */
  private int start(AsyncSend mode) throws Exception {
    return start(true, mode);
  }

  /** The same, async or blocking. */
  private int start(boolean asyncSupported, AsyncSend mode) throws Exception {
    WorkspaceServer upstream = WorkspaceServer.start(blue);
    resources.add(upstream);
    return start(asyncSupported, mode, upstream.baseUri());
  }

  /** The same, proxying blue to {@code upstream}. */
  private int start(boolean asyncSupported, AsyncSend mode, URI upstream) throws Exception {
    return start(asyncSupported, mode, upstream, null, Duration.ofSeconds(30));
  }

  /**
   * The same, with the filter's upstream timeout given, and a filter before it that sets {@code
   * cycleTimeout}, if given, on the async cycles it starts.
   */
  private int start(
      boolean asyncSupported,
      AsyncSend mode,
      URI upstream,
      @Nullable Duration cycleTimeout,
      Duration upstreamTimeout)
      throws Exception {
    SwitchoverFilter.Builder builder =
        SwitchoverFilter.builder(router)
            .upstream("blue", upstream)
            .upstream("green", upstream)
            .upstreamTimeout(upstreamTimeout)
            .asyncSend(mode);
    if (upstreamThreads > 0) {
      builder.upstreamThreads(upstreamThreads);
    }
    SwitchoverFilter filter = builder.build();
    started = filter;
    ServletContextHandler context = new ServletContextHandler("/");
    if (cycleTimeout != null) {
      FilterHolder timeout = new FilterHolder(new CycleTimeout(cycleTimeout));
      timeout.setAsyncSupported(true);
      context.addFilter(timeout, "/*", EnumSet.of(DispatcherType.REQUEST));
    }
    FilterHolder holder = new FilterHolder(filter);
    holder.setAsyncSupported(asyncSupported);
    context.addFilter(holder, "/*", EnumSet.of(DispatcherType.REQUEST));
    ServletHolder fallback = new ServletHolder("fallback", new HttpServlet() {
      private static final long serialVersionUID = 1L;
    });
    fallback.setAsyncSupported(true);
    context.addServlet(fallback, "/");
    QueuedThreadPool threads = new QueuedThreadPool(CONTAINER_THREADS, 2);
    threads.setReservedThreads(0);
    Server server = new Server(threads);
    ServerConnector connector = new ServerConnector(server, 1, 1);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    server.setHandler(context);
    server.start();
    resources.add(0, server::stop);
    return connector.getLocalPort();
  }

  /** Sets a timeout on the async cycle a filter after it started, as an application may. */
  private static final class CycleTimeout implements Filter {
    private final Duration timeout;

    CycleTimeout(Duration timeout) {
      this.timeout = timeout;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
        throws IOException, ServletException {
      chain.doFilter(request, response);
      if (request.isAsyncStarted()) {
        request.getAsyncContext().setTimeout(timeout.toMillis());
      }
    }
  }

  /**
   * An upstream that reads each request (its head, and whatever body comes) and never answers: it
   * counts the requests whose head it read, and those whose connection the proxy then closed.
   */
  private static final class SilentUpstream implements AutoCloseable {
    final AtomicInteger requests = new AtomicInteger();
    final AtomicInteger abandoned = new AtomicInteger();
    private final ServerSocket socket;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    /** Sent once a request's head is in, before going silent; empty for none. */
    private final byte[] head;

    private SilentUpstream(ServerSocket socket, byte[] head) {
      this.socket = socket;
      this.head = head;
    }

    /** An upstream that reads each request and never answers. */
    static SilentUpstream start() throws IOException {
      return start("");
    }

    /** An upstream that answers each request with {@code head} only, promising a body it never sends. */
    static SilentUpstream start(String head) throws IOException {
      SilentUpstream upstream =
          new SilentUpstream(
              new ServerSocket(0, 16, InetAddress.getLoopbackAddress()),
              head.getBytes(StandardCharsets.ISO_8859_1));
      var unused = upstream.threads.submit(upstream::accept);
      return upstream;
    }

    URI baseUri() {
      return URI.create("http://127.0.0.1:" + socket.getLocalPort());
    }

    private void accept() {
      try {
        while (true) {
          Socket connection = socket.accept();
          open.add(connection);
          var unused = threads.submit(() -> serve(connection));
        }
      } catch (IOException e) {
        // closed
      }
    }

    private void serve(Socket connection) {
      try (connection) {
        InputStream in = connection.getInputStream();
        int matched = 0;
        while (matched < 4) {
          int b = in.read();
          if (b < 0) {
            return;
          }
          matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        requests.incrementAndGet();
        if (head.length > 0) {
          connection.getOutputStream().write(head);
          connection.getOutputStream().flush();
        }
        byte[] buffer = new byte[16 * 1024];
        while (in.read(buffer) >= 0) {
          // the body, if any: read and dropped, until the proxy ends the connection
        }
        abandoned.incrementAndGet();
      } catch (IOException e) {
        abandoned.incrementAndGet(); // a reset
      } finally {
        open.remove(connection);
      }
    }

    @Override
    public void close() throws IOException {
      socket.close();
      for (Socket s : open) {
        s.close();
      }
      threads.shutdownNow();
    }
  }
}
