package dev.switchover.servlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchover.DomainStatus;
import dev.switchover.Router;
import dev.switchover.RoutingTable;
import dev.switchover.servlet.UpstreamForwarder.AsyncSend;
import dev.switchover.testkit.Await;
import dev.switchover.testkit.RawConnection;
import dev.switchover.testkit.RawResponse;
import dev.switchover.testkit.RouterServer;
import dev.switchover.testkit.WorkspaceApp;
import dev.switchover.testkit.WorkspaceServer;
import jakarta.servlet.http.HttpServlet;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The threads the filter uses to proxy upstream in async mode: a fixed few, however many requests
 * pass. On JDK 17 with one or two CPUs, {@code HttpClient.sendAsync} starts a thread per request
 * (its future completes through {@code CompletableFuture}'s default executor, a thread per task
 * there), which these tests catch on such a machine if the filter uses it there; with a common
 * pool of two threads or more, they hold the filter's {@code sendAsync} mode to starting none.
 */
@Tag("common-pool-of-two") // run in a JVM whose common pool has two threads: see the pom
final class UpstreamThreadsTest {
  private static final String SHOP = "shop.example.com";
  /** Requests in flight at once: one per keep-alive connection. */
  private static final int CONNECTIONS = 4;
  private static final int WARM_UP = 100;
  private static final int REQUESTS = 500;
  /**
   * The threads that the JVM may start while the requests pass, for reasons of its own or the
   * containers'; far below one per request.
   */
  private static final int SLACK = 50;

  private final List<AutoCloseable> resources = new ArrayList<>();
  private final WorkspaceApp blue = WorkspaceApp.named("blue");
  private final Router router =
      Router.create(
          RoutingTable.builder()
              .workspace("blue")
              .domain(SHOP, DomainStatus.VERIFIED)
              .route(SHOP, "/", "blue")
              .build());

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable r : resources) {
      r.close();
    }
  }

  /** The servlet containers the filter is deployed in. */
  enum Container {
    JETTY,
    UNDERTOW
  }

  /** Every container with every way of awaiting the upstream's answer. */
  static Stream<Arguments> containersAndModes() {
    return Stream.of(Container.values())
        .flatMap(c -> Stream.of(AsyncSend.values()).map(m -> Arguments.of(c, m)));
  }

  @ParameterizedTest
  @MethodSource("containersAndModes")
  void asyncProxy_hundredsOfRequests_startNoThreadPerRequest(Container container, AsyncSend mode)
      throws Exception {
    // Where the filter would not choose sendAsync itself, sendAsync does start a thread per
    // request: this class runs with a common pool of two (its tag; the servlet module's pom).
    assertTrue(
        mode == AsyncSend.WAITING_THREAD || ForkJoinPool.getCommonPoolParallelism() > 1,
        "run with -Djava.util.concurrent.ForkJoinPool.common.parallelism=2 (the pom's"
            + " common-pool-of-two execution); the common pool has "
            + ForkJoinPool.getCommonPoolParallelism());
    SwitchoverFilter filter =
        SwitchoverFilter.builder(router).upstream("blue", upstream()).asyncSend(mode).build();
    List<RawConnection> connections = connect(start(container, filter).port());
    proxy(connections, WARM_UP); // the pools, the container and the connections settle
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long before = threads.getTotalStartedThreadCount();

    proxy(connections, REQUESTS);

    long started = threads.getTotalStartedThreadCount() - before;
    assertTrue(started < SLACK, () -> started + " threads started in the JVM while " + REQUESTS + " requests were proxied");
  }

  /**
   * An async exchange's client tasks run where the client hands them over (its selector thread),
   * not on a pool: the pool made every exchange hop between threads several more times.
   */
  @ParameterizedTest
  @EnumSource(Container.class)
  void asyncProxy_clientTasks_runOnNoPoolThread(Container container) throws Exception {
    Set<Thread> before = Thread.getAllStackTraces().keySet();
    SwitchoverFilter filter = waitingFilter();
    List<RawConnection> connections = connect(start(container, filter).port());

    proxy(connections, WARM_UP);

    Set<String> started = filtersThreads(before).stream().map(Thread::getName).collect(Collectors.toSet());
    assertFalse(started.isEmpty(), "the upstreams were awaited on the filter's threads");
    assertTrue(
        started.stream().allMatch(name -> name.matches("switchover-upstream-\\d+-wait-\\d+")),
        () -> "threads other than waits: " + started);
  }

  @ParameterizedTest
  @EnumSource(Container.class)
  void asyncProxy_sendAsync_startsNoThreadOfTheFilters(Container container) throws Exception {
    Set<Thread> before = Thread.getAllStackTraces().keySet();
    SwitchoverFilter filter =
        SwitchoverFilter.builder(router)
            .upstream("blue", upstream())
            .asyncSend(AsyncSend.SEND_ASYNC)
            .build();
    List<RawConnection> connections = connect(start(container, filter).port());

    proxy(connections, WARM_UP);

    Set<String> started = filtersThreads(before).stream().map(Thread::getName).collect(Collectors.toSet());
    assertTrue(started.isEmpty(), () -> "the filter started threads: " + started);
  }

  /** Without an executor of the application's, the mode follows the common pool's parallelism. */
  @Test
  void asyncSend_commonPoolOfTwoOrMore_isSendAsync() {
    assertEquals(AsyncSend.WAITING_THREAD, AsyncSend.forCommonPool(1));
    assertEquals(AsyncSend.SEND_ASYNC, AsyncSend.forCommonPool(2));
    assertEquals(AsyncSend.SEND_ASYNC, AsyncSend.forCommonPool(3));
    UpstreamForwarder forwarder = new UpstreamForwarder(Duration.ofSeconds(1), 1, null, null);
    resources.add(forwarder::close);
    assertEquals(AsyncSend.forCommonPool(ForkJoinPool.getCommonPoolParallelism()), forwarder.asyncSend());
  }

  /** On any number of CPUs: the executor was given to bound how many upstreams are awaited at once. */
  @Test
  void asyncProxy_executorOfYours_everyUpstreamIsAwaitedOnIt() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    resources.add(pool::shutdownNow);
    AtomicInteger tasks = new AtomicInteger();
    SwitchoverFilter filter =
        SwitchoverFilter.builder(router)
            .upstream("blue", upstream())
            .upstreamExecutor(task -> {
              tasks.incrementAndGet();
              pool.execute(task);
            })
            .build();
    List<RawConnection> connections = connect(start(Container.JETTY, filter).port());
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long before = threads.getTotalStartedThreadCount();

    proxy(connections, REQUESTS);

    assertEquals(REQUESTS, tasks.get());
    long started = threads.getTotalStartedThreadCount() - before;
    assertTrue(started < SLACK, () -> started + " threads started in the JVM while " + REQUESTS + " requests were proxied");
  }

  @ParameterizedTest
  @EnumSource(Container.class)
  void destroy_containerStopped_endsTheFiltersThreads(Container container) throws Exception {
    Set<Thread> before = Thread.getAllStackTraces().keySet();
    SwitchoverFilter filter = waitingFilter();
    RouterServer server = start(container, filter);
    proxy(connect(server.port()), WARM_UP);
    Set<Thread> filters = filtersThreads(before);
    assertFalse(filters.isEmpty(), "the filter proxied on threads of its own");

    server.stop(); // the container destroys the filter

    Await.until(
        "the filter's threads to end",
        () -> filters.stream().noneMatch(Thread::isAlive),
        () -> "alive: " + filters.stream().filter(Thread::isAlive).map(Thread::getName).collect(Collectors.joining(", ")));
  }

  /** The filter's threads alive now that were not in {@code before}. */
  private static Set<Thread> filtersThreads(Set<Thread> before) {
    Set<Thread> filters = new HashSet<>(Thread.getAllStackTraces().keySet());
    filters.removeAll(before);
    filters.removeIf(t -> !t.getName().startsWith("switchover-upstream-"));
    return filters;
  }

  /** A filter whose async exchanges wait on threads of its own, on any number of CPUs. */
  private SwitchoverFilter waitingFilter() throws Exception {
    return SwitchoverFilter.builder(router)
        .upstream("blue", upstream())
        .asyncSend(AsyncSend.WAITING_THREAD)
        .build();
  }

  private URI upstream() throws Exception {
    WorkspaceServer upstream = WorkspaceServer.start(blue);
    resources.add(upstream);
    return upstream.baseUri();
  }

  private List<RawConnection> connect(int port) throws Exception {
    List<RawConnection> connections = new ArrayList<>();
    for (int i = 0; i < CONNECTIONS; i++) {
      RawConnection c = RawConnection.open(port);
      resources.add(0, c);
      connections.add(c);
    }
    return connections;
  }

  /** {@code n} requests, one in flight on each connection at a time, all sent from this thread. */
  private static void proxy(List<RawConnection> connections, int n) throws Exception {
    byte[] get = ("GET /x HTTP/1.1\r\nHost: " + SHOP + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
    int sent = 0;
    while (sent < n) {
      int batch = Math.min(connections.size(), n - sent);
      for (int i = 0; i < batch; i++) {
        connections.get(i).send(get);
      }
      for (int i = 0; i < batch; i++) {
        RawResponse r = connections.get(i).read();
        assertEquals(200, r.status(), r::toString);
        assertEquals("blue", r.workspace(), r::toString);
      }
      sent += batch;
    }
  }

  /** The container on a free loopback port, the filter and the request's chain async. */
  private RouterServer start(Container container, SwitchoverFilter filter) throws Exception {
    ServletRouterServers.Deployment d = new ServletRouterServers.Deployment(filter, Map.of(), new Fallback());
    RouterServer server =
        switch (container) {
          case JETTY -> JettyServletRouterServer.start(d);
          case UNDERTOW -> UndertowServletRouterServer.start(d);
        };
    RouterServer once = new StoppedOnce(server);
    resources.add(0, once::stop);
    return once;
  }

  /** Stops the server once, whether the test or the clean-up gets there first. */
  private static final class StoppedOnce implements RouterServer {
    private final RouterServer server;
    private final AtomicBoolean stopped = new AtomicBoolean();

    StoppedOnce(RouterServer server) {
      this.server = server;
    }

    @Override
    public int port() {
      return server.port();
    }

    @Override
    public void stop() throws Exception {
      if (stopped.compareAndSet(false, true)) {
        server.stop();
      }
    }
  }

  /** The end of the chain, which the filter never passes a routed request down to. */
  private static final class Fallback extends HttpServlet {
    private static final long serialVersionUID = 1L;
  }
}
