package dev.switchover.jetty;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchover.testkit.LoopbackTls;
import dev.switchover.DomainStatus;
import dev.switchover.Router;
import dev.switchover.RoutingTable;
import dev.switchover.WorkspaceId;
import dev.switchover.rawhttp.RawConnection;
import dev.switchover.rawhttp.RawResponse;
import dev.switchover.testkit.Await;
import dev.switchover.testkit.JettyWebSocketEcho;
import dev.switchover.testkit.Transport;
import dev.switchover.testkit.WebSocketWorkspaceServer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2;
import org.eclipse.jetty.websocket.core.CloseStatus;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.OpCode;
import org.eclipse.jetty.websocket.core.client.CoreClientUpgradeRequest;
import org.eclipse.jetty.websocket.core.client.WebSocketCoreClient;
import dev.switchover.testkit.WorkspaceApp;
import dev.switchover.testkit.WorkspaceServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.eclipse.jetty.http.HttpCompliance;
import org.eclipse.jetty.proxy.ProxyHandler;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable.InvocationType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What is particular to the Jetty adapter; the shared contract is in {@link JettyConformanceTest}. */
final class SwitchoverHandlerTest {
  private static final String SHOP = "shop.example.com";
  private static final WorkspaceId BLUE = WorkspaceId.of("blue");
  private static final WorkspaceId GREEN = WorkspaceId.of("green");

  private final Deque<AutoCloseable> resources = new ArrayDeque<>();

  @AfterEach
  void closeResources() throws Exception {
    while (!resources.isEmpty()) {
      resources.pop().close();
    }
  }

  @Test
  void start_takesLenientFramingFromEveryHttpConnector_andLeavesTheRestOfItsCompliance()
      throws Exception {
    Server server = new Server();
    HttpConfiguration config = new HttpConfiguration();
    config.setHttpCompliance(
        HttpCompliance.RFC9110.with(
            "lenient",
            HttpCompliance.Violation.MULTILINE_FIELD_VALUE,
            HttpCompliance.Violation.CASE_INSENSITIVE_METHOD));
    ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(config));
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    server.setHandler(SwitchoverHandler.builder(Router.create(table())).handler(BLUE, app("blue")).build());
    server.start();
    try {
      HttpCompliance now = config.getHttpCompliance();
      assertAll(
          () -> assertFalse(now.allows(HttpCompliance.Violation.LF_HEADER_TERMINATION)),
          () -> assertFalse(now.allows(HttpCompliance.Violation.MULTILINE_FIELD_VALUE)),
          () -> assertTrue(now.allows(HttpCompliance.Violation.CASE_INSENSITIVE_METHOD)));
      try (RawConnection c = RawConnection.open(connector.getLocalPort())) {
        RawResponse r = c.exchange("GET /x HTTP/1.1\nHost: " + SHOP + "\n\n");
        assertEquals(400, r.status(), r::toString);
      }
    } finally {
      server.stop();
    }
  }

  @Test
  void builder_badArguments_areRefusedAtOnce() {
    Router router = Router.create(table());
    SwitchoverHandler.Builder b = SwitchoverHandler.builder(router);
    b.handler(BLUE, app("blue"));
    assertAll(
        () -> assertThrows(IllegalStateException.class, () -> b.handler(BLUE, app("again"))),
        () -> assertThrows(
            IllegalStateException.class, () -> b.upstream("blue", URI.create("http://127.0.0.1:1"))),
        () -> assertThrows(IllegalArgumentException.class, () -> b.upstream(GREEN, List.of())),
        () -> assertThrows(
            IllegalArgumentException.class, () -> b.upstream("green", URI.create("ftp://host/"))),
        () -> assertEquals(
            "upstream base URI h2c-prior://host:1 is not valid: the scheme must be h2 or h2c or http or https",
            assertThrows(
                    IllegalArgumentException.class,
                    () -> b.upstream("green", URI.create("h2c-prior://host:1")))
                .getMessage()),
        () -> assertThrows(
            IllegalArgumentException.class, () -> b.upstream("green", URI.create("/relative"))),
        () -> assertThrows(
            IllegalArgumentException.class, () -> b.upstream("green", URI.create("http://h/?q=1"))),
        () -> assertThrows(
            IllegalArgumentException.class, () -> b.upstream("green", URI.create("http://u@h/"))),
        () -> assertThrows(
            IllegalArgumentException.class, () -> b.retryAfter(Duration.ofSeconds(-1))),
        () -> assertThrows(IllegalArgumentException.class, () -> b.upstreamTimeout(Duration.ZERO)));
    b.retryAfter(Duration.ofSeconds(1));
    b.upstreamTimeout(Duration.ofSeconds(1));
    b.dynamic(true);
    b.decodeEncodedSeparators(false);
    b.upstreamTls(LoopbackTls.clientContext());
    assertAll(
        () -> assertThrows(IllegalStateException.class, () -> b.upstreamTls(LoopbackTls.clientContext())),
        () -> assertThrows(IllegalStateException.class, () -> b.retryAfter(Duration.ofSeconds(2))),
        () -> assertThrows(
            IllegalStateException.class, () -> b.upstreamTimeout(Duration.ofSeconds(2))),
        () -> assertThrows(IllegalStateException.class, () -> b.dynamic(false)),
        () -> assertThrows(IllegalStateException.class, () -> b.decodeEncodedSeparators(true)));
  }

  @Test
  void invocationType_isTheCombinationOfItsHandlers_orBlockingWhenDynamic() {
    Router router = Router.create(table());
    Handler blocking =
        new Handler.Abstract() {
          @Override
          public boolean handle(Request request, Response response, Callback callback) {
            callback.succeeded();
            return true;
          }
        };
    SwitchoverHandler nonBlocking =
        SwitchoverHandler.builder(router).handler(BLUE, app("blue")).handler(GREEN, app("green")).build();
    SwitchoverHandler oneBlocking =
        SwitchoverHandler.builder(router).handler(BLUE, app("blue")).handler(GREEN, blocking).build();
    SwitchoverHandler proxying =
        SwitchoverHandler.builder(router)
            .handler(BLUE, app("blue"))
            .upstream("green", URI.create("http://127.0.0.1:1"))
            .build();
    ProxyHandler proxy = proxying.getDescendant(ProxyHandler.class);
    SwitchoverHandler dynamic =
        SwitchoverHandler.builder(router).handler(BLUE, app("blue")).dynamic(true).build();
    assertAll(
        () -> assertEquals(InvocationType.NON_BLOCKING, nonBlocking.getInvocationType()),
        () -> assertEquals(InvocationType.BLOCKING, oneBlocking.getInvocationType()),
        () -> assertEquals(proxy.getInvocationType(), proxying.getInvocationType()),
        () -> assertEquals(InvocationType.BLOCKING, dynamic.getInvocationType()));
  }

  @Test
  void bind_whileStartedAndNotDynamic_isRefused() throws Exception {
    SwitchoverHandler handler =
        SwitchoverHandler.builder(Router.create(table())).handler(BLUE, app("blue")).build();
    start(handler);
    assertThrows(IllegalStateException.class, () -> handler.bind(GREEN, app("green")));
    assertThrows(IllegalStateException.class, () -> handler.unbind(BLUE));
  }

  @Test
  void bind_whileStartedAndDynamic_takesEffectForTheNextRequest() throws Exception {
    Router router = Router.create(table());
    SwitchoverHandler handler =
        SwitchoverHandler.builder(router).handler(BLUE, app("blue")).dynamic(true).build();
    JettyRouterServer server = start(handler);
    assertEquals(503, get(server, "other.example.com", "/").status(), "green is bound to nothing");

    WorkspaceAppHandler greenInProcess = app("green");
    handler.bind(GREEN, greenInProcess);
    assertTrue(greenInProcess.isStarted(), "a handler bound to a running handler is started");
    assertEquals("green", get(server, "other.example.com", "/").workspace());

    WorkspaceServer upstream = upstream("green-upstream");
    handler.bind(GREEN, List.of(upstream.baseUri()));
    assertEquals("green-upstream", get(server, "other.example.com", "/").workspace());
    assertTrue(greenInProcess.isStarted(), "a replaced handler is not stopped under its requests");
    assertFalse(handler.getHandlers().contains(greenInProcess), "nor managed any more");

    assertTrue(handler.unbind(GREEN));
    assertFalse(handler.unbind(GREEN));
    assertEquals(503, get(server, "other.example.com", "/").status());
    assertEquals("blue", get(server, SHOP, "/").workspace());
  }

  @Test
  void inProcessHandlers_startAndStopWithTheServer() throws Exception {
    WorkspaceAppHandler blue = app("blue");
    SwitchoverHandler handler =
        SwitchoverHandler.builder(Router.create(table())).handler(BLUE, blue).build();
    JettyRouterServer server = JettyRouterServer.start(handler);
    assertTrue(blue.isStarted());
    assertSame(server.handler().getServer(), blue.getServer());
    server.stop();
    assertTrue(blue.isStopped());
  }

  @Test
  void workspaceHandler_notHandlingTheRequest_isNotFound() throws Exception {
    Router router = Router.create(table());
    Handler declining =
        new Handler.Abstract.NonBlocking() {
          @Override
          public boolean handle(Request request, Response response, Callback callback) {
            return false;
          }
        };
    JettyRouterServer server =
        start(SwitchoverHandler.builder(router).handler(BLUE, declining).build());
    assertEquals(404, get(server, SHOP, "/").status());
    Await.until("blue drained", () -> router.inFlight(BLUE) == 0, () -> router.inFlight(BLUE) + "");
  }

  @Test
  void retryAfter_withAFraction_isRoundedUpToWholeSeconds() throws Exception {
    Router router =
        Router.create(table().toBuilder().workspace("gray").route(SHOP, "/gray", "gray").build());
    JettyRouterServer server =
        start(
            SwitchoverHandler.builder(router)
                .handler(BLUE, app("blue"))
                .retryAfter(Duration.ofMillis(1500))
                .build());
    RawResponse r = get(server, SHOP, "/gray");
    assertEquals(503, r.status());
    assertEquals("2", r.header("Retry-After"));
  }

  @Test
  void upstream_severalBases_areTakenInTurnWithTheirBasePath() throws Exception {
    WorkspaceServer one = upstream("green-1");
    WorkspaceServer two = upstream("green-2");
    JettyRouterServer server =
        start(
            SwitchoverHandler.builder(Router.create(table()))
                .upstream("green", one.baseUri().resolve("/base/"), two.baseUri())
                .build());
    List<String> served = new ArrayList<>();
    List<String> targets = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      RawResponse r = get(server, "other.example.com", "/x;p?q=" + i);
      assertEquals(200, r.status(), r::toString);
      served.add(r.workspace());
      targets.add(r.echo().get("target"));
    }
    assertEquals(List.of("green-1", "green-2", "green-1", "green-2"), served);
    assertEquals(List.of("/base/x;p?q=0", "/x;p?q=1", "/base/x;p?q=2", "/x;p?q=3"), targets);
  }

  @Test
  void upstream_notAcceptingTheConnectionInTime_isGatewayTimeout() throws Exception {
    try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      // Nothing accepts: once the accept queue is full, the kernel drops further SYNs, so that a
      // connection attempt times out instead of being refused.
      fillAcceptQueue(listener);
      JettyRouterServer server =
          start(
              SwitchoverHandler.builder(Router.create(table()))
                  .upstream("blue", URI.create("http://127.0.0.1:" + listener.getLocalPort()))
                  .upstreamTimeout(Duration.ofMillis(300))
                  .build());
      assertEquals(504, get(server, SHOP, "/x").status());
    }
  }

  private void fillAcceptQueue(ServerSocket listener) throws IOException {
    for (int i = 0; i < 64; i++) {
      Socket socket = new Socket();
      resources.push(socket);
      try {
        socket.connect(listener.getLocalSocketAddress(), 200);
      } catch (SocketTimeoutException full) {
        return;
      }
    }
    throw new AssertionError("the accept queue of " + listener + " never filled up");
  }

  @Test
  void inAContext_routesOnThePathInContext() throws Exception {
    ContextHandler context =
        new ContextHandler(
            SwitchoverHandler.builder(Router.create(table()))
                .handler(BLUE, app("blue"))
                .handler(GREEN, app("green"))
                .build(),
            "/app");
    JettyRouterServer server = start(context);
    RawResponse admin = get(server, SHOP, "/app/admin/x");
    RawResponse root = get(server, SHOP, "/app/x");
    assertAll(
        () -> assertEquals("green", admin.workspace(), admin::toString),
        () -> assertEquals("/admin/x", admin.echo().get("canonical")),
        () -> assertEquals("/app/admin/x", admin.echo().get("target")),
        () -> assertEquals("blue", root.workspace(), root::toString));
  }

  @Test
  void requestWithoutAPathOfTheHost_isNotRoutedToAWorkspace() throws Exception {
    JettyRouterServer server =
        start(SwitchoverHandler.builder(Router.create(table())).handler(BLUE, app("blue")).build());
    for (String request :
        List.of(
            "CONNECT shop.example.com:443 HTTP/1.1\r\nHost: shop.example.com:443\r\n\r\n",
            "OPTIONS * HTTP/1.1\r\nHost: shop.example.com\r\n\r\n")) {
      try (RawConnection c = RawConnection.open(server.port())) {
        RawResponse r = c.exchange(request);
        assertNull(r.workspace(), () -> request + ": " + r);
        assertTrue(r.status() == 400 || r.status() == 404, () -> request + ": " + r);
      }
    }
  }

  /** A handler that replaces Set-Cookie and completes without writing still sends the canary's. */
  @Test
  void canaryCookie_besideAHandlerThatPutsItsOwnAndAnswersWithoutWriting() throws Exception {
    Router router = Router.create(table());
    router.split(dev.switchover.HostName.parse(SHOP), dev.switchover.PathPrefix.ROOT, dev.switchover.Split.of(GREEN, dev.switchover.Split.ALL));
    Handler puts =
        new Handler.Abstract() {
          @Override
          public boolean handle(Request request, Response response, Callback callback) {
            response.getHeaders().put("Set-Cookie", "app=1; Path=/");
            response.setStatus(204);
            callback.succeeded();
            return true;
          }
        };
    JettyRouterServer server = start(SwitchoverHandler.builder(router).handler(GREEN, puts).build());
    RawResponse r = get(server, SHOP, "/");
    assertEquals(204, r.status(), r::toString);
    List<String> cookies = r.headers("Set-Cookie");
    assertTrue(cookies.contains("app=1; Path=/"), cookies::toString);
    assertEquals(1, cookies.stream().filter(c -> c.startsWith("switchover-canary=")).count(), cookies::toString);
  }

  @Test
  void inProcessWebSocket_withoutACloser_isClosedWithItsConnectionWhenTheGraceEnds() throws Exception {
    Router router =
        Router.builder()
            .initialTable(
                RoutingTable.builder()
                    .workspace(BLUE)
                    .workspace(GREEN)
                    .domain("localhost", DomainStatus.VERIFIED)
                    .route("localhost", "/", "blue")
                    .build())
            .longLivedGrace(Duration.ofMillis(300))
            .build();
    Server jetty = new Server();
    // An endpoint that never tells the adapter how to close it.
    Handler silent = JettyWebSocketEcho.handler(jetty, "blue", app("blue"));
    SwitchoverHandler handler = SwitchoverHandler.builder(router).handler(BLUE, silent).handler(GREEN, app("green")).build();
    JettyRouterServer server = JettyRouterServer.start(jetty, handler);
    resources.push(server::stop);
    CompletableFuture<String> ended = new CompletableFuture<>();
    WebSocket ws =
        HttpClient.newHttpClient()
            .newWebSocketBuilder()
            .buildAsync(
                URI.create("ws://localhost:" + server.port() + "/chat"),
                new WebSocket.Listener() {
                  @Override
                  public @Nullable CompletionStage<?> onClose(WebSocket w, int statusCode, String reason) {
                    // 1006 is never sent: the JDK reports a connection that ended without a close frame.
                    ended.complete(statusCode == 1006 ? "connection lost" : "close frame " + statusCode);
                    return null;
                  }

                  @Override
                  public void onError(WebSocket w, Throwable error) {
                    ended.complete("connection lost");
                  }
                })
            .get(30, TimeUnit.SECONDS);
    Await.until("one WebSocket on blue", () -> router.longLived(BLUE) == 1, () -> router.longLived(BLUE) + " open");

    router.promote("localhost", "green");

    assertEquals("connection lost", ended.get(30, TimeUnit.SECONDS), "closed without a close frame");
    router.awaitDrained(BLUE).get(30, TimeUnit.SECONDS);
    assertEquals(0, router.longLived(BLUE));
    ws.abort();
  }

  @Test
  void inProcessWebSocketOverHttp2_isCountedAsLongLived_andClosedWith1001WhenTheGraceEnds() throws Exception {
    webSocketOverHttp2_isCountedAsLongLived_andClosedWith1001WhenTheGraceEnds(false);
  }

  @Test
  void upstreamWebSocketOverHttp2_isBridged_countedAsLongLived_andClosedWith1001WhenTheGraceEnds() throws Exception {
    webSocketOverHttp2_isCountedAsLongLived_andClosedWith1001WhenTheGraceEnds(true);
  }

  private void webSocketOverHttp2_isCountedAsLongLived_andClosedWith1001WhenTheGraceEnds(boolean upstream)
      throws Exception {
    Router router =
        Router.builder()
            .initialTable(
                RoutingTable.builder()
                    .workspace(BLUE)
                    .workspace(GREEN)
                    .domain("localhost", DomainStatus.VERIFIED)
                    .route("localhost", "/", "blue")
                    .build())
            .longLivedGrace(Duration.ofMillis(300))
            .build();
    Server jetty = new Server();
    SwitchoverHandler.Builder builder = SwitchoverHandler.builder(router).handler(GREEN, app("green"));
    if (upstream) {
      WebSocketWorkspaceServer blue = WebSocketWorkspaceServer.start(WorkspaceApp.named("blue"));
      resources.push(blue);
      builder.upstream(BLUE, List.of(blue.baseUri()));
    } else {
      builder.handler(BLUE, JettyWebSocketEcho.handler(jetty, "blue", app("blue"), SwitchoverHandler::closeOnGraceEnd));
    }
    JettyRouterServer server = JettyRouterServer.start(jetty, builder.build(), Transport.H2C);
    resources.push(server::stop);
    WebSocketCoreClient client =
        new WebSocketCoreClient(new org.eclipse.jetty.client.HttpClient(new HttpClientTransportOverHTTP2(new HTTP2Client())), null);
    client.start();
    resources.push(client::stop);
    BlockingQueue<String> texts = new LinkedBlockingQueue<>();
    CompletableFuture<CloseStatus> closed = new CompletableFuture<>();
    FrameHandler endpoint =
        new FrameHandler() {
          private volatile @Nullable CoreSession session;

          @Override
          public void onOpen(CoreSession coreSession, Callback callback) {
            session = coreSession;
            callback.succeeded();
            coreSession.demand();
          }

          @Override
          public void onFrame(Frame frame, Callback callback) {
            if (frame.getOpCode() == OpCode.TEXT) {
              texts.add(frame.getPayloadAsUTF8());
            }
            callback.succeeded();
            CoreSession s = session;
            if (s != null) {
              s.demand();
            }
          }

          @Override
          public void onError(Throwable cause, Callback callback) {
            closed.completeExceptionally(cause);
            callback.succeeded();
          }

          @Override
          public void onClosed(CloseStatus status, Callback callback) {
            closed.complete(status);
            callback.succeeded();
          }
        };
    CoreClientUpgradeRequest upgrade =
        CoreClientUpgradeRequest.from(client, URI.create("ws://localhost:" + server.port() + "/chat"), endpoint);
    upgrade.setVersion(HttpVersion.HTTP_2); // the client speaks only HTTP/2: RFC 8441's extended CONNECT
    CoreSession session = client.connect(upgrade).get(30, TimeUnit.SECONDS);
    session.sendFrame(new Frame(OpCode.TEXT).setPayload("hello"), Callback.NOOP, false);
    assertEquals("blue hello", texts.poll(30, TimeUnit.SECONDS));
    Await.until("one WebSocket on blue", () -> router.longLived(BLUE) == 1, () -> router.longLived(BLUE) + " open");
    assertEquals(0, router.inFlight(BLUE), "counted as long-lived, not as a request in flight");

    router.promote("localhost", "green");

    assertEquals(1001, closed.get(30, TimeUnit.SECONDS).getCode(), "closed with 1001 when the grace ends");
    router.awaitDrained(BLUE).get(30, TimeUnit.SECONDS);
    assertEquals(0, router.longLived(BLUE));
  }

  @Test
  void upstreamEventStream_idleWhenTheGraceEnds_endsCleanlyAndReleasesTheUpstreamExchange() throws Exception {
    try (ServerSocket upstream = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      // One event, then silence: the upstream hears nothing more until the proxy lets it go.
      CompletableFuture<Void> released = new CompletableFuture<>();
      Thread serving =
          new Thread(
              () -> {
                try (Socket exchange = upstream.accept()) {
                  InputStream in = exchange.getInputStream();
                  readHead(in);
                  exchange
                      .getOutputStream()
                      .write(
                          String.join(
                                  "\r\n",
                                  "HTTP/1.1 200 OK",
                                  "Content-Type: text/event-stream",
                                  "Transfer-Encoding: chunked",
                                  "",
                                  "12", // the chunk's size, in hexadecimal: one event
                                  "id: 1\ndata: blue\n\n")
                              .concat("\r\n")
                              .getBytes(StandardCharsets.ISO_8859_1));
                  while (in.read() >= 0) {
                    // nothing more comes from the proxy until it closes the exchange
                  }
                  released.complete(null);
                } catch (IOException e) {
                  released.complete(null); // reset by the proxy: released all the same
                }
              },
              "idle-event-stream-upstream");
      serving.setDaemon(true);
      serving.start();
      Router router = Router.builder().initialTable(table()).longLivedGrace(Duration.ofMillis(200)).build();
      JettyRouterServer server =
          start(
              SwitchoverHandler.builder(router)
                  .upstream("blue", URI.create("http://127.0.0.1:" + upstream.getLocalPort()))
                  .handler(GREEN, app("green"))
                  .build());
      try (Socket client = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
        client.setSoTimeout((int) Await.DEADLINE.toMillis());
        client
            .getOutputStream()
            .write(
                ("GET /events HTTP/1.1\r\nHost: " + SHOP + "\r\nAccept: text/event-stream\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
        InputStream in = client.getInputStream();
        StringBuilder received = new StringBuilder();
        readUntil(in, received, "data: blue\n\n");
        assertEquals(1, router.longLived(BLUE));

        router.promote(SHOP, "green");
        released.get(Await.DEADLINE.toSeconds(), TimeUnit.SECONDS);
        router.awaitDrained(BLUE).get(Await.DEADLINE.toSeconds(), TimeUnit.SECONDS);
        assertEquals(0, router.longLived(BLUE));
        readUntil(in, received, "\r\n0\r\n\r\n"); // the clean end of the chunked body
      }
    }
  }

  /** Reads a request head, up to its blank line. */
  private static void readHead(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    int b;
    while (!head.toString().endsWith("\r\n\r\n") && (b = in.read()) >= 0) {
      head.append((char) b);
    }
  }

  /** Reads into {@code received} until it ends with {@code end}. */
  private static void readUntil(InputStream in, StringBuilder received, String end) throws IOException {
    while (received.indexOf(end) < 0) {
      int b = in.read();
      if (b < 0) {
        throw new AssertionError("the connection ended before " + end.replace("\r", "\\r").replace("\n", "\\n") + ": " + received);
      }
      received.append((char) b);
    }
  }

  private static RoutingTable table() {
    return RoutingTable.builder()
        .workspace("blue")
        .workspace("green")
        .domain(SHOP, DomainStatus.VERIFIED)
        .route(SHOP, "/", "blue")
        .route(SHOP, "/admin", "green")
        .domain("other.example.com", DomainStatus.VERIFIED)
        .route("other.example.com", "/", "green")
        .build();
  }

  private static WorkspaceAppHandler app(String name) {
    return new WorkspaceAppHandler(WorkspaceApp.named(name));
  }

  private WorkspaceServer upstream(String name) throws IOException {
    WorkspaceServer server = WorkspaceServer.start(WorkspaceApp.named(name));
    resources.push(server);
    return server;
  }

  private JettyRouterServer start(Handler handler) throws Exception {
    JettyRouterServer server = JettyRouterServer.start(handler);
    resources.push(server::stop);
    return server;
  }

  private static RawResponse get(JettyRouterServer server, String host, String target)
      throws IOException {
    return RawConnection.getOnce(server.port(), host, target);
  }
}
