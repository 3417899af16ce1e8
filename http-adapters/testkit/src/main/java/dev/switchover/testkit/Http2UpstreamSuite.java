package dev.switchover.testkit;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchover.DomainStatus;
import dev.switchover.HostName;
import dev.switchover.RequestOutcome;
import dev.switchover.Router;
import dev.switchover.RoutingTable;
import dev.switchover.WorkspaceId;
import dev.switchover.rawhttp.RawConnection;
import dev.switchover.rawhttp.RawResponse;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Upstream workspaces reached over HTTP/2: every adapter that proxies runs it, as it runs {@link
 * AdapterConformanceSuite}. The upstreams are {@link Http2WorkspaceServer}s that speak only HTTP/2
 * (cleartext with prior knowledge, bound as {@code h2c://}; TLS with ALPN h2, bound as {@code
 * h2://}), so an answer at all shows the proxy spoke HTTP/2 to them; each test also reads the
 * protocol the upstream saw. Clients speak HTTP/1.1 to the router.
 *
 * <p>What holds over an HTTP/2 upstream as over HTTP/1.1: the raw target and the forwarding
 * headers reach it, hop-by-hop fields do not; its status and body pass through; 502 for an
 * upstream that refuses connections, goes away mid-exchange, or whose TLS does not check out (h2
 * not chosen, a certificate for another host), 504 for one too slow; outcomes are counted; a
 * switch under load fails no request; a drain waits for requests held on the old upstream. A
 * WebSocket upgrade for an HTTP/2 upstream is answered 501. And {@code https} stays HTTP/1.1 even
 * to an upstream that offers h2.
 */
public abstract class Http2UpstreamSuite {
  private static final Logger log = LoggerFactory.getLogger(Http2UpstreamSuite.class);

  static final String SHOP = "shop.example.com";
  static final String OTHER = "other.example.com";
  static final String BLUE = "blue";
  static final String GREEN = "green";
  static final String HTTP_2 = "HTTP/2.0";

  private final Deque<AutoCloseable> resources = new ArrayDeque<>();

  /** For subclasses: an adapter's test class. */
  protected Http2UpstreamSuite() {}

  /** As {@link AdapterConformanceSuite#startRouterServer}, applying {@link RouterServerSpec#upstreamTls()} too. */
  protected abstract RouterServer startRouterServer(RouterServerSpec spec) throws Exception;

  /**
   * Whether the adapter reaches {@code https} upstreams; one that does not must refuse to bind
   * one with {@link IllegalArgumentException}.
   */
  protected boolean reachesHttpsUpstreams() {
    return true;
  }

  /**
   * Whether the adapter's HTTP/2 client sends the client's host as the upstream request's {@code
   * :authority} (as an HTTP/1.1 proxy keeps {@code Host}); otherwise the authority is the
   * upstream's own address, and the client's host reaches it in {@code X-Forwarded-Host} and
   * {@code Forwarded} only.
   */
  protected boolean sendsTheClientsHostAsAuthority() {
    return false;
  }

  @AfterEach
  final void closeResources() throws Exception {
    Exception failure = null;
    while (!resources.isEmpty()) {
      try {
        resources.pop().close();
      } catch (Exception e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  // ---------------------------------------------------------------- what reaches the upstream

  @ParameterizedTest
  @EnumSource(value = Http2WorkspaceServer.Mode.class, names = {"H2C", "H2_TLS"})
  void http2Upstream_getsTheRequestOverHttp2_withForwardingHeadersAndNoHopByHopFields(
      Http2WorkspaceServer.Mode mode) throws Exception {
    Setup s = new Setup(mode).bind(BLUE, GREEN).start();
    String host = "Shop.Example.COM:" + s.port;
    String target = "/a/b;p=1/c%20d?x=%20y&z&q=%2F";
    RawResponse r =
        s.exchange(
            "POST " + target + " HTTP/1.1\r\nHost: " + host
                + "\r\nForwarded: for=192.0.2.1\r\nVia: 1.0 edge\r\nX-Forwarded-For: 192.0.2.1"
                + "\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: evil.example.net"
                + "\r\nX-Forwarded-Port: 1\r\nX-Forwarded-Server: evil"
                + "\r\nKeep-Alive: timeout=5\r\nX-Hop: this hop only\r\nX-Kept: end to end"
                + "\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: close, X-Hop\r\n\r\nhello");
    assertEquals(200, r.status(), r::toString);
    Map<String, String> echo = r.echo();
    assertAll(
        () -> assertEquals(BLUE, r.workspace()),
        () -> assertEquals("POST", echo.get("method")),
        () -> assertEquals(target, echo.get("target"), "the raw target, unchanged"),
        () -> assertEquals(
            sendsTheClientsHostAsAuthority() ? host : s.server(BLUE).authority(),
            echo.get("host"),
            "the upstream's :authority"),
        () -> assertEquals("5", echo.get("body-length")),
        () -> assertEquals(
            "for=192.0.2.1, for=127.0.0.1;host=\"" + host + "\";proto=http", echo.get("forwarded")),
        () -> assertEquals("1.0 edge, 1.1 switchover", echo.get("via")),
        () -> assertEquals("192.0.2.1,127.0.0.1", echo.get("x-forwarded-for")),
        () -> assertEquals("http", echo.get("x-forwarded-proto")),
        () -> assertEquals(host, echo.get("x-forwarded-host")),
        () -> assertEquals(Integer.toString(s.port), echo.get("x-forwarded-port")),
        () -> assertEquals("switchover", echo.get("x-forwarded-server")));
    Http2WorkspaceServer.Seen seen = s.server(BLUE).seen().get(0);
    assertAll(
        () -> assertEquals(HTTP_2, seen.protocol(), "the upstream was reached over HTTP/2"),
        () -> assertFalse(seen.fields().containsKey("x-hop"), () -> "a field Connection named: " + seen),
        () -> assertFalse(seen.fields().containsKey("keep-alive"), seen::toString),
        () -> assertFalse(seen.fields().containsKey("connection"), seen::toString),
        () -> assertEquals(List.of("end to end"), seen.fields().get("x-kept"), seen::toString));
    awaitNothingInFlight(s.router, BLUE);
    assertEquals(1, s.router.requests(WorkspaceId.of(BLUE), RequestOutcome.SERVED));
  }

  @ParameterizedTest
  @EnumSource(value = Http2WorkspaceServer.Mode.class, names = {"H2C", "H2_TLS"})
  void http2Upstream_statusAndBodyPassThrough_andAreCounted(Http2WorkspaceServer.Mode mode)
      throws Exception {
    Setup s = new Setup(mode).bind(BLUE, GREEN).start();
    for (String query : List.of("status=500", "status=503&empty", "status=404", "status=200")) {
      RawResponse r = s.get(SHOP, "/x?" + query);
      int status = Integer.parseInt(query.substring("status=".length(), "status=".length() + 3));
      assertEquals(status, r.status(), () -> query + ": " + r);
      assertEquals(BLUE, r.workspace(), () -> "blue's own answer: " + r);
    }
    byte[] body = new byte[3 * 1024 * 1024 + 17];
    new Random(42).nextBytes(body);
    byte[] head =
        ("POST /upload?echo HTTP/1.1\r\nHost: " + SHOP
                + "\r\nContent-Type: application/octet-stream\r\nContent-Length: " + body.length
                + "\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1);
    byte[] request = new byte[head.length + body.length];
    System.arraycopy(head, 0, request, 0, head.length);
    System.arraycopy(body, 0, request, head.length, body.length);
    try (RawConnection c = s.connect()) {
      RawResponse r = c.exchange(request);
      assertEquals(200, r.status(), r::toString);
      assertEquals(BLUE, r.workspace());
      assertArrayEquals(body, r.body(), "the body, both ways over HTTP/2, byte for byte");
    }
    awaitNothingInFlight(s.router, BLUE);
    WorkspaceId blue = WorkspaceId.of(BLUE);
    assertEquals(2, s.router.requests(blue, RequestOutcome.WORKSPACE_ERROR), "blue's 500 and 503");
    assertEquals(3, s.router.requests(blue, RequestOutcome.SERVED), "blue's 404, 200 and the upload");
    assertAllHttp2(s.server(BLUE), 5);
  }

  // ---------------------------------------------------------------- failures

  @ParameterizedTest
  @EnumSource(value = Http2WorkspaceServer.Mode.class, names = {"H2C", "H2_TLS"})
  void http2Upstream_refusingConnections_isBadGateway(Http2WorkspaceServer.Mode mode) throws Exception {
    String scheme = mode == Http2WorkspaceServer.Mode.H2C ? "h2c" : "h2";
    Setup s =
        new Setup(mode)
            .bind(GREEN)
            .bindUpstream(BLUE, URI.create(scheme + "://127.0.0.1:" + closedPort()))
            .start();
    RawResponse r = s.get(SHOP, "/x");
    assertEquals(502, r.status(), () -> "blue's upstream refuses connections: " + r);
    awaitNothingInFlight(s.router, BLUE);
    assertCounted(s, BLUE, RequestOutcome.BAD_GATEWAY, 1);
    RawResponse green = s.get(OTHER, "/");
    assertEquals(200, green.status(), green::toString);
    assertEquals(GREEN, green.workspace());
  }

  @Test
  void h2Upstream_whoseTlsServerDoesNotChooseH2_isBadGateway() throws Exception {
    Setup s = new Setup(Http2WorkspaceServer.Mode.H2C);
    Http2WorkspaceServer http11 =
        Http2WorkspaceServer.start(WorkspaceApp.named(BLUE), Http2WorkspaceServer.Mode.TLS_HTTP_1_1_ONLY);
    resources.push(http11);
    URI base = URI.create("h2://" + http11.authority());
    s.bind(GREEN).bindUpstream(BLUE, base).start();
    RawResponse r = s.get(SHOP, "/x");
    assertEquals(502, r.status(), () -> "blue's TLS server offers http/1.1 only: " + r);
    assertTrue(http11.seen().isEmpty(), "no HTTP/1.1 request reached it");
    awaitNothingInFlight(s.router, BLUE);
    assertCounted(s, BLUE, RequestOutcome.BAD_GATEWAY, 1);
  }

  @Test
  void h2Upstream_whoseCertificateNamesAnotherHost_isBadGateway() throws Exception {
    Setup s = new Setup(Http2WorkspaceServer.Mode.H2C);
    // 127.0.0.2 is loopback too, but the certificate names 127.0.0.1: the host check must fail.
    Http2WorkspaceServer elsewhere =
        Http2WorkspaceServer.start(WorkspaceApp.named(BLUE), Http2WorkspaceServer.Mode.H2_TLS, "127.0.0.2");
    resources.push(elsewhere);
    s.bind(GREEN).bindUpstream(BLUE, elsewhere.baseUri()).start();
    RawResponse r = s.get(SHOP, "/x");
    assertEquals(502, r.status(), () -> "blue's certificate does not name 127.0.0.2: " + r);
    assertTrue(elsewhere.seen().isEmpty(), "no request reached it");
    awaitNothingInFlight(s.router, BLUE);
    assertCounted(s, BLUE, RequestOutcome.BAD_GATEWAY, 1);
  }

  @Test
  void http2Upstream_goingAwayWhileItHoldsARequest_isBadGateway() throws Exception {
    Setup s = new Setup(Http2WorkspaceServer.Mode.H2C).bind(BLUE, GREEN).start();
    Gate gate = s.app(BLUE).gate("away");
    try (RawConnection c = s.connect()) {
      c.send(request(SHOP, "/held?hold=away"));
      gate.awaitArrivals(1);
      s.server(BLUE).close();
      RawResponse r = c.read();
      assertEquals(502, r.status(), () -> "blue's upstream stopped mid-exchange: " + r);
    } finally {
      gate.open();
    }
    awaitNothingInFlight(s.router, BLUE);
    assertCounted(s, BLUE, RequestOutcome.BAD_GATEWAY, 1);
  }

  @Test
  void http2Upstream_answeringTooSlowly_isGatewayTimeout() throws Exception {
    Setup s = new Setup(Http2WorkspaceServer.Mode.H2C).bind(BLUE, GREEN);
    s.upstreamTimeout = Duration.ofMillis(500);
    s.start();
    Gate never = s.app(BLUE).gate("never");
    try {
      RawResponse r = s.get(SHOP, "/x?hold=never");
      assertEquals(504, r.status(), () -> "blue holds the request past the timeout: " + r);
      awaitNothingInFlight(s.router, BLUE);
      assertCounted(s, BLUE, RequestOutcome.GATEWAY_TIMEOUT, 1);
    } finally {
      never.open();
    }
  }

  @Test
  void http2Upstream_webSocketUpgrade_isNotImplemented() throws Exception {
    Setup s = new Setup(Http2WorkspaceServer.Mode.H2C).bind(BLUE, GREEN).start();
    RawResponse r =
        s.exchange(
            "GET /chat HTTP/1.1\r\nHost: " + SHOP
                + "\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13"
                + "\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
    assertEquals(501, r.status(), () -> "a WebSocket for an HTTP/2 upstream: " + r);
    assertTrue(s.server(BLUE).seen().isEmpty(), "nothing reached the upstream");
    awaitNothingInFlight(s.router, BLUE);
    assertEquals(
        0,
        s.router.requests(WorkspaceId.of(BLUE), RequestOutcome.WORKSPACE_ERROR),
        "the refusal is the adapter's answer, not the workspace's error");
    RawResponse after = s.get(SHOP, "/after");
    assertEquals(200, after.status(), after::toString);
  }

  // ---------------------------------------------------------------- switching and draining

  @ParameterizedTest
  @EnumSource(value = Http2WorkspaceServer.Mode.class, names = {"H2C", "H2_TLS"})
  void http2Upstreams_switchingEvery20msUnderKeepAliveLoad_failsNoRequest(
      Http2WorkspaceServer.Mode mode) throws Exception {
    Setup s = new Setup(mode, switchTable()).bind(BLUE, GREEN).start();
    // The proxy's connections to both upstreams first (TLS handshakes, on a busy machine, can
    // take most of a short run), then back to blue, where the load starts.
    for (String workspace : List.of(GREEN, BLUE)) {
      s.router.promote(SHOP, workspace);
      for (int i = 0; i < 5; i++) {
        RawResponse r = s.get(SHOP, "/warm-up?n=" + i);
        assertEquals(workspace, r.workspace(), r::toString);
      }
    }
    long seconds = Long.getLong(AdapterConformanceSuite.SOAK_PROPERTY, 5);
    SwitchingLoad.Result result =
        new SwitchingLoad(
                SwitchingLoad.Channels.http1(s.port),
                s.router,
                HostName.parse(SHOP),
                WorkspaceId.of(BLUE),
                WorkspaceId.of(GREEN),
                16,
                4,
                Duration.ofMillis(500),
                Duration.ofMillis(20),
                Duration.ofSeconds(seconds))
            // Half a second of switching, then half a second without: on a busy machine few
            // requests fit between two switches 20 ms apart, and those are the exactly checked.
            .quietAfter(25)
            .run();
    log.info("zero downtime over HTTP/2 upstreams, {}, {} s: {}", mode, seconds, result);
    assertAll(
        () -> assertEquals(0, result.failureCount(), result::toString),
        () -> assertTrue(result.switches() >= 2, result::toString),
        () -> assertTrue(result.exactlyChecked() > 0, result::toString),
        () -> assertTrue(result.slowAcrossSwitch() > 0, result::toString));
    awaitNothingInFlight(s.router, BLUE);
    awaitNothingInFlight(s.router, GREEN);
    assertAllHttp2(s.server(BLUE), 1);
    assertAllHttp2(s.server(GREEN), 1);
  }

  @Test
  void http2Upstream_drainAfterSwitch_waitsForTheRequestsHeldOnTheOldUpstream() throws Exception {
    Setup s = new Setup(Http2WorkspaceServer.Mode.H2C, switchTable()).bind(BLUE, GREEN).start();
    WorkspaceId blue = WorkspaceId.of(BLUE);
    Gate gate = s.app(BLUE).gate("drain");
    List<RawConnection> held = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      RawConnection c = s.connect();
      held.add(c);
      c.send(request(SHOP, "/held?hold=drain&n=" + i));
    }
    gate.awaitArrivals(3);
    s.router.promote(SHOP, GREEN);
    CompletableFuture<Void> drained = s.router.awaitDrained(blue);
    assertFalse(drained.isDone(), "three requests are still in flight on blue");
    assertEquals(3, s.router.inFlight(blue));
    RawResponse after = s.get(SHOP, "/after-switch");
    assertEquals(GREEN, after.workspace(), after::toString);
    assertFalse(drained.isDone(), "three requests are still in flight on blue");
    gate.open();
    for (RawConnection c : held) {
      RawResponse r = c.read();
      assertEquals(200, r.status(), () -> "a request held across the switch: " + r);
      assertEquals(BLUE, r.workspace(), "a request completes on the workspace that took it");
    }
    drained.get(Await.DEADLINE.toSeconds(), TimeUnit.SECONDS);
    assertEquals(0, s.router.inFlight(blue));
    assertAllHttp2(s.server(BLUE), 3);
  }

  // ---------------------------------------------------------------- defaults

  @Test
  void httpsUpstream_offeringH2_isStillReachedOverHttp11() throws Exception {
    Setup s = new Setup(Http2WorkspaceServer.Mode.TLS_H2_OR_HTTP_1_1).bind(BLUE, GREEN);
    if (!reachesHttpsUpstreams()) {
      assertThrows(IllegalArgumentException.class, s::start, "an https upstream is refused");
      return;
    }
    s.start();
    RawResponse r = s.get(SHOP, "/x");
    assertEquals(200, r.status(), r::toString);
    assertEquals(BLUE, r.workspace());
    List<Http2WorkspaceServer.Seen> seen = s.server(BLUE).seen();
    assertEquals(1, seen.size(), seen::toString);
    assertEquals("HTTP/1.1", seen.get(0).protocol(), "https means HTTP/1.1 unless h2 is asked for");
  }

  // ---------------------------------------------------------------- helpers

  /** Blue on shop, green on other. */
  static RoutingTable routingTable() {
    return RoutingTable.builder()
        .workspace(BLUE)
        .workspace(GREEN)
        .domain(SHOP, DomainStatus.VERIFIED)
        .domain(OTHER, DomainStatus.VERIFIED)
        .route(SHOP, "/", BLUE)
        .route(OTHER, "/", GREEN)
        .build();
  }

  /** One domain on blue, green declared. */
  static RoutingTable switchTable() {
    return RoutingTable.builder()
        .workspace(BLUE)
        .workspace(GREEN)
        .domain(SHOP, DomainStatus.VERIFIED)
        .route(SHOP, "/", BLUE)
        .build();
  }

  private static void assertAllHttp2(Http2WorkspaceServer server, int atLeast) {
    List<Http2WorkspaceServer.Seen> seen = server.seen();
    assertTrue(seen.size() >= atLeast, () -> server + " saw " + seen.size() + " requests");
    for (Http2WorkspaceServer.Seen one : seen) {
      assertEquals(HTTP_2, one.protocol(), () -> server + " saw " + one);
    }
  }

  private static void assertCounted(Setup s, String workspace, RequestOutcome outcome, long count) {
    WorkspaceId id = WorkspaceId.of(workspace);
    assertEquals(count, s.router.requests(id, outcome), () -> outcome + " counted for metrics");
    assertEquals(0, s.router.requests(id, RequestOutcome.SERVED), "requests counted as served");
  }

  private static void awaitNothingInFlight(Router router, String workspace) {
    WorkspaceId ws = WorkspaceId.of(workspace);
    Await.until(
        "no request in flight on " + workspace,
        () -> router.inFlight(ws) == 0,
        () -> router.inFlight(ws) + " in flight");
  }

  static byte[] request(String host, String target) {
    return ("GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n")
        .getBytes(StandardCharsets.ISO_8859_1);
  }

  private static int closedPort() throws java.io.IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** One test's router server and its HTTP/2 upstreams. */
  private final class Setup {
    final Http2WorkspaceServer.Mode mode;
    final Router router;
    final Map<String, WorkspaceApp> apps = new LinkedHashMap<>();
    final Map<String, Http2WorkspaceServer> servers = new LinkedHashMap<>();
    final Map<WorkspaceId, WorkspaceTarget> targets = new LinkedHashMap<>();
    Duration upstreamTimeout = Duration.ofSeconds(30);
    int port;

    Setup(Http2WorkspaceServer.Mode mode) {
      this(mode, routingTable());
    }

    Setup(Http2WorkspaceServer.Mode mode, RoutingTable table) {
      this.mode = mode;
      this.router = Router.create(table);
    }

    WorkspaceApp app(String name) {
      WorkspaceApp app = apps.get(name);
      if (app == null) {
        throw new IllegalArgumentException("no app named " + name);
      }
      return app;
    }

    Http2WorkspaceServer server(String name) {
      Http2WorkspaceServer server = servers.get(name);
      if (server == null) {
        throw new IllegalArgumentException("no upstream named " + name);
      }
      return server;
    }

    Setup bind(String... names) throws Exception {
      for (String name : names) {
        WorkspaceApp app = WorkspaceApp.named(name);
        apps.put(name, app);
        Http2WorkspaceServer server = Http2WorkspaceServer.start(app, mode);
        resources.push(server);
        servers.put(name, server);
        targets.put(WorkspaceId.of(name), new WorkspaceTarget.Upstream(List.of(server.baseUri())));
      }
      return this;
    }

    Setup bindUpstream(String name, URI baseUri) {
      targets.put(WorkspaceId.of(name), new WorkspaceTarget.Upstream(List.of(baseUri)));
      return this;
    }

    Setup start() throws Exception {
      RouterServerSpec spec =
          new RouterServerSpec(
                  router,
                  targets,
                  null,
                  Duration.ofSeconds(7),
                  upstreamTimeout,
                  false,
                  Transport.HTTP_1_1,
                  null,
                  null)
              .withUpstreamTls(LoopbackTls.clientContext());
      RouterServer server = startRouterServer(spec);
      assertNotNull(server, "startRouterServer returned null");
      resources.push(server::stop);
      port = server.port();
      return this;
    }

    RawConnection connect() throws java.io.IOException {
      RawConnection c = RawConnection.open(port);
      resources.push(c);
      return c;
    }

    RawResponse get(String host, String target) throws java.io.IOException {
      return RawConnection.getOnce(port, host, target);
    }

    RawResponse exchange(String rawRequest) throws java.io.IOException {
      try (RawConnection c = RawConnection.open(port)) {
        return c.exchange(rawRequest);
      }
    }
  }
}
