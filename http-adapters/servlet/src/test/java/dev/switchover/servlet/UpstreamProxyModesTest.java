package dev.switchover.servlet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchover.DomainStatus;
import dev.switchover.Router;
import dev.switchover.RoutingTable;
import dev.switchover.WorkspaceId;
import dev.switchover.testkit.Await;
import dev.switchover.testkit.Gate;
import dev.switchover.testkit.MisbehavingUpstream;
import dev.switchover.testkit.RawConnection;
import dev.switchover.testkit.RawResponse;
import dev.switchover.testkit.WorkspaceApp;
import dev.switchover.testkit.WorkspaceServer;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The two ways the filter proxies upstream: without blocking a container thread when the request
 * supports async, with blocking I/O on the request thread when it does not.
 */
final class UpstreamProxyModesTest {
  private static final String SHOP = "shop.example.com";
  private static final int CONTAINER_THREADS = 8;

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

  @Test
  void asyncProxy_moreRequestsHeldUpstreamThanContainerThreads_allReachTheUpstream() throws Exception {
    int port = start(true);
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

  @Test
  void asyncProxy_bodyOfSeveralMebibytes_roundTripsByteForByte() throws Exception {
    assertEchoed(start(true));
  }

  @Test
  void blockingProxy_filterWithoutAsyncSupport_stillStreamsBothWays() throws Exception {
    assertEchoed(start(false));
  }

  @Test
  void blockingProxy_upstreamFailingAfterConnecting_isBadGateway() throws Exception {
    // The conformance suite holds the async proxy to this; here the blocking one.
    for (MisbehavingUpstream.Misbehaviour misbehaviour :
        MisbehavingUpstream.Misbehaviour.values()) {
      MisbehavingUpstream upstream = MisbehavingUpstream.start(misbehaviour);
      resources.add(upstream);
      int port = start(false, upstream.baseUri());
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

  /** Jetty with a small thread pool, the filter proxying blue to its upstream; its port. */
  private int start(boolean asyncSupported) throws Exception {
    WorkspaceServer upstream = WorkspaceServer.start(blue);
    resources.add(upstream);
    return start(asyncSupported, upstream.baseUri());
  }

  /** The same, proxying blue to {@code upstream}. */
  private int start(boolean asyncSupported, URI upstream) throws Exception {
    SwitchoverFilter filter = SwitchoverFilter.builder(router).upstream("blue", upstream).build();
    ServletContextHandler context = new ServletContextHandler("/");
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
}
