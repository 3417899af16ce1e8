package dev.switchover.servlet;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.switchover.DomainStatus;
import dev.switchover.Router;
import dev.switchover.RoutingTable;
import dev.switchover.WorkspaceId;
import dev.switchover.rawhttp.RawConnection;
import dev.switchover.rawhttp.RawResponse;
import dev.switchover.testkit.Gate;
import dev.switchover.testkit.Http2WorkspaceServer;
import dev.switchover.testkit.WorkspaceApp;
import dev.switchover.testkit.WorkspaceServer;
import jakarta.servlet.ServletException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The filter as a container creates it, configured from {@code FilterConfig} init parameters, in
 * Jetty's servlet container: each parameter takes effect, and a bad one stops the deployment with
 * a message that names it.
 */
final class FilterConfigTest {
  private static final String SHOP = "shop.example.com";
  private static final String OTHER = "other.example.com";
  private static final String GRAY = "gray.example.com";

  private final List<AutoCloseable> resources = new ArrayList<>();
  private final Router router =
      Router.create(
          RoutingTable.builder()
              .workspace("blue")
              .workspace("green")
              .workspace("gray")
              .domain(SHOP, DomainStatus.VERIFIED)
              .domain(OTHER, DomainStatus.VERIFIED)
              .domain(GRAY, DomainStatus.VERIFIED)
              .route(SHOP, "/", "blue")
              .route(OTHER, "/", "green")
              .route(GRAY, "/", "gray")
              .build());
  private final WorkspaceApp green = WorkspaceApp.named("green");

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable r : resources) {
      r.close();
    }
  }

  @Test
  void initParameters_everyOneSet_takeEffect() throws Exception {
    WorkspaceServer upstream = WorkspaceServer.start(green);
    resources.add(upstream);
    Map<String, String> parameters = new LinkedHashMap<>();
    parameters.put("router-attribute", "my.router");
    parameters.put("workspace.blue.servlet", " workspace-blue ");
    parameters.put("workspace.green.upstream", "http://127.0.0.1:1, " + upstream.baseUri());
    parameters.put("unknown-host", "chain");
    parameters.put("retry-after", "7");
    parameters.put("upstream-timeout", "500");
    parameters.put("upstream-threads", "4");
    parameters.put("encoded-separators", "refuse");
    int port = start("my.router", parameters);

    assertEquals("blue", get(port, SHOP, "/a").workspace());
    // Two base URIs taken in turn: the closed port answers 502, the live one serves.
    List<Integer> statuses = List.of(get(port, OTHER, "/").status(), get(port, OTHER, "/").status());
    assertTrue(statuses.contains(502) && statuses.contains(200), statuses::toString);
    RawResponse unknown = get(port, "unknown.example.net", "/");
    assertEquals("fallback", unknown.workspace(), unknown::toString);
    RawResponse unbound = get(port, GRAY, "/");
    assertAll(
        () -> assertEquals(503, unbound.status(), unbound::toString),
        () -> assertEquals("7", unbound.header("Retry-After"), unbound::toString));
    Gate never = green.gate("never");
    try {
      int slow = get(port, OTHER, "/?hold=never").status();
      int slowAgain = get(port, OTHER, "/?hold=never").status();
      assertTrue(slow == 504 || slowAgain == 504, () -> slow + ", " + slowAgain);
    } finally {
      never.open();
    }
  }

  @Test
  void webSocketUpgrade_toAnUpstream_isNotImplementedAndSaysWhy() throws Exception {
    WorkspaceServer upstream = WorkspaceServer.start(green);
    resources.add(upstream);
    int port = start(SwitchoverFilter.DEFAULT_ROUTER_ATTRIBUTE, Map.of("workspace.green.upstream", upstream.baseUri().toString()));
    RawResponse r;
    try (RawConnection c = RawConnection.open(port)) {
      r = c.exchange(
          "GET /chat HTTP/1.1\r\nHost: " + OTHER + "\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
              + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
    }
    RawResponse answer = r;
    assertAll(
        () -> assertEquals(501, answer.status(), answer::toString),
        () -> assertTrue(answer.bodyText().contains("WebSocket upgrades to upstream workspaces are not proxied"), answer::bodyText));
    assertEquals(0, green.served(), "the upstream never saw the upgrade");
    WorkspaceId g = WorkspaceId.of("green");
    assertEquals(0, router.requests(g, dev.switchover.RequestOutcome.WORKSPACE_ERROR), "not counted as green's error");
    assertEquals(0, router.inFlight(g));
  }

  @Test
  void initParameters_h2cUpstream_isReachedOverHttp2() throws Exception {
    Http2WorkspaceServer upstream = Http2WorkspaceServer.start(green, Http2WorkspaceServer.Mode.H2C);
    resources.add(upstream);
    int port =
        start(
            SwitchoverFilter.DEFAULT_ROUTER_ATTRIBUTE,
            Map.of("workspace.green.upstream", upstream.baseUri().toString()));
    RawResponse r = get(port, OTHER, "/x");
    assertEquals(200, r.status(), r::toString);
    assertEquals("green", r.workspace());
    assertEquals("HTTP/2.0", upstream.seen().get(0).protocol(), "the upstream was reached over HTTP/2");
  }

  @Test
  void initParameters_onlyAWorkspace_defaultsApply() throws Exception {
    int port = start(SwitchoverFilter.DEFAULT_ROUTER_ATTRIBUTE, Map.of("workspace.blue.servlet", "workspace-blue"));
    assertEquals("blue", get(port, SHOP, "/").workspace());
    assertEquals(421, get(port, "unknown.example.net", "/").status());
    RawResponse unbound = get(port, OTHER, "/");
    assertAll(
        () -> assertEquals(503, unbound.status(), unbound::toString),
        () -> assertEquals("5", unbound.header("Retry-After"), unbound::toString));
  }

  @Test
  void upstream_requestWithoutAsyncSupport_isAnswered500AndEndsItsInFlightCount() throws Exception {
    WorkspaceServer upstream = WorkspaceServer.start(green);
    resources.add(upstream);
    int port =
        start(
            SwitchoverFilter.DEFAULT_ROUTER_ATTRIBUTE,
            Map.of("workspace.green.upstream", upstream.baseUri().toString()),
            false);
    RawResponse r = get(port, OTHER, "/");
    assertEquals(500, r.status(), r::toString);
    assertEquals(500, get(port, OTHER, "/again").status());
    assertEquals(0, router.inFlight(WorkspaceId.of("green")));
    assertEquals(0, green.served(), "requests the upstream served");
  }

  @Test
  void encodedSeparatorsParameter_decode_routesOnTheDecodedPath() throws Exception {
    int port =
        start(
            SwitchoverFilter.DEFAULT_ROUTER_ATTRIBUTE,
            Map.of("workspace.blue.servlet", "workspace-blue", "encoded-separators", "decode"),
            true,
            true);
    RawResponse decoded = get(port, SHOP, "/a%2Fb");
    assertEquals("blue", decoded.workspace(), decoded::toString);
    assertEquals("/a/b", decoded.echo().get("target"));
  }

  @Test
  void encodedSeparatorsParameter_byDefault_refusesThem() throws Exception {
    int port =
        start(
            SwitchoverFilter.DEFAULT_ROUTER_ATTRIBUTE,
            Map.of("workspace.blue.servlet", "workspace-blue"),
            true,
            true);
    assertEquals(400, get(port, SHOP, "/a%2Fb").status());
  }

  static Stream<Arguments> badParameters() {
    return Stream.of(
        bad(Map.of("router-attribute", "nowhere"), "nowhere must hold a dev.switchover.Router, but holds nothing"),
        bad(Map.of("workspace.blue.servlet", " "), "workspace.blue.servlet"),
        bad(Map.of("workspace.blue.upstream", "ftp://127.0.0.1"), "the scheme must be h2 or h2c or http or https"),
        bad(Map.of("workspace.blue.upstream", "h2c-prior://127.0.0.1:1"), "the scheme must be h2 or h2c or http or https"),
        bad(Map.of("workspace.blue.upstream", "http://a b"), "expected base URIs separated by commas"),
        bad(Map.of("workspace.blue.upstream", "http://127.0.0.1:1,"), "workspace.blue.upstream"),
        bad(Map.of("workspace.blue.upstream", "http://127.0.0.1/?q"), "must not have user info, a query"),
        bad(Map.of("workspace.blue.proxy", "x"), "expected workspace.<name>.servlet or workspace.<name>.upstream"),
        bad(Map.of("workspace.servlet", "x"), "expected workspace.<name>.servlet or workspace.<name>.upstream"),
        bad(Map.of("workspace.a b.servlet", "x"), "workspace.a b.servlet"),
        bad(
            Map.of("workspace.blue.servlet", "workspace-blue", "workspace.blue.upstream", "http://127.0.0.1"),
            "workspace blue is already bound"),
        bad(Map.of("unknown-host", "404"), "expected 421 or chain"),
        bad(Map.of("retry-after", "soon"), "retry-after=\"soon\": expected a whole number of seconds"),
        bad(Map.of("retry-after", "-1"), "must not be negative"),
        bad(Map.of("upstream-timeout", "1.5"), "expected a whole number of milliseconds"),
        bad(Map.of("upstream-timeout", "0"), "at least one millisecond"),
        bad(Map.of("upstream-threads", "some"), "expected a whole number of threads"),
        bad(Map.of("upstream-threads", "3"), "expected a number of threads from 4 to 2147483647"),
        bad(Map.of("encoded-separators", "maybe"), "expected refuse or decode"),
        bad(Map.of("retry_after", "5"), "retry_after=\"5\": unknown init parameter"));
  }

  private static Arguments bad(Map<String, String> parameters, String expected) {
    return Arguments.of(parameters, expected);
  }

  @ParameterizedTest
  @MethodSource("badParameters")
  void initParameters_badValue_failTheDeploymentNamingIt(Map<String, String> parameters, String expected) {
    ServletException failure;
    try {
      start(SwitchoverFilter.DEFAULT_ROUTER_ATTRIBUTE, parameters);
      failure = null;
    } catch (Exception e) {
      failure = servletException(e);
    }
    if (failure == null) {
      fail("the deployment started with " + parameters);
      return;
    }
    String message = String.valueOf(failure.getMessage());
    assertTrue(message.startsWith("SwitchoverFilter switchover: "), message);
    assertTrue(message.contains(expected), () -> "expected \"" + expected + "\" in: " + message);
  }

  private static @Nullable ServletException servletException(Throwable thrown) {
    for (Throwable t = thrown; t != null; t = t.getCause()) {
      if (t instanceof ServletException se) {
        return se;
      }
      for (Throwable s : t.getSuppressed()) {
        ServletException found = servletException(s);
        if (found != null) {
          return found;
        }
      }
    }
    return null;
  }

  private static RawResponse get(int port, String host, String target) throws Exception {
    return RawConnection.getOnce(port, host, target);
  }

  /** Jetty with the router in {@code attribute} and the filter created by the container. */
  private int start(String attribute, Map<String, String> parameters) throws Exception {
    return start(attribute, parameters, true, false);
  }

  private int start(String attribute, Map<String, String> parameters, boolean asyncSupported)
      throws Exception {
    return start(attribute, parameters, asyncSupported, false);
  }

  /** With {@code ambiguousSeparators}, Jetty lets {@code %2F} reach the filter. */
  private int start(
      String attribute, Map<String, String> parameters, boolean asyncSupported, boolean ambiguousSeparators)
      throws Exception {
    FilterHolder filter = new FilterHolder(SwitchoverFilter.class);
    filter.setName("switchover");
    filter.setInitParameters(parameters);
    filter.setAsyncSupported(asyncSupported);
    ServletContextHandler context =
        JettyServletRouterServer.context(
            filter,
            Map.of("workspace-blue", new WorkspaceAppServlet(WorkspaceApp.named("blue"))),
            new WorkspaceAppServlet(WorkspaceApp.named("fallback")));
    context.setAttribute(attribute, router);
    JettyServletRouterServer server = JettyServletRouterServer.start(context, ambiguousSeparators);
    resources.add(0, server::stop);
    return server.port();
  }
}
