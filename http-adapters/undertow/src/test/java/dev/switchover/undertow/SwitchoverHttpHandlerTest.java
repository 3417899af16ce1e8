package dev.switchover.undertow;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
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
import dev.switchover.testkit.WorkspaceApp;
import dev.switchover.testkit.WorkspaceServer;
import io.undertow.Handlers;
import io.undertow.server.HttpHandler;
import io.undertow.websockets.core.AbstractReceiveListener;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import io.undertow.util.Headers;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What is particular to the Undertow adapter; the shared contract is in {@link UndertowConformanceTest}. */
final class SwitchoverHttpHandlerTest {
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
  void builder_badArguments_areRefusedAtOnce() {
    SwitchoverHttpHandler.Builder b = SwitchoverHttpHandler.builder(Router.create(table()));
    b.handler(BLUE, app("blue"));
    assertAll(
        () -> assertThrows(IllegalStateException.class, () -> b.handler(BLUE, app("again"))),
        () -> assertThrows(
            IllegalStateException.class, () -> b.upstream("blue", URI.create("http://127.0.0.1:1"))),
        () -> assertThrows(IllegalArgumentException.class, () -> b.upstream(GREEN, List.of())),
        () -> assertThrows(
            IllegalArgumentException.class, () -> b.upstream("green", URI.create("ftp://host/"))),
        () -> assertEquals(
            "upstream base URI https://host is not valid: the scheme must be h2 or h2c or http",
            assertThrows(
                    IllegalArgumentException.class, () -> b.upstream("green", URI.create("https://host")))
                .getMessage()),
        () -> assertThrows(
            IllegalArgumentException.class, () -> b.upstream("green", URI.create("h2c-prior://host:1"))),
        () -> assertThrows(
            IllegalArgumentException.class, () -> b.upstream("green", URI.create("/relative"))),
        () -> assertThrows(
            IllegalArgumentException.class, () -> b.upstream("green", URI.create("http://h/?q=1"))),
        () -> assertThrows(
            IllegalArgumentException.class, () -> b.retryAfter(Duration.ofSeconds(-1))),
        () -> assertThrows(IllegalArgumentException.class, () -> b.upstreamTimeout(Duration.ZERO)),
        () -> assertThrows(IllegalArgumentException.class, () -> b.connectionsPerThread(0)));
    b.retryAfter(Duration.ofSeconds(1)).upstreamTimeout(Duration.ofSeconds(1)).connectionsPerThread(2);
    b.decodeEncodedSeparators(false);
    b.upstreamTls(LoopbackTls.clientContext());
    assertAll(
        () -> assertThrows(IllegalStateException.class, () -> b.upstreamTls(LoopbackTls.clientContext())),
        () -> assertThrows(IllegalStateException.class, () -> b.decodeEncodedSeparators(true)),
        () -> assertThrows(IllegalStateException.class, () -> b.retryAfter(Duration.ofSeconds(2))),
        () -> assertThrows(
            IllegalStateException.class, () -> b.upstreamTimeout(Duration.ofSeconds(2))),
        () -> assertThrows(IllegalStateException.class, () -> b.connectionsPerThread(3)));
  }

  @Test
  void blockingHandler_runsOffTheIoThreadInBlockingMode() throws Exception {
    List<String> seen = new ArrayList<>();
    HttpHandler blocking =
        exchange -> {
          synchronized (seen) {
            seen.add(exchange.isInIoThread() + " " + exchange.isBlocking());
          }
          byte[] body = exchange.getInputStream().readAllBytes();
          exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain");
          exchange.getOutputStream().write(("read " + body.length).getBytes(StandardCharsets.UTF_8));
        };
    Router router = Router.create(table());
    UndertowRouterServer server =
        start(SwitchoverHttpHandler.builder(router).blockingHandler(BLUE, blocking).build());
    RawResponse r;
    try (RawConnection c = RawConnection.open(server.port())) {
      r = c.exchange(
          "POST /x HTTP/1.1\r\nHost: " + SHOP + "\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc");
    }
    assertEquals(200, r.status(), r::toString);
    assertEquals("read 3", r.bodyText());
    assertEquals(List.of("false true"), seen);
    // the count ends when Undertow completes the exchange, which may be just after the client has
    // the last byte of the answer
    Await.until("blue drained", () -> router.inFlight(BLUE) == 0, () -> router.inFlight(BLUE) + " in flight");
  }

  @Test
  void bind_atRunTime_takesEffectForTheNextRequest() throws Exception {
    Router router = Router.create(table());
    SwitchoverHttpHandler handler =
        SwitchoverHttpHandler.builder(router).handler(BLUE, app("blue")).build();
    UndertowRouterServer server = start(handler);
    assertEquals(503, get(server, "other.example.com", "/").status(), "green is bound to nothing");
    handler.bind(GREEN, app("green"));
    assertEquals("green", get(server, "other.example.com", "/").workspace());
    WorkspaceServer upstream = WorkspaceServer.start(WorkspaceApp.named("green-upstream"));
    resources.push(upstream);
    handler.bind(GREEN, List.of(upstream.baseUri()));
    assertEquals("green-upstream", get(server, "other.example.com", "/").workspace());
    assertTrue(handler.unbind(GREEN));
    assertFalse(handler.unbind(GREEN));
    assertEquals(503, get(server, "other.example.com", "/").status());
  }

  @Test
  void upstream_severalBases_areTakenInTurnWithTheirBasePath() throws Exception {
    WorkspaceServer one = WorkspaceServer.start(WorkspaceApp.named("green-1"));
    resources.push(one);
    WorkspaceServer two = WorkspaceServer.start(WorkspaceApp.named("green-2"));
    resources.push(two);
    UndertowRouterServer server =
        start(
            SwitchoverHttpHandler.builder(Router.create(table()))
                .upstream("green", one.baseUri().resolve("/base"), two.baseUri())
                .build());
    List<String> served = new ArrayList<>();
    List<String> targets = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      RawResponse r = get(server, "other.example.com", "/x?q=" + i);
      assertEquals(200, r.status(), r::toString);
      served.add(r.workspace());
      targets.add(r.echo().getOrDefault("target", "-").replaceFirst("\\?q=\\d", ""));
    }
    assertEquals(2, served.stream().distinct().count(), () -> "both bases served: " + served);
    for (int i = 0; i < 4; i++) {
      assertEquals(served.get(i).equals("green-1") ? "/base/x" : "/x", targets.get(i));
    }
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
    // An endpoint that never tells the adapter how to close it.
    HttpHandler silent =
        Handlers.websocket(
            (exchange, channel) -> {
              channel.getReceiveSetter().set(new AbstractReceiveListener() {});
              channel.resumeReceives();
            });
    SwitchoverHttpHandler handler =
        SwitchoverHttpHandler.builder(router).handler(BLUE, silent).handler(GREEN, app("green")).build();
    UndertowRouterServer server = start(handler);
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

  private static RoutingTable table() {
    return RoutingTable.builder()
        .workspace("blue")
        .workspace("green")
        .domain(SHOP, DomainStatus.VERIFIED)
        .route(SHOP, "/", "blue")
        .domain("other.example.com", DomainStatus.VERIFIED)
        .route("other.example.com", "/", "green")
        .build();
  }

  private static WorkspaceAppHttpHandler app(String name) {
    return new WorkspaceAppHttpHandler(WorkspaceApp.named(name));
  }

  private UndertowRouterServer start(SwitchoverHttpHandler handler) {
    UndertowRouterServer server = UndertowRouterServer.start(handler, handler);
    resources.push(server::stop);
    return server;
  }

  private static RawResponse get(UndertowRouterServer server, String host, String target)
      throws IOException {
    return RawConnection.getOnce(server.port(), host, target);
  }
}
