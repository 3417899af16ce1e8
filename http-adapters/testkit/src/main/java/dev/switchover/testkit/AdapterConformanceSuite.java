package dev.switchover.testkit;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static java.util.Objects.requireNonNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.switchover.CanaryKey;
import dev.switchover.DomainStatus;
import dev.switchover.HostName;
import dev.switchover.PreviewTokens;
import dev.switchover.RequestOutcome;
import dev.switchover.Resolution;
import dev.switchover.Router;
import dev.switchover.RoutingTable;
import dev.switchover.Split;
import dev.switchover.WorkspaceId;
import dev.switchover.rawhttp.RawConnection;
import dev.switchover.rawhttp.RawResponse;
import java.io.IOException;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.ByteBuffer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.stream.Stream;
import org.eclipse.jetty.http.HttpVersion;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The conformance suite every Switchover adapter runs: extend it in the adapter's tests and say,
 * in {@link #startRouterServer}, how to start a server with the adapter in front of the given
 * workspaces. Everything else — the routing table, the workspaces (in process and upstream), the
 * clients — is the suite's. Every scenario runs over real sockets on free loopback ports.
 *
 * <pre>{@code
 * final class JettyConformanceTest extends AdapterConformanceSuite {
 *   @Override
 *   protected RouterServer startRouterServer(RouterServerSpec spec) throws Exception {
 *     return JettyRouterServer.start(spec);
 *   }
 * }
 * }</pre>
 *
 * <p>It covers the adapter contract of ARCHITECTURE.md: routing by host, wildcard, path prefix
 * and preview host; the answers 421 (or the next handler), 404, 503 with {@code Retry-After}, 502
 * (also from an upstream that fails after it accepted the connection: see {@link
 * MisbehavingUpstream}) and 504, and a workspace's own 500 and 503 passed through (and counted as
 * its errors); preview tokens (header, cookie, the token endpoint; forged, expired, other-domain,
 * unbound); requests
 * forwarded unchanged with forwarding headers; hostile requests sent as raw bytes; bodies of
 * several MiB both ways; in-flight accounting that ends on failure and on a client that
 * disconnects mid-request or mid-body; zero downtime under continuous keep-alive load while the
 * domain switches every 20 ms (10 seconds per target kind, or as many as the
 * system property {@value #SOAK_PROPERTY} says); and draining. Tests run one at a time.
 *
 * <p>What the adapter's {@code startRouterServer} does: build its handler from {@link
 * RouterServerSpec#router()}; bind each workspace of {@link RouterServerSpec#targets()} — an
 * {@link WorkspaceTarget.Upstream} to its base URIs, an {@link WorkspaceTarget.InProcess} to a
 * small bridge from the adapter's in-process handler type to {@link WorkspaceApp#serve} (the
 * bridge passes the server's parsed host and canonical path in {@link AppRequest}, and writes
 * the {@link AppResponse} when its future completes); hand unknown hosts to the bridged {@link
 * RouterServerSpec#unknownHostApp()} if there is one; set the {@code Retry-After} and upstream
 * timeout; and listen on a free port of 127.0.0.1.
 */
public abstract class AdapterConformanceSuite {
  /** System property: how many seconds the zero-downtime scenario runs per target kind. */
  public static final String SOAK_PROPERTY = "switchover.soak.seconds";

  private static final Logger log = LoggerFactory.getLogger(AdapterConformanceSuite.class);

  static final String SHOP = "shop.example.com";
  static final String OTHER = "other.example.com";
  static final String BLUE = "blue";
  static final String GREEN = "green";
  static final String GRAY = "gray";
  static final String WEBSOCKET_HOST = "localhost";
  static final int RETRY_AFTER_SECONDS = 7;
  private static final long PACKET_PAUSE_MILLIS = 50;
  private static final byte[] PREVIEW_KEY = "the conformance suite's preview key".getBytes(StandardCharsets.UTF_8);
  private static final PreviewTokens PREVIEWS = PreviewTokens.builder().signingKey("suite", PREVIEW_KEY).build();

  private final Deque<AutoCloseable> resources = new ArrayDeque<>();

  /** For subclasses: an adapter's test class. */
  protected AdapterConformanceSuite() {}

  /**
   * Starts a server on a free port of 127.0.0.1 with the adapter under test in front of the
   * workspaces that {@code spec} describes, and returns once it accepts connections.
   */
  protected abstract RouterServer startRouterServer(RouterServerSpec spec) throws Exception;

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

  // ---------------------------------------------------------------- routing

  @ParameterizedTest
  @EnumSource(TargetKind.class)
  void host_eachRoutedHost_reachesItsWorkspace(TargetKind kind) throws Exception {
    Scenario s = scenario(kind, routingTable()).bind(BLUE, GREEN).start();
    assertAll(
        () -> assertServedBy(s, SHOP, "/", BLUE),
        () -> assertServedBy(s, OTHER, "/", GREEN),
        () -> assertServedBy(s, "Other.Example.COM", "/x", GREEN));
  }

  @ParameterizedTest
  @EnumSource(TargetKind.class)
  void wildcard_oneExtraLabel_matchesAndAnExactHostWins(TargetKind kind) throws Exception {
    Scenario s = scenario(kind, routingTable()).bind(BLUE, GREEN).start();
    assertAll(
        () -> assertServedBy(s, "y.apps.example.com", "/", GREEN),
        () -> assertServedBy(s, "x.apps.example.com", "/", BLUE),
        () -> assertStatus(s, "apps.example.com", "/", 421),
        () -> assertStatus(s, "a.b.apps.example.com", "/", 421));
  }

  @ParameterizedTest
  @EnumSource(TargetKind.class)
  void pathPrefix_longestOnSegmentBoundaries_wins(TargetKind kind) throws Exception {
    Scenario s = scenario(kind, routingTable()).bind(BLUE, GREEN).start();
    assertAll(
        () -> assertServedBy(s, SHOP, "/", BLUE),
        () -> assertServedBy(s, SHOP, "/api", GREEN),
        () -> assertServedBy(s, SHOP, "/api/", GREEN),
        () -> assertServedBy(s, SHOP, "/api/orders", GREEN),
        () -> assertServedBy(s, SHOP, "/apix", BLUE),
        () -> assertServedBy(s, SHOP, "/api/v2", BLUE),
        () -> assertServedBy(s, SHOP, "/api/v2/orders?x=1", BLUE),
        () -> assertServedBy(s, SHOP, "/api/v22", GREEN));
  }

  @ParameterizedTest
  @EnumSource(TargetKind.class)
  void previewHost_underTheSuffix_reachesItsWorkspace(TargetKind kind) throws Exception {
    Scenario s = scenario(kind, routingTable()).bind(BLUE, GREEN).start();
    assertAll(
        () -> assertServedBy(s, "green.preview.localhost", "/anything", GREEN),
        () -> assertServedBy(s, "blue.preview.localhost:8080", "/", BLUE),
        () -> assertStatus(s, "red.preview.localhost", "/", 421));
  }

  @Test
  void unknownHost_withoutNextHandler_isMisdirected() throws Exception {
    Scenario s = scenario(TargetKind.IN_PROCESS, routingTable()).bind(BLUE, GREEN).start();
    assertStatus(s, "unknown.example.org", "/", 421);
    assertStatus(s, "localhost", "/", 421);
  }

  @Test
  void unknownHost_withNextHandler_fallsThroughToIt() throws Exception {
    WorkspaceApp fallback = WorkspaceApp.named("fallback");
    Scenario s =
        scenario(TargetKind.IN_PROCESS, routingTable())
            .bind(BLUE, GREEN)
            .unknownHostApp(fallback)
            .start();
    assertServedBy(s, "unknown.example.org", "/x", "fallback");
    assertServedBy(s, SHOP, "/", BLUE);
  }

  @Test
  void knownHost_withoutMatchingRoute_isNotFound() throws Exception {
    Scenario s = scenario(TargetKind.IN_PROCESS, routingTable()).bind(BLUE, GREEN).start();
    assertStatus(s, "api-only.example.com", "/other", 404);
    assertStatus(s, "api-only.example.com", "/apix", 404);
    assertServedBy(s, "api-only.example.com", "/api/x", BLUE);
  }

  @Test
  void workspaceBoundToNothing_isUnavailableWithRetryAfter() throws Exception {
    Scenario s = scenario(TargetKind.IN_PROCESS, routingTable()).bind(BLUE, GREEN).start();
    RawResponse r = s.get("down.example.com", "/x");
    assertEquals(503, r.status(), () -> "down.example.com is routed to unbound gray: " + r);
    assertEquals(Integer.toString(RETRY_AFTER_SECONDS), r.header("Retry-After"), r::toString);
    awaitNothingInFlight(s.router, GRAY);
    assertEquals(1, s.router.requests(WorkspaceId.of(GRAY), RequestOutcome.UNAVAILABLE), "the 503 is counted for metrics");
    assertEquals(0, s.router.requests(WorkspaceId.of(GRAY), RequestOutcome.SERVED));
  }

  // ---------------------------------------------------------------- upstream answers

  @Test
  void upstream_refusingConnections_isBadGateway() throws Exception {
    URI closed = URI.create("http://127.0.0.1:" + closedPort());
    Scenario s =
        scenario(TargetKind.UPSTREAM, routingTable()).bind(GREEN).bindUpstream(BLUE, closed).start();
    RawResponse r = s.get(SHOP, "/x");
    assertEquals(502, r.status(), () -> "blue's upstream refuses connections: " + r);
    awaitNothingInFlight(s.router, BLUE);
    assertCounted(s, BLUE, RequestOutcome.BAD_GATEWAY, 1);
    assertServedBy(s, OTHER, "/", GREEN);
  }

  @Test
  void upstream_answeringTooSlowly_isGatewayTimeout() throws Exception {
    Scenario s =
        scenario(TargetKind.UPSTREAM, routingTable())
            .bind(BLUE, GREEN)
            .upstreamTimeout(Duration.ofMillis(500))
            .start();
    Gate never = s.app(BLUE).gate("never");
    try {
      for (String method : List.of("GET", "POST")) {
        RawResponse r = s.exchange(smallRequest(method, SHOP, "/x?hold=never"));
        assertEquals(
            504, r.status(), () -> "blue holds the " + method + " past the timeout: " + r);
        awaitNothingInFlight(s.router, BLUE);
      }
      assertCounted(s, BLUE, RequestOutcome.GATEWAY_TIMEOUT, 2);
    } finally {
      never.open();
    }
  }

  @Test
  void upstream_closingMidRequestBody_isBadGateway() throws Exception {
    MisbehavingUpstream upstream =
        misbehaving(MisbehavingUpstream.Misbehaviour.CLOSE_MID_REQUEST_BODY);
    Scenario s =
        scenario(TargetKind.UPSTREAM, routingTable())
            .bind(GREEN)
            .bindUpstream(BLUE, upstream.baseUri())
            .start();
    RawResponse r;
    try (RawConnection c = RawConnection.open(s.port)) {
      r = c.exchangeWhileUploading(
          "POST /upload HTTP/1.1\r\nHost: " + SHOP
              + "\r\nContent-Type: application/octet-stream\r\nContent-Length: 4194304"
              + "\r\nConnection: close\r\n\r\n",
          4 * 1024 * 1024);
    }
    assertEquals(502, r.status(), () -> "blue's upstream closed after part of the body: " + r);
    assertTrue(upstream.requestHeads() > 0, "the request reached the upstream");
    awaitNothingInFlight(s.router, BLUE);
    assertCounted(s, BLUE, RequestOutcome.BAD_GATEWAY, 1);
    assertServedBy(s, OTHER, "/", GREEN);
  }

  @Test
  void upstream_closingWithoutAnswer_isBadGateway() throws Exception {
    assertBadGateway(MisbehavingUpstream.Misbehaviour.CLOSE_WITHOUT_ANSWER);
  }

  @Test
  void upstream_resettingMidResponseHead_isBadGateway() throws Exception {
    assertBadGateway(MisbehavingUpstream.Misbehaviour.RESET_MID_RESPONSE_HEAD);
  }

  @Test
  void upstream_answeringAMalformedHead_isBadGateway() throws Exception {
    assertBadGateway(MisbehavingUpstream.Misbehaviour.MALFORMED_RESPONSE_HEAD);
  }

  /** GET and POST to an upstream that reads the request and then fails as told: 502 each. */
  private void assertBadGateway(MisbehavingUpstream.Misbehaviour misbehaviour) throws Exception {
    MisbehavingUpstream upstream = misbehaving(misbehaviour);
    Scenario s =
        scenario(TargetKind.UPSTREAM, routingTable())
            .bind(GREEN)
            .bindUpstream(BLUE, upstream.baseUri())
            .start();
    for (String method : List.of("GET", "POST")) {
      int before = upstream.requestHeads();
      RawResponse r = s.exchange(smallRequest(method, SHOP, "/x"));
      assertEquals(502, r.status(), () -> method + ", upstream fails with " + misbehaviour + ": " + r);
      assertTrue(
          upstream.requestHeads() > before, () -> "the " + method + " reached the upstream");
      awaitNothingInFlight(s.router, BLUE);
    }
    assertCounted(s, BLUE, RequestOutcome.BAD_GATEWAY, 2);
    assertServedBy(s, OTHER, "/", GREEN);
  }

  @ParameterizedTest
  @EnumSource(TargetKind.class)
  void workspaceAnsweringAnError_isPassedThroughUnchanged(TargetKind kind) throws Exception {
    Scenario s = scenario(kind, routingTable()).bind(BLUE, GREEN).start();
    for (int status : List.of(503, 500)) {
      RawResponse r = s.exchange(smallRequest("POST", SHOP, "/x?status=" + status));
      assertEquals(status, r.status(), () -> "blue itself answered " + status + ": " + r);
      assertEquals(BLUE, r.workspace(), () -> "blue's own answer: " + r);
      assertEquals(
          "/x?status=" + status, r.echo().get("target"), () -> "blue's own body: " + r.bodyText());
      // Without a body, the answer looks like one a proxy makes up: it must still pass unchanged.
      RawResponse empty = s.get(SHOP, "/x?empty&status=" + status);
      assertEquals(status, empty.status(), () -> "blue itself answered an empty " + status + ": " + empty);
      assertEquals(BLUE, empty.workspace(), () -> "blue's own empty answer: " + empty);
      assertEquals(0, empty.body().length, () -> "blue's own empty answer: " + empty);
      awaitNothingInFlight(s.router, BLUE);
    }
  }

  // ---------------------------------------------------------------- preview tokens

  @ParameterizedTest
  @EnumSource(TargetKind.class)
  void previewToken_valid_routesToItsWorkspaceOnTheProductionDomain(TargetKind kind) throws Exception {
    Scenario s = scenario(kind, routingTable()).bind(BLUE, GREEN).previews().start();
    String token = PREVIEWS.mint(SHOP, GREEN, Duration.ofHours(1));
    assertEquals(GREEN, withHeader(s, SHOP, "/x", "Switchover-Preview: " + token).workspace(), "by header");
    assertEquals(GREEN, withHeader(s, SHOP, "/x", "Cookie: a=1; switchover-preview=" + token).workspace(), "by cookie");
    assertEquals(GREEN, withHeader(s, SHOP, "/api/v2/x", "Switchover-Preview: " + token).workspace(), "on every route of the domain");
    assertServedBy(s, SHOP, "/x", BLUE); // without a token: production
    awaitNothingInFlight(s.router, GREEN);
    assertEquals(3, s.router.requests(WorkspaceId.of(GREEN), RequestOutcome.SERVED), "counted on green");
  }

  /** Over HTTP/2 a browser may send each cookie in a field of its own: the token is found in any. */
  @ParameterizedTest
  @EnumSource(TargetKind.class)
  void previewToken_inALaterCookieFieldOverHttp2_routesToItsWorkspace(TargetKind kind) throws Exception {
    Scenario s = scenario(kind, routingTable()).bind(BLUE, GREEN).previews().transport(Transport.H2C).start();
    String token = PREVIEWS.mint(SHOP, GREEN, Duration.ofHours(1));
    RawH2.Outcome outcome =
        RawH2.exchange(s.port, h2Get(":authority", SHOP, "cookie", "a=1", "cookie", "switchover-preview=" + token, "cookie", "b=2"));
    assertEquals(200, outcome.status(), outcome::toString);
    assertEquals(GREEN, outcome.workspace(), outcome::toString);
  }

  @Test
  void previewToken_forgedExpiredOrForAnotherDomain_isIgnored() throws Exception {
    Scenario s = scenario(TargetKind.IN_PROCESS, routingTable()).bind(BLUE, GREEN).previews().start();
    String token = PREVIEWS.mint(SHOP, GREEN, Duration.ofHours(1));
    String forged = token.substring(0, token.length() - 2) + (token.endsWith("AA") ? "BB" : "AA");
    String expired =
        PreviewTokens.builder()
            .signingKey("suite", PREVIEW_KEY)
            .clock(Clock.fixed(Instant.now().minus(Duration.ofHours(2)), ZoneOffset.UTC))
            .build()
            .mint(SHOP, GREEN, Duration.ofHours(1));
    String otherDomain = PREVIEWS.mint(OTHER, BLUE, Duration.ofHours(1));
    for (String bad : List.of(forged, expired, otherDomain, "not-a-token")) {
      RawResponse r = withHeader(s, SHOP, "/x", "Switchover-Preview: " + bad);
      assertEquals(200, r.status(), r::toString);
      assertEquals(BLUE, r.workspace(), () -> "routed as any request: " + bad);
    }
    assertEquals(421, withHeader(s, "unknown.example.org", "/", "Switchover-Preview: " + token).status());
  }

  @Test
  void previewToken_forAWorkspaceBoundToNothing_isUnavailable_neverProduction() throws Exception {
    Scenario s = scenario(TargetKind.IN_PROCESS, routingTable()).bind(BLUE, GREEN).previews().start();
    for (String workspace : List.of(GRAY, "red")) {
      String token = PREVIEWS.mint(SHOP, workspace, Duration.ofHours(1));
      RawResponse r = withHeader(s, SHOP, "/x", "Switchover-Preview: " + token);
      assertEquals(503, r.status(), () -> workspace + " is bound to nothing: " + r);
      assertEquals(Integer.toString(RETRY_AFTER_SECONDS), r.header("Retry-After"), r::toString);
    }
  }

  @Test
  void previewEndpoint_setsTheCookieForAValidTokenOnly() throws Exception {
    Scenario s = scenario(TargetKind.IN_PROCESS, routingTable()).bind(BLUE, GREEN).previews().start();
    String token = PREVIEWS.mint(SHOP, GREEN, Duration.ofHours(1));
    RawResponse set = s.get(SHOP, "/.well-known/switchover-preview?token=" + token);
    assertEquals(303, set.status(), set::toString);
    assertEquals("/", set.header("Location"));
    String cookie = String.valueOf(set.header("Set-Cookie"));
    assertTrue(cookie.startsWith("switchover-preview=" + token + "; Path=/; HttpOnly; SameSite=Lax"), cookie);
    RawResponse refused = s.get(OTHER, "/.well-known/switchover-preview?token=" + token);
    assertEquals(403, refused.status(), "a token for another domain: " + refused);
    assertEquals(null, refused.header("Set-Cookie"));
    RawResponse end = s.get(SHOP, "/.well-known/switchover-preview?end");
    assertEquals(303, end.status(), end::toString);
    assertTrue(String.valueOf(end.header("Set-Cookie")).endsWith("Max-Age=0"), end::toString);
  }

  /** The value of the canary cookie a response sets, or null if it sets none. */
  private static @Nullable String canaryCookie(RawResponse r) {
    long fields = r.headers("Set-Cookie").stream().filter(f -> f.startsWith(CanaryKey.DEFAULT_COOKIE + "=")).count();
    assertTrue(fields <= 1, () -> "one canary cookie at most: " + r.headers("Set-Cookie"));
    for (String field : r.headers("Set-Cookie")) {
      if (field.startsWith(CanaryKey.DEFAULT_COOKIE + "=")) {
        int end = field.indexOf(';');
        assertTrue(field.contains("; Path=/") && field.contains("; HttpOnly"), () -> "a host-wide, HttpOnly cookie: " + field);
        return field.substring(CanaryKey.DEFAULT_COOKIE.length() + 1, end < 0 ? field.length() : end);
      }
    }
    return null;
  }

  private static String sideOf(String stickyKey, int basisPoints) {
    return Split.of(WorkspaceId.of(GREEN), basisPoints).choosesCanary(stickyKey) ? GREEN : BLUE;
  }

  /**
   * A split route: a client's first request gets a canary cookie and the side its key falls on;
   * with the cookie, every later request takes the same side and gets no new cookie.
   */
  @ParameterizedTest
  @EnumSource(TargetKind.class)
  void canary_splitRoute_setsACookieThatKeepsTheClientOnItsSide(TargetKind kind) throws Exception {
    Scenario s = scenario(kind, switchTable()).bind(BLUE, GREEN).start();
    s.router.split(HostName.parse(SHOP), Split.of(WorkspaceId.of(GREEN), 5000));
    Set<String> sides = new HashSet<>();
    for (int client = 0; client < 20; client++) {
      RawResponse first = s.get(SHOP, "/x");
      String key = canaryCookie(first);
      assertNotNull(key, () -> "a first request to a split route gets a canary cookie: " + first);
      String side = sideOf(key, 5000);
      assertEquals(side, first.workspace(), first::toString);
      sides.add(side);
      for (int i = 0; i < 3; i++) {
        RawResponse next = withHeader(s, SHOP, "/x", "Cookie: a=1; " + CanaryKey.DEFAULT_COOKIE + "=" + key + "; b=2");
        assertEquals(side, next.workspace(), next::toString);
        assertNull(canaryCookie(next), next::toString);
      }
    }
    assertEquals(Set.of(BLUE, GREEN), sides, "20 clients at 50% reach both sides");
    awaitNothingInFlight(s.router, GREEN);
    awaitNothingInFlight(s.router, BLUE);
  }

  /** Without a split, no request is given a cookie. */
  @ParameterizedTest
  @EnumSource(TargetKind.class)
  void canary_routeWithoutSplit_setsNoCookie(TargetKind kind) throws Exception {
    Scenario s = scenario(kind, switchTable()).bind(BLUE, GREEN).start();
    RawResponse r = s.get(SHOP, "/x");
    assertEquals(BLUE, r.workspace(), r::toString);
    assertEquals(List.of(), r.headers("Set-Cookie"), r::toString);
  }

  /** The workspace's own cookies reach the client beside the canary cookie. */
  @ParameterizedTest
  @EnumSource(TargetKind.class)
  void canary_workspacesOwnCookie_isKeptBesideIt(TargetKind kind) throws Exception {
    Scenario s = scenario(kind, switchTable()).bind(BLUE, GREEN).start();
    s.router.split(HostName.parse(SHOP), Split.of(WorkspaceId.of(GREEN), 5000));
    RawResponse r = s.get(SHOP, "/x?set-cookie=session");
    assertNotNull(canaryCookie(r), () -> r + " " + r.headers("Set-Cookie"));
    // a proxy may respell the attributes ("session=from-app;Path=/")
    assertTrue(
        r.headers("Set-Cookie").stream().anyMatch(c -> c.startsWith("session=from-app;")),
        () -> r + " " + r.headers("Set-Cookie"));
  }

  /** Keyed by a header: each user keeps a side, and no cookie is set. */
  @Test
  void canary_headerKey_keepsEachUserOnTheSideOfTheirHeader() throws Exception {
    Scenario s = scenario(TargetKind.IN_PROCESS, switchTable()).bind(BLUE, GREEN).canaryKey(CanaryKey.header("X-User-Id")).start();
    s.router.split(HostName.parse(SHOP), Split.of(WorkspaceId.of(GREEN), 3000));
    for (int user = 0; user < 40; user++) {
      String id = "user-" + user;
      for (int i = 0; i < 2; i++) {
        RawResponse r = withHeader(s, SHOP, "/x", "x-user-ID: " + id);
        assertEquals(sideOf(id, 3000), r.workspace(), () -> id + ": " + r);
        assertEquals(List.of(), r.headers("Set-Cookie"), r::toString);
      }
    }
  }

  /** Keyed by the client's address: every request from loopback takes the side of its address. */
  @Test
  void canary_clientAddressKey_keepsTheClientOnTheSideOfItsAddress() throws Exception {
    Scenario s = scenario(TargetKind.IN_PROCESS, switchTable()).bind(BLUE, GREEN).canaryKey(CanaryKey.clientAddress()).start();
    s.router.split(HostName.parse(SHOP), Split.of(WorkspaceId.of(GREEN), 5000));
    for (int i = 0; i < 10; i++) {
      RawResponse r = s.get(SHOP, "/x");
      assertEquals(sideOf("127.0.0.1", 5000), r.workspace(), r::toString);
      assertEquals(List.of(), r.headers("Set-Cookie"), r::toString);
    }
  }

  /**
   * 10% over 1,000 new clients through the adapter: the canary's count is binomial (sd ~ 9.5);
   * six standard deviations either side fails a correct adapter about once in 500 million runs.
   * Then raising the weight to 50% moves only clients of blue.
   */
  @Test
  void canary_tenPercentOfNewClients_landsWithinBinomialBounds_andRaisingItMovesOnlyBlueClients() throws Exception {
    Scenario s = scenario(TargetKind.IN_PROCESS, switchTable()).bind(BLUE, GREEN).start();
    HostName shop = HostName.parse(SHOP);
    s.router.split(shop, Split.ofPercent(WorkspaceId.of(GREEN), 10));
    int n = 1000;
    List<String> keys = new ArrayList<>();
    int green = 0;
    for (int i = 0; i < n; i++) {
      RawResponse r = s.get(SHOP, "/x");
      keys.add(requireNonNull(canaryCookie(r), r::toString));
      green += GREEN.equals(r.workspace()) ? 1 : 0;
    }
    double sd = Math.sqrt(n * 0.1 * 0.9);
    int greenAt10 = green;
    assertTrue(Math.abs(green - n * 0.1) < 6 * sd, () -> "green took " + greenAt10 + " of " + n + " at 10%");
    s.router.split(shop, Split.ofPercent(WorkspaceId.of(GREEN), 50));
    for (String key : keys.subList(0, 300)) {
      RawResponse r = withHeader(s, SHOP, "/x", "Cookie: " + CanaryKey.DEFAULT_COOKIE + "=" + key);
      if (Split.of(WorkspaceId.of(GREEN), 1000).choosesCanary(key)) {
        assertEquals(GREEN, r.workspace(), () -> "a green client stays green: " + r);
      }
      assertEquals(sideOf(key, 5000), r.workspace(), r::toString);
    }
  }

  private static RawResponse withHeader(Scenario s, String host, String target, String header) throws IOException {
    return s.exchange("GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\n" + header + "\r\nConnection: close\r\n\r\n");
  }

  @ParameterizedTest
  @EnumSource(TargetKind.class)
  void workspaceAnsweringAServerError_isCountedAsItsError(TargetKind kind) throws Exception {
    Scenario s = scenario(kind, routingTable()).bind(BLUE, GREEN).start();
    for (String query : List.of("status=500", "status=503&empty", "status=404", "status=200")) {
      RawResponse r = s.get(SHOP, "/x?" + query);
      assertEquals(BLUE, r.workspace(), () -> "blue's own answer: " + r);
    }
    awaitNothingInFlight(s.router, BLUE);
    WorkspaceId blue = WorkspaceId.of(BLUE);
    assertEquals(2, s.router.requests(blue, RequestOutcome.WORKSPACE_ERROR), "blue's 500 and 503, for guards");
    assertEquals(2, s.router.requests(blue, RequestOutcome.SERVED), "blue's 404 and 200");
    assertEquals(0, s.router.requests(blue, RequestOutcome.BAD_GATEWAY));
  }

  @ParameterizedTest
  @EnumSource(TargetKind.class)
  void request_reachesTheWorkspaceUnchangedWithForwardingHeaders(TargetKind kind)
      throws Exception {
    Scenario s = scenario(kind, routingTable()).bind(BLUE, GREEN).start();
    String host = "Shop.Example.COM:" + s.port;
    String target = "/a/b;p=1/c%20d?x=%20y&z&q=%2F";
    RawResponse r =
        s.exchange(
            "POST " + target + " HTTP/1.1\r\nHost: " + host
                + "\r\nForwarded: for=192.0.2.1\r\nVia: 1.0 edge\r\nX-Forwarded-For: 192.0.2.1"
                + "\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: evil.example.net"
                + "\r\nX-Forwarded-Port: 1\r\nX-Forwarded-Server: evil"
                + "\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
    assertEquals(200, r.status(), r::toString);
    Map<String, String> echo = r.echo();
    assertAll(
        () -> assertEquals(BLUE, r.workspace()),
        () -> assertEquals("POST", echo.get("method")),
        () -> assertEquals(target, echo.get("target"), "the raw target, unchanged"),
        () -> assertEquals(host, echo.get("host"), "the client's Host, preserved"),
        () -> assertEquals("5", echo.get("body-length")));
    if (kind == TargetKind.UPSTREAM) {
      // One format in every adapter: this hop appended to what the client sent, the rest replaced.
      assertAll(
          () -> assertEquals(
              "for=192.0.2.1, for=127.0.0.1;host=\"" + host + "\";proto=http", echo.get("forwarded")),
          () -> assertEquals("1.0 edge, 1.1 switchover", echo.get("via")),
          () -> assertEquals("192.0.2.1,127.0.0.1", echo.get("x-forwarded-for")),
          () -> assertEquals("http", echo.get("x-forwarded-proto")),
          () -> assertEquals(host, echo.get("x-forwarded-host")),
          () -> assertEquals(Integer.toString(s.port), echo.get("x-forwarded-port")),
          () -> assertEquals("switchover", echo.get("x-forwarded-server")));
    }
  }

  @ParameterizedTest
  @EnumSource(TargetKind.class)
  void body_ofSeveralMebibytes_roundTripsByteForByte(TargetKind kind) throws Exception {
    Scenario s = scenario(kind, routingTable()).bind(BLUE, GREEN).start();
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
      assertArrayEquals(body, r.body(), "the body, byte for byte");
    }
    awaitNothingInFlight(s.router, BLUE);
  }

  // ---------------------------------------------------------------- in-flight accounting

  @ParameterizedTest
  @EnumSource(TargetKind.class)
  void failingWorkspace_isAnErrorAndEndsItsInFlightCount(TargetKind kind) throws Exception {
    Scenario s = scenario(kind, routingTable()).bind(BLUE, GREEN).start();
    for (String fail : List.of("sync", "async")) {
      RawResponse r = s.get(SHOP, "/x?fail=" + fail);
      assertEquals(500, r.status(), () -> "fail=" + fail + ": " + r);
    }
    awaitNothingInFlight(s.router, BLUE);
    assertServedBy(s, SHOP, "/", BLUE);
  }

  @ParameterizedTest
  @EnumSource(TargetKind.class)
  void clientDisconnecting_midRequest_endsItsInFlightCount(TargetKind kind) throws Exception {
    Scenario s = scenario(kind, routingTable()).bind(BLUE, GREEN).start();
    Gate gate = s.app(BLUE).gate("abandoned");
    try (RawConnection c = s.connect()) {
      c.send(request(SHOP, "/x?hold=abandoned"));
      gate.awaitArrivals(1);
      assertEquals(1, s.router.inFlight(WorkspaceId.of(BLUE)));
    }
    gate.open();
    awaitNothingInFlight(s.router, BLUE);
  }

  @ParameterizedTest
  @EnumSource(TargetKind.class)
  void clientDisconnecting_midBody_endsItsInFlightCount(TargetKind kind) throws Exception {
    Scenario s = scenario(kind, routingTable()).bind(BLUE, GREEN).start();
    WorkspaceId blue = WorkspaceId.of(BLUE);
    try (RawConnection c = s.connect()) {
      c.send(
          ("POST /upload?echo HTTP/1.1\r\nHost: " + SHOP
                  + "\r\nContent-Type: application/octet-stream\r\nContent-Length: 4194304\r\n\r\n")
              .getBytes(StandardCharsets.ISO_8859_1));
      c.send(new byte[256 * 1024]);
      Await.until(
          "the upload admitted on blue",
          () -> s.router.inFlight(blue) == 1,
          () -> s.router.inFlight(blue) + " in flight");
    }
    awaitNothingInFlight(s.router, BLUE);
    assertServedBy(s, SHOP, "/after", BLUE);
  }

  /**
   * A client that goes away while a long answer is written to it: the request ends, and it is not
   * counted as a failure of the workspace (or its upstream), which a release guard would read as
   * the new version failing.
   */
  @ParameterizedTest
  @EnumSource(TargetKind.class)
  void clientDisconnecting_midAnswer_isNotCountedAgainstTheWorkspace(TargetKind kind) throws Exception {
    Scenario s = scenario(kind, routingTable()).bind(BLUE, GREEN).start();
    WorkspaceId blue = WorkspaceId.of(BLUE);
    int length = 8 * 1024 * 1024;
    for (int i = 0; i < 3; i++) {
      try (java.net.Socket socket = new java.net.Socket(InetAddress.getLoopbackAddress(), s.port)) {
        socket.setSoTimeout((int) Await.DEADLINE.toMillis());
        java.io.OutputStream out = socket.getOutputStream();
        out.write(("POST /download?echo HTTP/1.1\r\nHost: " + SHOP
                + "\r\nContent-Type: application/octet-stream\r\nContent-Length: " + length + "\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1));
        out.write(new byte[length]);
        out.flush();
        byte[] some = socket.getInputStream().readNBytes(64 * 1024);
        assertEquals(64 * 1024, some.length, "the start of the answer");
        socket.setSoLinger(true, 0); // a reset, as a browser cancelling a download may send
      }
    }
    String defect = knownDefects().get("clientDisconnecting_midAnswer/" + kind);
    if (defect != null) {
      // Known and documented: the suite checks it is still so, and fails once it is fixed (the
      // other adapters end such a request within milliseconds).
      Thread.sleep(2000);
      assertTrue(s.router.inFlight(blue) > 0, () -> "fixed, remove it from knownDefects(): " + defect);
      return;
    }
    awaitNothingInFlight(s.router, BLUE);
    for (RequestOutcome failure :
        List.of(RequestOutcome.BAD_GATEWAY, RequestOutcome.GATEWAY_TIMEOUT, RequestOutcome.WORKSPACE_ERROR)) {
      assertEquals(0, s.router.requests(blue, failure), () -> failure + " counted for a client that went away");
    }
    assertServedBy(s, SHOP, "/after", BLUE);
  }

  // ---------------------------------------------------------------- hostile requests

  @ParameterizedTest
  @EnumSource(TargetKind.class)
  void hostileHost_getsTheOneAnswerEveryAdapterGives(TargetKind kind) throws Exception {
    assertHostile(kind, HostileRequest.hosts());
  }

  @ParameterizedTest
  @EnumSource(TargetKind.class)
  void hostilePath_getsTheOneAnswerEveryAdapterGives(TargetKind kind) throws Exception {
    assertHostile(kind, HostileRequest.paths());
  }

  @ParameterizedTest
  @EnumSource(TargetKind.class)
  void ambiguousFraming_isRefusedByEveryAdapter(TargetKind kind) throws Exception {
    assertHostile(kind, HostileRequest.framings());
  }

  @Test
  void framing_reachesTheUpstreamWholeOrNeverComplete() throws Exception {
    RecordingUpstream upstream = RecordingUpstream.start();
    resources.push(upstream);
    Scenario s =
        scenario(TargetKind.UPSTREAM, routingTable())
            .bind(GREEN)
            .bindUpstream(BLUE, upstream.baseUri())
            .start();
    List<FramingCase> cases = FramingCase.all();
    Map<String, String> lenient = serverLeniencies();
    List<String> wrong = new ArrayList<>();
    for (int i = 0; i < cases.size(); i++) {
      FramingCase c = cases.get(i);
      String target = framingTarget(i);
      String problem = framingProblem(s, upstream, c, target);
      String wrongly =
          judged(c.name(), shown(c.request(target).replace(FramingCase.PAUSE, "")), problem, lenient);
      if (wrongly != null) {
        wrong.add(wrongly);
      }
    }
    // Once more at the end, for anything that reached the upstream late.
    for (int i = 0; i < cases.size(); i++) {
      FramingCase c = cases.get(i);
      List<RecordingUpstream.Received> got = upstream.receivedUnder(framingTarget(i));
      if (lenient.containsKey(c.name())) {
        continue;
      }
      if ((c.expected() == FramingCase.Expected.REFUSED && !got.isEmpty())
          || (c.expected() == FramingCase.Expected.NEVER_COMPLETE
              && got.stream().anyMatch(r -> r.state() == RecordingUpstream.Received.State.COMPLETE))) {
        wrong.add(c.name() + ": later, the upstream received " + got);
      }
    }
    awaitNothingInFlight(s.router, BLUE);
    if (!wrong.isEmpty()) {
      fail(wrong.size() + " of " + cases.size() + " framings reached the upstream wrongly:\n  "
          + String.join("\n  ", wrong));
    }
  }

  /**
   * The hostile requests and framings, by name, that this adapter's server reads leniently before
   * the adapter sees the request, so that the adapter cannot refuse them; each with why, as the
   * adapter's documentation says. The suite still sends them, logs what happened, and fails if
   * one is now handled as every adapter handles it, so that the list shrinks as servers are fixed.
   * None by default.
   */
  protected Map<String, String> serverLeniencies() {
    return Map.of();
  }

  /**
   * Defects of this adapter in this container that are known and documented but not fixed yet,
   * by {@code test/target kind}, each with what happens; the suite checks each is still there and
   * fails once it is gone, so that the list only shrinks. None by default.
   */
  protected Map<String, String> knownDefects() {
    return Map.of();
  }

  /**
   * What is wrong with a case's outcome, or null: its problem, unless the server is known to read
   * it leniently (then logged), in which case it is wrong only if the problem is gone.
   */
  private static @Nullable String judged(
      String name, String request, @Nullable String problem, Map<String, String> lenient) {
    String known = lenient.get(name);
    if (known == null) {
      return problem == null ? null : name + " (" + request + "): " + problem;
    }
    if (problem == null) {
      return name + ": listed as read leniently by the server (" + known
          + "), but handled as by every adapter now: take it off the list";
    }
    log.info("known server leniency, {}: {} ({})", name, problem, known);
    return null;
  }

  private static String framingTarget(int i) {
    return "/framing/" + i + "/";
  }

  private static String shown(String request) {
    String shown = request.replace("\r", "\\r").replace("\n", "\\n").replace("\0", "\\0");
    return shown.length() > 160 ? shown.substring(0, 160) + "..." : shown;
  }

  private static @Nullable String framingProblem(
      Scenario s, RecordingUpstream upstream, FramingCase c, String target) {
    String answer;
    boolean closed;
    try (RawConnection connection = RawConnection.open(s.port)) {
      String[] packets = c.request(target).split(Pattern.quote(FramingCase.PAUSE), -1);
      for (int p = 0; p < packets.length; p++) {
        if (p > 0) {
          // Not a timing assertion: the pause only makes the server read the rest separately.
          Thread.sleep(PACKET_PAUSE_MILLIS);
        }
        connection.send(packets[p].getBytes(StandardCharsets.ISO_8859_1));
      }
      if (c.clientCloses()) {
        answer = "none read";
        closed = true;
      } else {
        if (c.expected() == FramingCase.Expected.NEVER_COMPLETE) {
          connection.shutdownOutput(); // so that a server waiting for more body reads its end
        }
        RawResponse r;
        try {
          r = connection.read();
          answer = r.status() + (RecordingUpstream.SERVED_BY.equals(r.workspace()) ? " from the upstream" : "");
          closed = connection.endsWithin(Duration.ofSeconds(5));
        } catch (IOException e) {
          answer = "the connection closed";
          closed = true;
        }
      }
    } catch (IOException e) {
      return "could not send: " + e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
    String under = target;
    Await.until(
        "the upstream to finish receiving " + target,
        () -> upstream.receivedUnder(under).stream()
            .noneMatch(r -> r.state() == RecordingUpstream.Received.State.ARRIVING),
        () -> "received " + upstream.receivedUnder(under));
    List<RecordingUpstream.Received> got = upstream.receivedUnder(target);
    switch (c.expected()) {
      case FORWARDED -> {
        if (!answer.equals("200 from the upstream")) {
          return "answered " + answer + ", expected 200 from the upstream; it received " + got;
        }
        if (got.size() != 1 || got.get(0).state() != RecordingUpstream.Received.State.COMPLETE) {
          return "the upstream received " + got + ", expected one complete request";
        }
        return forwardedProblem(c, got.get(0));
      }
      case REFUSED -> {
        if (!answer.equals("400") || !closed) {
          return "answered " + answer + (closed ? "" : " and kept the connection open")
              + ", expected 400 and the connection closed";
        }
        return got.isEmpty() ? null : "refused, but the upstream received " + got;
      }
      case NEVER_COMPLETE -> {
        if (!c.clientCloses() && !answer.equals("400") && !answer.equals("the connection closed")) {
          return "answered " + answer + ", expected 400 or the connection closed";
        }
        for (RecordingUpstream.Received r : got) {
          if (r.state() == RecordingUpstream.Received.State.COMPLETE) {
            return "the upstream received a complete request: " + r;
          }
        }
        return null;
      }
      case NEVER_ALTERED -> {
        for (RecordingUpstream.Received r : got) {
          if (r.state() == RecordingUpstream.Received.State.COMPLETE) {
            return forwardedProblem(c, r);
          }
        }
        return null;
      }
    }
    throw new AssertionError(c.expected());
  }

  private static @Nullable String forwardedProblem(FramingCase c, RecordingUpstream.Received r) {
    if (!r.method().equals("POST")) {
      return "the upstream received method " + r.method();
    }
    if (!c.body().equals(new String(r.body(), StandardCharsets.ISO_8859_1))) {
      return "the upstream received another body: " + r;
    }
    if (r.header("Host").size() != 1) {
      return "the upstream received Host fields " + r.header("Host");
    }
    for (String hop : List.of("X-Hop", "Keep-Alive", "Proxy-Connection")) {
      if (!r.header(hop).isEmpty()) {
        return "the hop-by-hop field " + hop + " reached the upstream: " + r.headerLines();
      }
    }
    for (String trailer : r.trailerLines()) {
      String name = trailer.substring(0, trailer.indexOf(':')).strip();
      if (List.of("host", "content-length", "transfer-encoding").contains(name.toLowerCase(Locale.ROOT))) {
        return "the framing field " + name + " reached the upstream as a trailer: " + r.trailerLines();
      }
    }
    return null;
  }

  private void assertHostile(TargetKind kind, List<HostileRequest> cases) throws Exception {
    Scenario s = scenario(kind, routingTable()).bind(BLUE, GREEN).start();
    List<String> wrong = new ArrayList<>();
    Map<String, String> lenient = serverLeniencies();
    for (HostileRequest c : cases) {
      String wrongly =
          judged(c.name(), shown(c.request(s.port)), hostileProblem(s, c), lenient);
      if (wrongly != null) {
        wrong.add(wrongly);
      }
    }
    awaitNothingInFlight(s.router, BLUE);
    awaitNothingInFlight(s.router, GREEN);
    if (!wrong.isEmpty()) {
      fail(wrong.size() + " hostile requests were mishandled:\n  " + String.join("\n  ", wrong));
    }
  }

  private static @Nullable String hostileProblem(Scenario s, HostileRequest c) {
    RawResponse r;
    try (RawConnection connection = RawConnection.open(s.port)) {
      r = connection.exchange(c.request(s.port));
    } catch (IOException e) {
      return "no response: " + e;
    }
    String served = r.workspace();
    String outcome = r.status() == 200 && served != null ? served : Integer.toString(r.status());
    if (!c.expected().equals(outcome)) {
      return "answered " + outcome + " (" + r + "), expected " + c.expected();
    }
    if (r.status() != 200) {
      return null;
    }
    Map<String, String> echo = r.echo();
    if (!c.target().equals(echo.get("target"))) {
      return "the workspace received target " + echo.get("target") + ", not " + c.target();
    }
    String serverName = echo.get("server-name");
    String canonical = echo.get("canonical");
    if (serverName != null && canonical != null && !"-".equals(canonical)) {
      // In process, the workspace sees the canonical path the router resolved on: it must route
      // to the very workspace that served the request.
      Resolution again = s.router.current().resolve(serverName, canonical);
      if (!again.isRouted() || !again.workspace().name().equals(served)) {
        return "served by " + served + ", but its canonical host and path (" + serverName + ", "
            + canonical + ") resolve to " + again;
      }
    }
    return null;
  }

  /**
   * The status a request that names no path of a host ({@code CONNECT}, {@code OPTIONS *}) gets
   * on a known host: 404 from the adapter, since Switchover is a gateway, not a tunnel. A server
   * that answers such requests itself before the adapter runs overrides this with its answer.
   */
  protected int statusOfRequestsWithoutAPath() {
    return 404;
  }

  @ParameterizedTest
  @EnumSource(TargetKind.class)
  void requestWithoutAPath_onAKnownHost_reachesNoWorkspace(TargetKind kind) throws Exception {
    Scenario s = scenario(kind, routingTable()).bind(BLUE, GREEN).start();
    for (String request :
        List.of(
            "CONNECT shop.example.com:443 HTTP/1.1\r\nHost: shop.example.com:443\r\n\r\n",
            "OPTIONS * HTTP/1.1\r\nHost: shop.example.com\r\n\r\n")) {
      RawResponse r = s.exchange(request);
      assertEquals(statusOfRequestsWithoutAPath(), r.status(), () -> request + ": " + r);
    }
    assertEquals(0, s.app(BLUE).served() + s.app(GREEN).served(), "requests a workspace served");
  }

  @ParameterizedTest
  @EnumSource(TargetKind.class)
  void encodedSeparators_whenDecoding_routeAndPassOnTheDecodedPath(TargetKind kind) throws Exception {
    Scenario s = scenario(kind, routingTable()).bind(BLUE, GREEN).decodeEncodedSeparators().start();
    List<HostileRequest> cases =
        List.of(
            new HostileRequest("a slash", pathRequest("/public/..%2fadmin/x"), "/public/../admin/x", GREEN),
            new HostileRequest("an upper-case slash", pathRequest("/api%2Fv2/x"), "/api/v2/x", BLUE),
            new HostileRequest("a backslash", pathRequest("/admin%5Cx?q=%2F"), "/admin/x?q=%2F", GREEN),
            new HostileRequest("a plain path", pathRequest("/admin/%61"), "/admin/%61", GREEN),
            new HostileRequest("above the root", pathRequest("/public%2F..%2F..%2Fadmin"), "-", "400"),
            new HostileRequest("an empty segment", pathRequest("/a%2F%2Fadmin"), "-", "400"),
            new HostileRequest("a NUL", pathRequest("/%00%2Fadmin"), "-", "400"),
            new HostileRequest("a double encoding", pathRequest("/admin%252fx"), "-", "400"));
    List<String> wrong = new ArrayList<>();
    for (HostileRequest c : cases) {
      String problem = hostileProblem(s, c);
      if (problem != null) {
        wrong.add(c.name() + ": " + problem);
      }
    }
    awaitNothingInFlight(s.router, BLUE);
    awaitNothingInFlight(s.router, GREEN);
    if (!wrong.isEmpty()) {
      fail(wrong.size() + " requests were mishandled:\n  " + String.join("\n  ", wrong));
    }
  }

  private static String pathRequest(String target) {
    return "GET " + target + " HTTP/1.1\r\nHost: " + SHOP + "\r\n\r\n";
  }

  // ---------------------------------------------------------------- HTTP/2

  /** The HTTP/2 cases: each way a client reaches HTTP/2, with each kind of target. */
  static Stream<Arguments> http2Cases() {
    List<Arguments> cases = new ArrayList<>();
    for (H2Client.Mode mode : H2Client.Mode.values()) {
      for (TargetKind kind : TargetKind.values()) {
        cases.add(Arguments.of(mode, kind));
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}, {1}")
  @MethodSource("http2Cases")
  void http2_routesByAuthority_asByHost(H2Client.Mode mode, TargetKind kind) throws Exception {
    Scenario s = scenario(kind, routingTable()).transport(mode.transport()).bind(BLUE, GREEN).start();
    H2Client h2 = s.h2(mode);
    assertAll(
        () -> assertH2ServedBy(h2, SHOP, "/", BLUE),
        () -> assertH2ServedBy(h2, SHOP, "/api/orders?x=1", GREEN),
        () -> assertH2ServedBy(h2, SHOP, "/api/v2/orders", BLUE),
        () -> assertH2ServedBy(h2, OTHER, "/", GREEN),
        () -> assertH2ServedBy(h2, "SHOP.Example.COM", "/admin", GREEN),
        () -> assertH2ServedBy(h2, "y.apps.example.com", "/", GREEN),
        () -> assertH2ServedBy(h2, "green.preview.localhost", "/", GREEN),
        () -> assertH2Status(h2, "unknown.example.com", "/", 421),
        () -> assertH2Status(h2, "api-only.example.com", "/", 404),
        () -> assertH2Status(h2, "down.example.com", "/", 503),
        () -> assertH2Status(h2, SHOP, "/a/%2e%2e/admin", 400));
  }

  /**
   * Each hostile {@code Host} of the HTTP/1.1 cases, as {@code :authority}, gets the answer its
   * HTTP/1.1 form gets (a refusal may also be the server's: a reset stream or connection); and
   * what only HTTP/2 can say: a {@code host} beside {@code :authority}, two {@code :authority}
   * fields, none at all. A request is never routed by a {@code host} that {@code :authority}
   * contradicts.
   */
  @ParameterizedTest
  @EnumSource(TargetKind.class)
  void http2_hostileAuthorities_getTheAnswersOfTheirHttp11Forms(TargetKind kind) throws Exception {
    Scenario s = scenario(kind, routingTable()).transport(Transport.H2C).bind(BLUE, GREEN).start();
    List<String> wrong = new ArrayList<>();
    for (HostileRequest c : HostileRequest.authorities()) {
      String authority = c.request(s.port);
      check(wrong, c.name(), c.expected(), RawH2.exchange(s.port, h2Get(":authority", authority)));
    }
    check(wrong, "a host equal to :authority", BLUE,
        RawH2.exchange(s.port, h2Get(":authority", SHOP, "host", SHOP)));
    // Refused, or routed by :authority: Undertow keeps the first :authority as the only host.
    check(wrong, "a host that contradicts :authority", HostileRequest.BAD_REQUEST + " or " + BLUE,
        RawH2.exchange(s.port, h2Get(":authority", SHOP, "host", OTHER)));
    check(wrong, "two :authority fields", HostileRequest.BAD_REQUEST + " or " + BLUE,
        RawH2.exchange(s.port, h2Get(":authority", SHOP, ":authority", OTHER)));
    check(wrong, "two host fields", HostileRequest.BAD_REQUEST + " or " + BLUE,
        RawH2.exchange(s.port, h2Get(":authority", SHOP, "host", SHOP, "host", OTHER)));
    // As an HTTP/1.0 request without Host: no authority, so the server's own name, unrouted.
    check(wrong, "neither :authority nor host", HostileRequest.MISDIRECTED, RawH2.exchange(s.port, h2Get()));
    // RFC 9113 lets a client that converts an HTTP/1.1 request keep its Host instead of
    // :authority; Undertow drops that Host, so the request names no authority there.
    check(wrong, "a host and no :authority", BLUE + " or " + HostileRequest.MISDIRECTED,
        RawH2.exchange(s.port, h2Get("host", SHOP)));
    assertTrue(wrong.isEmpty(), () -> wrong.size() + " authorities answered otherwise:\n  " + String.join("\n  ", wrong));
  }

  /** A GET of {@code /x} with the pseudo-header fields it needs and then {@code more}, in order. */
  private static List<Map.Entry<String, String>> h2Get(String... more) {
    List<Map.Entry<String, String>> fields = new ArrayList<>();
    fields.add(Map.entry(":method", "GET"));
    fields.add(Map.entry(":scheme", "http"));
    fields.add(Map.entry(":path", "/x"));
    for (int i = 0; i + 1 < more.length; i += 2) {
      fields.add(Map.entry(more[i], more[i + 1]));
    }
    return fields;
  }

  /**
   * Notes in {@code wrong} unless the outcome is one of {@code expected} (" or " between them): a
   * workspace's name, a status, or {@code 400}, which a refusal at the HTTP/2 layer also meets.
   */
  private static final Pattern OR = Pattern.compile(" or ");

  private static void check(List<String> wrong, String name, String expected, RawH2.Outcome outcome) {
    boolean ok = false;
    for (String one : OR.splitAsStream(expected).toList()) {
      ok |=
          one.equals(HostileRequest.BAD_REQUEST)
              ? !outcome.answered() || outcome.status() == 400
              : one.chars().allMatch(Character::isDigit)
                  ? outcome.answered() && Integer.toString(outcome.status()).equals(one)
                  : outcome.answered() && outcome.status() == 200 && outcome.workspace().equals(one);
    }
    if (!ok) {
      wrong.add(name + ": expected " + expected + ", got " + outcome);
    }
  }

  /** The load's cases: h2c with prior knowledge and h2 over TLS, each with each kind of target. */
  static Stream<Arguments> http2LoadCases() {
    // An upgraded client sends each request on a connection of its own: no streams to share.
    return http2Cases().filter(a -> a.get()[0] != H2Client.Mode.UPGRADE);
  }

  @ParameterizedTest(name = "{0}, {1}")
  @MethodSource("http2LoadCases")
  void http2_zeroDowntime_switchingEvery20msUnderManyStreams_failsNoStream(
      H2Client.Mode mode, TargetKind kind) throws Exception {
    Scenario s = scenario(kind, switchTable()).transport(mode.transport()).bind(BLUE, GREEN).start();
    int connections = 16;
    int streamsPerConnection = 2; // and a slow one each
    List<H2Client> clients = new ArrayList<>();
    for (int i = 0; i < connections; i++) {
      clients.add(s.h2(mode));
    }
    long seconds = Long.getLong(SOAK_PROPERTY, 3);
    SwitchingLoad.Result result =
        new SwitchingLoad(
                id -> h2Channel(clients.get(id % connections)),
                s.router,
                HostName.parse(SHOP),
                WorkspaceId.of(BLUE),
                WorkspaceId.of(GREEN),
                connections * streamsPerConnection,
                connections,
                Duration.ofMillis(500),
                Duration.ofMillis(20),
                Duration.ofSeconds(seconds))
            .quietAfter(10)
            .run();
    log.info("HTTP/2 zero downtime, {}, {} targets, {} s: {}", mode, kind, seconds, result);
    // Each request is checked; that some ran with no switch during them shows the check was exact.
    assertAll(
        () -> assertEquals(0, result.failureCount(), result::toString),
        () -> assertTrue(result.switches() >= 2, result::toString),
        () -> assertTrue(result.exactlyChecked() > 0, result::toString),
        () -> assertTrue(result.slowAcrossSwitch() > 0, result::toString));
    awaitNothingInFlight(s.router, BLUE);
    awaitNothingInFlight(s.router, GREEN);
  }

  /** A stream of a shared HTTP/2 connection, as one client of the switching load. */
  private static SwitchingLoad.Channel h2Channel(H2Client client) {
    return new SwitchingLoad.Channel() {
      @Override
      public SwitchingLoad.Reply get(String host, String target) throws IOException {
        H2Client.Reply r = client.get(host, target);
        if (r.version() != HttpVersion.HTTP_2) {
          return new SwitchingLoad.Reply(0, r.workspace(), "answered over " + r.version() + ", not HTTP/2");
        }
        return new SwitchingLoad.Reply(r.status(), r.workspace(), r.body());
      }

      @Override
      public boolean isClosedByPeer() {
        return false; // a stream, not a connection; a closed connection fails the next stream
      }

      @Override
      public void close() {
        // the connection is the client's, closed after the test
      }
    };
  }

  private static void assertH2ServedBy(H2Client h2, String host, String target, String workspace)
      throws IOException {
    H2Client.Reply r = h2.get(host, target);
    assertEquals(HttpVersion.HTTP_2, r.version(), () -> host + target + " was not answered over HTTP/2");
    assertEquals(200, r.status(), () -> host + target + " should reach " + workspace + ": " + r);
    assertEquals(workspace, r.workspace(), () -> host + target + " reached the wrong workspace");
  }

  private static void assertH2Status(H2Client h2, String host, String target, int status)
      throws IOException {
    H2Client.Reply r = h2.get(host, target);
    assertEquals(HttpVersion.HTTP_2, r.version(), () -> host + target + " was not answered over HTTP/2");
    assertEquals(status, r.status(), () -> host + target + ": " + r);
  }

  // ---------------------------------------------------------------- zero downtime and draining

  @ParameterizedTest
  @EnumSource(TargetKind.class)
  void zeroDowntime_switchingEvery20msUnderKeepAliveLoad_failsNoRequest(TargetKind kind)
      throws Exception {
    Scenario s = scenario(kind, switchTable()).bind(BLUE, GREEN).start();
    long seconds = Long.getLong(SOAK_PROPERTY, 10);
    SwitchingLoad.Result result =
        new SwitchingLoad(
                SwitchingLoad.Channels.http1(s.port),
                s.router,
                HostName.parse(SHOP),
                WorkspaceId.of(BLUE),
                WorkspaceId.of(GREEN),
                16,
                4,
                Duration.ofSeconds(1),
                Duration.ofMillis(20),
                Duration.ofSeconds(seconds))
            .run();
    log.info("zero downtime, {} targets, {} s: {}", kind, seconds, result);
    assertAll(
        () -> assertEquals(0, result.failureCount(), result::toString),
        () -> assertTrue(result.switches() >= 2, result::toString),
        () -> assertTrue(result.exactlyChecked() > 0, result::toString),
        () -> assertTrue(result.slowAcrossSwitch() > 0, result::toString));
    awaitNothingInFlight(s.router, BLUE);
    awaitNothingInFlight(s.router, GREEN);
    WorkspaceId idle = s.router.current().resolve(SHOP, "/").workspace().name().equals(BLUE)
        ? WorkspaceId.of(GREEN)
        : WorkspaceId.of(BLUE);
    s.router.awaitDrained(idle).get(Await.DEADLINE.toSeconds(), TimeUnit.SECONDS);
  }

  @ParameterizedTest
  @EnumSource(TargetKind.class)
  void drain_afterSwitch_completesWithTheLastRequestAndTheOldWorkspaceStopsCleanly(
      TargetKind kind) throws Exception {
    Scenario s = scenario(kind, switchTable()).bind(BLUE, GREEN).start();
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
    assertServedBy(s, SHOP, "/after-switch", GREEN);
    assertFalse(drained.isDone(), "three requests are still in flight on blue");

    gate.open();
    for (RawConnection c : held) {
      RawResponse r = c.read();
      assertEquals(200, r.status(), () -> "a request held across the switch: " + r);
      assertEquals(BLUE, r.workspace(), "a request completes on the workspace that took it");
    }
    drained.get(Await.DEADLINE.toSeconds(), TimeUnit.SECONDS);
    assertEquals(0, s.router.inFlight(blue));

    // The owner may now stop blue: nothing reaches it any more.
    WorkspaceServer blueServer = s.servers.get(BLUE);
    if (blueServer != null) {
      blueServer.close();
    }
    s.app(BLUE).stop();
    for (RawConnection c : held) {
      for (int i = 0; i < 20; i++) {
        RawResponse r = c.exchange(request(SHOP, "/after-stop?n=" + i));
        assertEquals(200, r.status(), r::toString);
        assertEquals(GREEN, r.workspace());
      }
    }
    for (int i = 0; i < 20; i++) {
      assertServedBy(s, SHOP, "/fresh-connection?n=" + i, GREEN);
    }
    assertEquals(0, s.app(BLUE).servedAfterStop(), "requests that reached stopped blue");
  }

  // ---------------------------------------------------------------- WebSocket

  @ParameterizedTest
  @EnumSource(TargetKind.class)
  void webSocket_echo_carriesMessagesBothWaysWithPingsAndCloseCodes(TargetKind kind) throws Exception {
    Scenario s = scenario(kind, webSocketTable(), Duration.ofSeconds(30)).bindWebSockets(BLUE, GREEN).start();
    WorkspaceId blue = WorkspaceId.of(BLUE);
    HttpClient http = HttpClient.newHttpClient();
    if (webSocketsAreAKnownDefect(s, http)) {
      return;
    }
    try (WebSocketClient ws = s.webSocket(http, "/chat?room=1")) {
      assertEquals("blue hello", ws.exchange("hello"));
      assertEquals(1, s.router.longLived(blue), "a WebSocket is counted as long-lived");
      assertEquals(0, s.router.inFlight(blue), "and not as a request in flight");

      ws.socket().sendText("frag", false).get(Await.DEADLINE.toSeconds(), TimeUnit.SECONDS);
      ws.socket().sendText("mented", true).get(Await.DEADLINE.toSeconds(), TimeUnit.SECONDS);
      assertEquals("blue fragmented", ws.nextText());

      String large = "0123456789abcdef".repeat(3 << 16); // 3 MiB
      assertEquals("blue " + large, ws.exchange(large));

      byte[] bytes = new byte[5 << 20];
      new Random(22).nextBytes(bytes);
      int first = 1 << 20;
      ws.socket().sendBinary(ByteBuffer.wrap(bytes, 0, first), false).get(Await.DEADLINE.toSeconds(), TimeUnit.SECONDS);
      ws.socket()
          .sendBinary(ByteBuffer.wrap(bytes, first, bytes.length - first), true)
          .get(Await.DEADLINE.toSeconds(), TimeUnit.SECONDS);
      assertEquals(ByteBuffer.wrap(bytes), ws.nextBinary(), "a binary message in two fragments, whole");

      ByteBuffer ping = ByteBuffer.wrap("are you there".getBytes(StandardCharsets.UTF_8));
      ws.socket().sendPing(ping.duplicate()).get(Await.DEADLINE.toSeconds(), TimeUnit.SECONDS);
      assertEquals(ping, ws.nextPong());

      ws.socket().sendText("close 4001", true).get(Await.DEADLINE.toSeconds(), TimeUnit.SECONDS);
      WebSocketClient.Close close = ws.awaitClose();
      assertEquals(4001, close.code(), "the workspace's close code reaches the client");
      assertEquals(WebSocketEcho.CLOSE_REASON, close.reason());
    }
    WebSocketClient offering = WebSocketClient.open(http, s.port, "/chat", List.of("other.v9", WebSocketEcho.SUBPROTOCOL));
    resources.push(offering);
    try (WebSocketClient ws = offering) {
      assertEquals(WebSocketEcho.SUBPROTOCOL, ws.socket().getSubprotocol(), "the subprotocol the workspace chose");
      assertEquals("blue again", ws.exchange("again"));
      ws.socket().sendClose(4002, "leaving").get(Await.DEADLINE.toSeconds(), TimeUnit.SECONDS);
      assertEquals(4002, ws.awaitClose().code(), "the client's close code reaches the workspace, and back");
    }
    Await.until("no WebSocket open on blue", () -> s.router.longLived(blue) == 0, () -> s.router.longLived(blue) + " open");
    awaitNothingInFlight(s.router, BLUE);
    assertEquals(0, s.router.requests(blue, RequestOutcome.BAD_GATEWAY));
  }

  @ParameterizedTest
  @EnumSource(TargetKind.class)
  void webSocket_switchWith200Open_closesEachWith1001WhenTheGraceEndsAndReconnectsReachTheNewWorkspace(
      TargetKind kind) throws Exception {
    Duration grace = Duration.ofSeconds(2);
    Scenario s = scenario(kind, webSocketTable(), grace).bindWebSockets(BLUE, GREEN).start();
    WorkspaceId blue = WorkspaceId.of(BLUE);
    HttpClient http = HttpClient.newHttpClient();
    if (webSocketsAreAKnownDefect(s, http)) {
      return;
    }
    List<WebSocketClient> sockets = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      WebSocketClient ws = s.webSocket(http, "/chat?n=" + i);
      sockets.add(ws);
      assertEquals("blue before " + i, ws.exchange("before " + i));
    }
    assertEquals(200, s.router.longLived(blue));

    long switchedAt = System.nanoTime(); // the grace starts with the publication, after this
    s.router.promote(WEBSOCKET_HOST, GREEN);
    CompletableFuture<Void> drained = s.router.awaitDrained(blue);
    // Within the first half of the grace, the WebSockets on blue are still served by blue.
    int servedDuringGrace = 0;
    for (int i = 0; i < sockets.size() && System.nanoTime() - switchedAt < grace.toNanos() / 2; i++) {
      assertEquals("blue during " + i, sockets.get(i).exchange("during " + i));
      servedDuringGrace++;
    }
    assertTrue(servedDuringGrace > 0, "no WebSocket was checked during the grace");
    assertFalse(drained.isDone() && System.nanoTime() - switchedAt < grace.toNanos(), "drained before the grace ended");

    for (int i = 0; i < sockets.size(); i++) {
      WebSocketClient.Close close = sockets.get(i).awaitClose();
      int n = i;
      assertEquals(1001, close.code(), () -> "WebSocket " + n + " was closed with " + close);
      assertTrue(close.atNanos() - switchedAt >= grace.toNanos(), () -> "WebSocket " + n + " was closed before its grace ended");
    }
    drained.get(Await.DEADLINE.toSeconds(), TimeUnit.SECONDS);
    assertEquals(0, s.router.longLived(blue));

    for (int i = 0; i < sockets.size(); i++) {
      try (WebSocketClient again = s.webSocket(http, "/chat?n=" + i)) {
        assertEquals("green after " + i, again.exchange("after " + i), "a reconnect lands on the new workspace");
      }
    }
  }

  // ---------------------------------------------------------------- server-sent events

  @ParameterizedTest
  @EnumSource(TargetKind.class)
  void eventStream_acrossASwitch_endsAtAnEventBoundaryAndResumesOnTheNewWorkspace(TargetKind kind) throws Exception {
    Duration grace = Duration.ofSeconds(1);
    Scenario s = scenario(kind, webSocketTable(), grace).bind(BLUE, GREEN).start();
    WorkspaceId blue = WorkspaceId.of(BLUE);
    String defect = knownDefects().get("eventStream/" + kind);
    URI events = URI.create("http://localhost:" + s.port + EventStream.PATH);
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<InputStream> first =
        http.send(HttpRequest.newBuilder(events).header("Accept", EventStream.CONTENT_TYPE).build(), BodyHandlers.ofInputStream());
    resources.push(first.body());
    assertEquals(200, first.statusCode());
    BufferedReader stream = new BufferedReader(new InputStreamReader(first.body(), StandardCharsets.UTF_8));
    long lastId = 0;
    for (int i = 1; i <= 3; i++) {
      assertEquals("id: " + i, stream.readLine());
      assertEquals("data: blue " + i, stream.readLine());
      assertEquals("", stream.readLine());
      lastId = i;
    }
    if (defect != null) {
      assertEquals(0, s.router.longLived(blue), () -> "fixed, remove it from knownDefects(): " + defect);
      log.info("known defect, eventStream/{}: {}", kind, defect);
      return;
    }
    assertEquals(1, s.router.longLived(blue), "an event stream is counted as long-lived");
    assertEquals(0, s.router.inFlight(blue), "and not as a request in flight");

    long switchedAt = System.nanoTime(); // the grace starts with the publication, after this
    s.router.promote(WEBSOCKET_HOST, GREEN);
    CompletableFuture<Void> drained = s.router.awaitDrained(blue);
    // The stream goes on on blue through the grace, then ends after a complete event.
    String line;
    String previous = "";
    int eventsDuringGrace = 0;
    while ((line = stream.readLine()) != null) {
      if (line.startsWith("id: ")) {
        lastId = Long.parseLong(line.substring(4));
        assertEquals("data: blue " + lastId, stream.readLine(), "the stream stays on blue");
        eventsDuringGrace++;
      }
      previous = line;
    }
    long endedAt = System.nanoTime();
    assertEquals("", previous, "the stream ended right after a complete event");
    assertTrue(endedAt - switchedAt >= grace.toNanos(), "the stream ended before its grace did");
    assertTrue(eventsDuringGrace > 0, "no event came during the grace");
    drained.get(Await.DEADLINE.toSeconds(), TimeUnit.SECONDS);
    assertEquals(0, s.router.longLived(blue));

    HttpResponse<InputStream> resumed =
        http.send(
            HttpRequest.newBuilder(events).header("Accept", EventStream.CONTENT_TYPE).header("Last-Event-ID", Long.toString(lastId)).build(),
            BodyHandlers.ofInputStream());
    resources.push(resumed.body());
    BufferedReader again = new BufferedReader(new InputStreamReader(resumed.body(), StandardCharsets.UTF_8));
    assertEquals("id: " + (lastId + 1), again.readLine(), "the client resumes after the last event it got");
    assertEquals("data: green " + (lastId + 1), again.readLine(), "on the new workspace");
  }

  @ParameterizedTest
  @EnumSource(TargetKind.class)
  void eventStream_idleWhenTheGraceEnds_endsAtOnceAndStopsCounting(TargetKind kind) throws Exception {
    Scenario s = scenario(kind, webSocketTable(), Duration.ofMillis(500)).bind(BLUE, GREEN).start();
    WorkspaceId blue = WorkspaceId.of(BLUE);
    Gate idle = s.app(BLUE).gate("idle");
    resources.push(idle::open); // lets the workspace's writer go when the test is over
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    BufferedReader stream = eventStream(http, s, EventStream.PATH + "?idle=idle&at=3", null);
    assertEvents(stream, BLUE, 1, 3);
    idle.awaitArrivals(1); // between two events, and silent until the gate opens
    String defect = knownDefects().get("eventStream/" + kind);
    if (defect != null) {
      assertEquals(0, s.router.longLived(blue), () -> "fixed, remove it from knownDefects(): " + defect);
      return;
    }
    assertEquals(1, s.router.longLived(blue));

    s.router.promote(WEBSOCKET_HOST, GREEN);
    CompletableFuture<Void> drained = s.router.awaitDrained(blue);
    assertNull(
        assertTimeoutPreemptively(Await.DEADLINE, stream::readLine),
        "the idle stream ends when its grace does, without waiting for its workspace");
    drained.get(Await.DEADLINE.toSeconds(), TimeUnit.SECONDS);
    assertEquals(0, s.router.longLived(blue));
    assertEquals(1, idle.arrivals(), "the workspace is still idle");

    // A new client: a servlet container keeps the old connection until the idle servlet returns.
    HttpClient again = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    assertEvents(eventStream(again, s, EventStream.PATH, 3L), GREEN, 4, 4);
  }

  @ParameterizedTest
  @EnumSource(TargetKind.class)
  void eventStream_graceEndingInTheMiddleOfAnEvent_endsRightAfterTheWholeEvent(TargetKind kind) throws Exception {
    Scenario s = scenario(kind, webSocketTable(), Duration.ofMillis(500)).bind(BLUE, GREEN).start();
    WorkspaceId blue = WorkspaceId.of(BLUE);
    Gate split = s.app(BLUE).gate("split");
    resources.push(split::open);
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    BufferedReader cut = eventStream(http, s, EventStream.PATH + "?split=split&at=3", null);
    assertEvents(cut, BLUE, 1, 2);
    split.awaitArrivals(1);
    assertEquals("id: 3", cut.readLine(), "the first write of event 3 came through");
    // A second stream, that ends at its next event once the grace has ended: the signal that the
    // router has asked every stream on blue to end.
    HttpClient other = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    BufferedReader signal = eventStream(other, s, EventStream.PATH, null);
    assertEvents(signal, BLUE, 1, 1);
    String defect = knownDefects().get("eventStream/" + kind);
    if (defect != null) {
      assertEquals(0, s.router.longLived(blue), () -> "fixed, remove it from knownDefects(): " + defect);
      return;
    }
    assertEquals(2, s.router.longLived(blue));

    s.router.promote(WEBSOCKET_HOST, GREEN);
    CompletableFuture<Void> drained = s.router.awaitDrained(blue);
    assertTimeoutPreemptively(
        Await.DEADLINE,
        () -> {
          while (signal.readLine() != null) {
            // events of blue during the grace
          }
        },
        "the second stream ends once the grace has ended");
    assertFalse(drained.isDone(), "a stream in the middle of an event still holds the drain");
    split.open(); // the rest of event 3, in a write of its own
    assertEquals("data: blue 3", cut.readLine(), "the event the grace ended in arrives whole");
    assertEquals("", cut.readLine());
    assertNull(assertTimeoutPreemptively(Await.DEADLINE, cut::readLine), "and the stream ends right after it");
    drained.get(Await.DEADLINE.toSeconds(), TimeUnit.SECONDS);
    assertEquals(0, s.router.longLived(blue));

    assertEvents(eventStream(http, s, EventStream.PATH, 3L), GREEN, 4, 4);
  }

  @ParameterizedTest
  @EnumSource(TargetKind.class)
  void eventStream_stalledInTheMiddleOfAnEventWhenTheGraceEnds_isCutOffNotEnded(TargetKind kind) throws Exception {
    Scenario s = scenario(kind, webSocketTable(), Duration.ofMillis(500)).bind(BLUE, GREEN).start();
    WorkspaceId blue = WorkspaceId.of(BLUE);
    Gate stall = s.app(BLUE).gate("stall");
    resources.push(stall::open);
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    BufferedReader stalled = eventStream(http, s, EventStream.PATH + "?split=stall&at=3", null);
    assertEvents(stalled, BLUE, 1, 2);
    stall.awaitArrivals(1);
    assertEquals("id: 3", stalled.readLine(), "the first write of event 3 came through");
    String defect = knownDefects().get("eventStream/" + kind);
    if (defect != null) {
      assertEquals(0, s.router.longLived(blue), () -> "fixed, remove it from knownDefects(): " + defect);
      return;
    }

    s.router.promote(WEBSOCKET_HOST, GREEN);
    CompletableFuture<Void> drained = s.router.awaitDrained(blue);
    // The adapter gives the event a few seconds to end (every adapter: 5), then cuts the
    // connection off: an end here would be a clean end of a response that holds half an event.
    IOException cutOff =
        assertTimeoutPreemptively(
            Await.DEADLINE,
            () -> assertThrows(IOException.class, stalled::readLine, "the stalled stream is cut off, not ended"));
    log.info("a stalled event stream was cut off: {}", cutOff.toString());
    drained.get(Await.DEADLINE.toSeconds(), TimeUnit.SECONDS);
    assertEquals(0, s.router.longLived(blue));

    HttpClient again = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    assertEvents(eventStream(again, s, EventStream.PATH, 2L), GREEN, 3, 3);
  }

  /** An event stream from this scenario's server, read line by line; its body is closed after the test. */
  private BufferedReader eventStream(HttpClient http, Scenario s, String target, @Nullable Long lastEventId)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://localhost:" + s.port + target)).header("Accept", EventStream.CONTENT_TYPE);
    if (lastEventId != null) {
      request.header("Last-Event-ID", lastEventId.toString());
    }
    HttpResponse<InputStream> response = http.send(request.build(), BodyHandlers.ofInputStream());
    resources.push(response.body());
    assertEquals(200, response.statusCode(), () -> target + " answered " + response.statusCode());
    return new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
  }

  /** Reads events {@code from} to {@code to}, each whole, of {@code workspace}. */
  private static void assertEvents(BufferedReader stream, String workspace, long from, long to) throws IOException {
    for (long id = from; id <= to; id++) {
      assertEquals("id: " + id, stream.readLine());
      assertEquals("data: " + workspace + " " + id, stream.readLine());
      assertEquals("", stream.readLine());
    }
  }

  @Test
  void webSocket_toAnUpstreamThatRefusesTheUpgrade_isBadGateway() throws Exception {
    // The JDK's HTTP server answers an upgrade as any GET: 200, no WebSocket.
    Scenario s = scenario(TargetKind.UPSTREAM, webSocketTable(), Duration.ofSeconds(30)).bind(BLUE).start();
    HttpClient http = HttpClient.newHttpClient();
    if (webSocketsAreAKnownDefect(s, http)) {
      return;
    }
    RawResponse r =
        s.exchange(
            "GET /chat HTTP/1.1\r\nHost: " + WEBSOCKET_HOST + "\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
    assertEquals(502, r.status(), r::toString);
    WorkspaceId blue = WorkspaceId.of(BLUE);
    awaitNothingInFlight(s.router, BLUE);
    assertEquals(0, s.router.longLived(blue));
    assertEquals(1, s.router.requests(blue, RequestOutcome.BAD_GATEWAY), "counted as the upstream's failure");
  }

  @Test
  void webSocket_upstreamRefusingTheHandshake_passesItsAnswerOn_andCountsItLikeAnyAnswer() throws Exception {
    ScriptedWebSocketUpstream upstream = ScriptedWebSocketUpstream.start();
    resources.push(upstream);
    Scenario s =
        scenario(TargetKind.UPSTREAM, webSocketTable(), Duration.ofSeconds(30)).bindUpstream(BLUE, upstream.baseUri()).start();
    if (webSocketsAreAKnownDefect(s, HttpClient.newHttpClient())) {
      return;
    }
    WorkspaceId blue = WorkspaceId.of(BLUE);
    for (int status : List.of(401, 403, 503)) {
      RawResponse r =
          s.exchange(
              "GET /refused/" + status + " HTTP/1.1\r\nHost: " + WEBSOCKET_HOST + "\r\nConnection: Upgrade\r\n"
                  + "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
      assertEquals(status, r.status(), r::toString);
      assertEquals(ScriptedWebSocketUpstream.CHALLENGE, r.header("WWW-Authenticate"), r::toString);
      assertEquals("upstream", r.header("X-Refused-By"), r::toString);
      assertNull(r.header("X-Hop"), () -> "a field the upstream's Connection names is its hop's: " + r);
      assertNull(r.header("Keep-Alive"), r::toString);
      String body = r.bodyText();
      assertTrue(
          body.isEmpty() || body.equals(ScriptedWebSocketUpstream.body(status)),
          () -> "the upstream's body, or none: " + body);
    }
    awaitNothingInFlight(s.router, BLUE);
    assertEquals(0, s.router.longLived(blue));
    assertEquals(0, s.router.requests(blue, RequestOutcome.BAD_GATEWAY), "a refusal is an answer, not a failure");
    assertEquals(2, s.router.requests(blue, RequestOutcome.SERVED), "401 and 403 are the workspace's answers");
    assertEquals(1, s.router.requests(blue, RequestOutcome.WORKSPACE_ERROR), "its 503 is its error");
  }

  @Test
  void webSocket_upstreamAcceptingWithAnExtensionNotOffered_isBadGateway() throws Exception {
    ScriptedWebSocketUpstream upstream = ScriptedWebSocketUpstream.start();
    resources.push(upstream);
    Scenario s =
        scenario(TargetKind.UPSTREAM, webSocketTable(), Duration.ofSeconds(30)).bindUpstream(BLUE, upstream.baseUri()).start();
    if (webSocketsAreAKnownDefect(s, HttpClient.newHttpClient())) {
      return;
    }
    RawResponse r =
        s.exchange(
            "GET " + ScriptedWebSocketUpstream.UNOFFERED_EXTENSION + " HTTP/1.1\r\nHost: " + WEBSOCKET_HOST
                + "\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
    assertEquals(502, r.status(), () -> "frames the bridge cannot read must not pass: " + r);
    WorkspaceId blue = WorkspaceId.of(BLUE);
    awaitNothingInFlight(s.router, BLUE);
    assertEquals(0, s.router.longLived(blue));
    assertEquals(1, s.router.requests(blue, RequestOutcome.BAD_GATEWAY), "counted as the upstream's failure");
  }

  @Test
  void webSocket_upstreamNotAnsweringTheHandshake_isGatewayTimeout_andOneNotListening_isBadGateway() throws Exception {
    ScriptedWebSocketUpstream upstream = ScriptedWebSocketUpstream.start();
    resources.push(upstream);
    Scenario s =
        scenario(TargetKind.UPSTREAM, webSocketTable(), Duration.ofSeconds(30))
            .bindUpstream(BLUE, upstream.baseUri())
            .bindUpstream(GREEN, URI.create("http://127.0.0.1:" + closedPort()))
            .upstreamTimeout(Duration.ofMillis(500))
            .start();
    if (webSocketsAreAKnownDefect(s, HttpClient.newHttpClient())) {
      return;
    }
    String upgrade =
        " HTTP/1.1\r\nHost: " + WEBSOCKET_HOST + "\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
            + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
    RawResponse silent = s.exchange("GET " + ScriptedWebSocketUpstream.SILENT + upgrade);
    assertEquals(504, silent.status(), silent::toString);
    s.router.promote(WEBSOCKET_HOST, GREEN);
    RawResponse refused = s.exchange("GET /chat" + upgrade);
    assertEquals(502, refused.status(), refused::toString);
    awaitNothingInFlight(s.router, BLUE);
    awaitNothingInFlight(s.router, GREEN);
    assertEquals(1, s.router.requests(WorkspaceId.of(BLUE), RequestOutcome.GATEWAY_TIMEOUT));
    assertEquals(1, s.router.requests(WorkspaceId.of(GREEN), RequestOutcome.BAD_GATEWAY));
  }

  @Test
  void webSocket_upstreamClosingWithoutAStatus_reachesTheClientWithoutOne() throws Exception {
    Scenario s = scenario(TargetKind.UPSTREAM, webSocketTable(), Duration.ofSeconds(30)).bindWebSockets(BLUE).start();
    HttpClient http = HttpClient.newHttpClient();
    if (webSocketsAreAKnownDefect(s, http)) {
      return;
    }
    WebSocketClient ws = s.webSocket(http, "/chat");
    assertEquals("blue hello", ws.exchange("hello"));
    ws.socket().sendText("close 1005", true).get(Await.DEADLINE.toSeconds(), TimeUnit.SECONDS);
    assertEquals(1005, ws.awaitClose().code(), "a close frame without a payload, not a normal closure 1000");
  }

  @Test
  void webSocket_largeMessageToAnUpstreamThatStopsReading_isRelayedAsItComes_neverHeldWhole() throws Exception {
    HeldWebSocketUpstream upstream = HeldWebSocketUpstream.start();
    resources.push(upstream);
    Scenario s =
        scenario(TargetKind.UPSTREAM, webSocketTable(), Duration.ofSeconds(30)).bindUpstream(BLUE, upstream.baseUri()).start();
    HttpClient http = HttpClient.newHttpClient();
    if (webSocketsAreAKnownDefect(s, http)) {
      return;
    }
    byte[] bytes = new byte[32 << 20];
    new Random(32).nextBytes(bytes);
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    crc.update(bytes);
    WebSocketClient ws = s.webSocket(http, "/large");
    CompletableFuture<?> sending = ws.socket().sendBinary(ByteBuffer.wrap(bytes), true);
    // The upstream has read the first fragment and reads no more: a bridge that passes data on as
    // it comes, and reads no more than it can pass on, leaves most of the 32 MiB with the client
    // (the sockets between hold far less). One that waits for the whole message first has taken
    // it all from the client before the upstream sees a byte.
    upstream.awaitFirstFragment();
    assertFalse(sending.isDone(), "the router took the whole message from the client while the upstream read none of it");
    upstream.release();
    sending.get(Await.DEADLINE.toSeconds(), TimeUnit.SECONDS);
    assertEquals(HeldWebSocketUpstream.answer(bytes.length, crc.getValue()), ws.nextText(), "the whole message, byte for byte");
  }

  @Test
  void webSocket_largeMessageToAClientThatStopsReading_isRelayedAsItComes_neverHeldWhole() throws Exception {
    HeldWebSocketUpstream upstream = HeldWebSocketUpstream.start();
    resources.push(upstream);
    Scenario s =
        scenario(TargetKind.UPSTREAM, webSocketTable(), Duration.ofSeconds(30)).bindUpstream(BLUE, upstream.baseUri()).start();
    HttpClient http = HttpClient.newHttpClient();
    if (webSocketsAreAKnownDefect(s, http)) {
      return;
    }
    int length = 32 << 20;
    CompletableFuture<Void> firstPart = new CompletableFuture<>();
    CompletableFuture<Void> released = new CompletableFuture<>();
    CompletableFuture<String> whole = new CompletableFuture<>();
    // A client that takes the first part of the message, then reads nothing until released.
    java.net.http.WebSocket.Listener holding =
        new java.net.http.WebSocket.Listener() {
          private final java.util.zip.CRC32 crc = new java.util.zip.CRC32();
          private long received;

          @Override
          public java.util.concurrent.@Nullable CompletionStage<?> onBinary(
              java.net.http.WebSocket webSocket, ByteBuffer data, boolean last) {
            received += data.remaining();
            crc.update(data);
            if (last) {
              whole.complete(HeldWebSocketUpstream.answer(received, crc.getValue()));
            }
            if (firstPart.complete(null)) {
              var unused = released.thenRun(() -> webSocket.request(Long.MAX_VALUE));
            } else {
              webSocket.request(1);
            }
            return null;
          }
        };
    java.net.http.WebSocket ws =
        http.newWebSocketBuilder()
            .connectTimeout(Await.DEADLINE)
            .buildAsync(URI.create("ws://localhost:" + s.port + "/large"), holding)
            .get(Await.DEADLINE.toSeconds(), TimeUnit.SECONDS);
    resources.push(ws::abort);
    ws.sendText("send " + length, true).get(Await.DEADLINE.toSeconds(), TimeUnit.SECONDS);
    firstPart.get(Await.DEADLINE.toSeconds(), TimeUnit.SECONDS);
    assertFalse(
        upstream.sentWhole().isDone(), "the router took the whole message from the upstream while the client read none of it");
    released.complete(null);
    upstream.sentWhole().get(Await.DEADLINE.toSeconds(), TimeUnit.SECONDS);
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    crc.update(HeldWebSocketUpstream.bytes(length));
    assertEquals(
        HeldWebSocketUpstream.answer(length, crc.getValue()),
        whole.get(Await.DEADLINE.toSeconds(), TimeUnit.SECONDS),
        "the whole message, byte for byte");
  }

  /**
   * Whether this adapter lists WebSockets for this scenario's target kind as a known defect: then
   * an upgrade must still fail (the test fails once it works, so that the entry is taken off).
   */
  private boolean webSocketsAreAKnownDefect(Scenario s, HttpClient http) {
    String defect = knownDefects().get("webSocket/" + s.kind);
    if (defect == null) {
      return false;
    }
    WebSocketClient ws;
    try {
      ws = s.webSocket(http, "/chat");
    } catch (Exception expected) {
      log.info("known defect, webSocket/{}: {} ({})", s.kind, defect, expected.toString());
      return true;
    }
    ws.close();
    throw new AssertionError("a WebSocket works now: remove it from knownDefects(): " + defect);
  }


  // ---------------------------------------------------------------- fixtures

  /** The table most scenarios route with; see {@link HostileRequest} for its routes. */
  static RoutingTable routingTable() {
    return RoutingTable.builder()
        .workspace(BLUE)
        .workspace(GREEN)
        .workspace(GRAY)
        .domain(SHOP, DomainStatus.VERIFIED)
        .route(SHOP, "/", BLUE)
        .route(SHOP, "/admin", GREEN)
        .route(SHOP, "/api", GREEN)
        .route(SHOP, "/api/v2", BLUE)
        .domain(OTHER, DomainStatus.VERIFIED)
        .route(OTHER, "/", GREEN)
        .domain("*.apps.example.com", DomainStatus.VERIFIED)
        .route("*.apps.example.com", "/", GREEN)
        .domain("x.apps.example.com", DomainStatus.VERIFIED)
        .route("x.apps.example.com", "/", BLUE)
        .domain("api-only.example.com", DomainStatus.VERIFIED)
        .route("api-only.example.com", "/api", BLUE)
        .domain("down.example.com", DomainStatus.VERIFIED)
        .route("down.example.com", "/", GRAY)
        .previewSuffix("preview.localhost")
        .previewHost("green.preview.localhost", GREEN)
        .previewHost("blue.preview.localhost", BLUE)
        .build();
  }

  /** One domain on blue, green declared: the table the switching scenarios start from. */
  static RoutingTable switchTable() {
    return RoutingTable.builder()
        .workspace(BLUE)
        .workspace(GREEN)
        .domain(SHOP, DomainStatus.VERIFIED)
        .route(SHOP, "/", BLUE)
        .build();
  }

  private Scenario scenario(TargetKind kind, RoutingTable table) {
    return new Scenario(kind, Router.create(table));
  }

  private Scenario scenario(TargetKind kind, RoutingTable table, Duration longLivedGrace) {
    return new Scenario(kind, Router.builder().initialTable(table).longLivedGrace(longLivedGrace).build());
  }

  /**
   * The WebSocket scenarios' table: {@code localhost} on blue, green declared. The JDK's WebSocket
   * client sets {@code Host} from the URI itself, and {@code localhost} reaches the loopback
   * interface without a resolver.
   */
  static RoutingTable webSocketTable() {
    return RoutingTable.builder()
        .workspace(BLUE)
        .workspace(GREEN)
        .domain(WEBSOCKET_HOST, DomainStatus.VERIFIED)
        .route(WEBSOCKET_HOST, "/", BLUE)
        .build();
  }

  private static void assertServedBy(Scenario s, String host, String target, String workspace)
      throws IOException {
    RawResponse r = s.get(host, target);
    assertEquals(200, r.status(), () -> host + target + " should reach " + workspace + ": " + r);
    assertEquals(workspace, r.workspace(), () -> host + target + " reached the wrong workspace");
  }

  private static void assertStatus(Scenario s, String host, String target, int status)
      throws IOException {
    RawResponse r = s.get(host, target);
    assertEquals(status, r.status(), () -> host + target + ": " + r + " " + r.bodyText());
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

  /** The failed upstream exchanges are counted as such, and none as served. */
  private static void assertCounted(Scenario s, String workspace, RequestOutcome outcome, long count) {
    WorkspaceId id = WorkspaceId.of(workspace);
    assertEquals(count, s.router.requests(id, outcome), () -> outcome + " counted for metrics");
    assertEquals(0, s.router.requests(id, RequestOutcome.SERVED), "requests counted as served");
  }

  /** A request on a connection the client closes: a POST carries a five-byte body. */
  static String smallRequest(String method, String host, String target) {
    boolean post = method.equals("POST");
    return method + " " + target + " HTTP/1.1\r\nHost: " + host
        + (post ? "\r\nContent-Type: text/plain\r\nContent-Length: 5" : "")
        + "\r\nConnection: close\r\n\r\n" + (post ? "hello" : "");
  }

  private MisbehavingUpstream misbehaving(MisbehavingUpstream.Misbehaviour misbehaviour)
      throws IOException {
    MisbehavingUpstream upstream = MisbehavingUpstream.start(misbehaviour);
    resources.push(upstream);
    return upstream;
  }

  /** A loopback port on which nothing listens (it was free a moment ago). */
  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** One test's router server, its workspaces, and the clients that talk to it. */
  private final class Scenario {
    final TargetKind kind;
    final Router router;
    final Map<String, WorkspaceApp> apps = new LinkedHashMap<>();
    final Map<String, WorkspaceServer> servers = new LinkedHashMap<>();
    final Map<WorkspaceId, WorkspaceTarget> targets = new LinkedHashMap<>();
    @Nullable WorkspaceApp unknownHostApp;
    Duration upstreamTimeout = Duration.ofSeconds(30);
    boolean decodeEncodedSeparators;
    Transport transport = Transport.HTTP_1_1;
    @Nullable PreviewTokens previews;
    @Nullable CanaryKey canaryKey;
    int port;

    Scenario(TargetKind kind, Router router) {
      this.kind = kind;
      this.router = router;
    }

    /** Binds each named workspace to an app of its name, in process or behind its own server. */
    Scenario bind(String... names) throws IOException {
      for (String name : names) {
        WorkspaceApp app = WorkspaceApp.named(name);
        apps.put(name, app);
        if (kind == TargetKind.IN_PROCESS) {
          targets.put(WorkspaceId.of(name), new WorkspaceTarget.InProcess(app));
        } else {
          WorkspaceServer server = WorkspaceServer.start(app);
          resources.push(server);
          servers.put(name, server);
          targets.put(WorkspaceId.of(name), new WorkspaceTarget.Upstream(List.of(server.baseUri())));
        }
      }
      return this;
    }

    /**
     * Binds each named workspace to an app of its name that also speaks WebSocket ({@link
     * WebSocketEcho}): in process, or behind a {@link WebSocketWorkspaceServer}.
     */
    Scenario bindWebSockets(String... names) throws Exception {
      for (String name : names) {
        WorkspaceApp app = WorkspaceApp.named(name);
        apps.put(name, app);
        if (kind == TargetKind.IN_PROCESS) {
          targets.put(WorkspaceId.of(name), new WorkspaceTarget.InProcess(app));
        } else {
          WebSocketWorkspaceServer server = WebSocketWorkspaceServer.start(app);
          resources.push(server);
          targets.put(WorkspaceId.of(name), new WorkspaceTarget.Upstream(List.of(server.baseUri())));
        }
      }
      return this;
    }

    /** A WebSocket to this scenario's server at {@code path}, closed (aborted) after the test. */
    WebSocketClient webSocket(HttpClient http, String path) throws Exception {
      WebSocketClient ws = WebSocketClient.open(http, port, path);
      resources.push(ws);
      return ws;
    }

    Scenario bindUpstream(String name, URI... baseUris) {
      targets.put(WorkspaceId.of(name), new WorkspaceTarget.Upstream(List.of(baseUris)));
      return this;
    }

    Scenario unknownHostApp(WorkspaceApp app) {
      this.unknownHostApp = app;
      return this;
    }

    Scenario upstreamTimeout(Duration timeout) {
      this.upstreamTimeout = timeout;
      return this;
    }

    Scenario decodeEncodedSeparators() {
      this.decodeEncodedSeparators = true;
      return this;
    }

    Scenario transport(Transport t) {
      this.transport = t;
      return this;
    }

    /** An HTTP/2 client on one connection to this scenario's server, closed after the test. */
    H2Client h2(H2Client.Mode mode) throws Exception {
      H2Client client = H2Client.start(mode, port);
      resources.push(client);
      return client;
    }

    Scenario previews() {
      this.previews = PREVIEWS;
      return this;
    }

    Scenario canaryKey(CanaryKey key) {
      this.canaryKey = key;
      return this;
    }

    Scenario start() throws Exception {
      RouterServer server =
          startRouterServer(
              new RouterServerSpec(
                  router,
                  targets,
                  unknownHostApp,
                  Duration.ofSeconds(RETRY_AFTER_SECONDS),
                  upstreamTimeout,
                  decodeEncodedSeparators,
                  transport,
                  previews,
                  canaryKey));
      assertNotNull(server, "startRouterServer returned null");
      resources.push(server::stop);
      port = server.port();
      return this;
    }

    WorkspaceApp app(String name) {
      WorkspaceApp app = apps.get(name);
      if (app == null) {
        throw new IllegalArgumentException("no app named " + name + " in " + apps.keySet());
      }
      return app;
    }

    RawConnection connect() throws IOException {
      RawConnection c = RawConnection.open(port);
      resources.push(c);
      return c;
    }

    /** Sends one GET on a fresh connection and reads the answer. */
    RawResponse get(String host, String target) throws IOException {
      return RawConnection.getOnce(port, host, target);
    }

    RawResponse exchange(String rawRequest) throws IOException {
      try (RawConnection c = RawConnection.open(port)) {
        return c.exchange(rawRequest);
      }
    }
  }
}
