package dev.switchover.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchover.Admission;
import dev.switchover.DomainStatus;
import dev.switchover.RequestOutcome;
import dev.switchover.Router;
import dev.switchover.RoutingTable;
import dev.switchover.admin.AdminApi;
import dev.switchover.admin.AdminServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

final class SwitchoverMetricsTest {
  private static RoutingTable blueGreen() {
    return RoutingTable.builder()
        .workspace("blue")
        .workspace("green")
        .domain("shop.example.com", DomainStatus.VERIFIED)
        .domain("api.example.com", DomainStatus.VERIFIED)
        .route("shop.example.com", "/", "blue")
        .route("api.example.com", "/v1", "green")
        .build();
  }

  private static void send(Router router, String host, String path, int times) {
    for (int i = 0; i < times; i++) {
      router.admit(host, path).close();
    }
  }

  private static double count(SimpleMeterRegistry registry, String workspace, String outcome) {
    return registry.get("switchover.requests").tag("workspace", workspace).tag("outcome", outcome).functionCounter().count();
  }

  @Test
  void requests_countsMatchTheRequestsSentByWorkspaceAndOutcome() {
    Router router = Router.create(blueGreen());
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (SwitchoverMetrics metrics = SwitchoverMetrics.of(router)) {
      metrics.bindTo(registry);
      send(router, "shop.example.com", "/", 7);
      send(router, "api.example.com", "/v1/x", 3);
      send(router, "nowhere.example.com", "/", 2);
      send(router, "api.example.com", "/v2", 4);
      try (Admission a = router.admit("shop.example.com", "/")) {
        a.failed(RequestOutcome.BAD_GATEWAY);
      }
      try (Admission a = router.admit("shop.example.com", "/")) {
        a.answered(500);
      }
      Admission held = router.admit("api.example.com", "/v1");
      assertEquals(7, count(registry, "blue", "served"));
      assertEquals(1, count(registry, "blue", "bad_gateway"));
      assertEquals(1, count(registry, "blue", "workspace_error"));
      assertEquals(3, count(registry, "green", "served"));
      assertEquals(2, count(registry, "none", "unknown_host"));
      assertEquals(4, count(registry, "none", "no_route"));
      assertEquals(1, registry.get("switchover.requests.in.flight").tag("workspace", "green").gauge().value());
      held.close();
      assertEquals(0, registry.get("switchover.requests.in.flight").tag("workspace", "green").gauge().value());
    }
  }

  @Test
  void switches_rollbacksRevisionAndVerificationOutcomesAreCounted() {
    Router router = Router.create(blueGreen());
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (SwitchoverMetrics metrics = SwitchoverMetrics.of(router)) {
      metrics.bindTo(registry);
      router.promote("shop.example.com", "green");
      router.rollback();
      router.swap("shop.example.com", "api.example.com");
      router.update(router.current().revision(), b -> b.workspace("red").domain("new.example.org", DomainStatus.PENDING));
      router.setDomainStatus("new.example.org", DomainStatus.VERIFIED);
      assertEquals(1, registry.get("switchover.switches").tag("kind", "promote").counter().count());
      assertEquals(1, registry.get("switchover.switches").tag("kind", "rollback").counter().count());
      assertEquals(1, registry.get("switchover.switches").tag("kind", "swap").counter().count());
      assertEquals(1, registry.get("switchover.switches").tag("kind", "edit").counter().count());
      assertEquals(1, registry.get("switchover.rollbacks").counter().count());
      assertEquals(6, registry.get("switchover.table.revision").gauge().value());
      assertEquals(1, registry.get("switchover.verification.outcomes").tag("status", "pending").counter().count());
      assertEquals(1, registry.get("switchover.verification.outcomes").tag("status", "verified").counter().count());
      // A workspace declared after binding gets its meters.
      send(router, "nowhere.example.com", "/", 1);
      assertEquals(0, count(registry, "red", "served"));
    }
  }

  /** One sample line of the Prometheus text format: name, optional labels, a value. */
  private static final Pattern SAMPLE =
      Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\",?)*\\})? (-?[0-9.eE+-]+|NaN|[+-]Inf)");

  @Test
  void scrape_onTheAdminListener_parsesAndCarriesTheCounts() throws Exception {
    Router router = Router.create(blueGreen());
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (SwitchoverMetrics metrics = SwitchoverMetrics.of(router);
        AdminServer server = AdminServer.builder(AdminApi.builder().router(router).build())
            .port(0)
            .servlet("/metrics", new PrometheusScrapeServlet(registry))
            .build()
            .start()) {
      metrics.bindTo(registry);
      send(router, "shop.example.com", "/", 5);
      send(router, "nowhere.example.com", "/", 2);
      HttpResponse<String> r = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(server.uri().resolve("metrics")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), r.body());
      assertTrue(r.headers().firstValue("Content-Type").orElseThrow().startsWith("text/plain; version=0.0.4"));
      Map<String, Double> samples = new HashMap<>();
      for (String line : r.body().split("\n", -1)) {
        if (line.isEmpty() || line.startsWith("#")) {
          continue;
        }
        Matcher m = SAMPLE.matcher(line);
        assertTrue(m.matches(), () -> "not a Prometheus sample line: " + line);
        samples.put(m.group(1) + (m.group(2) == null ? "" : m.group(2)), Double.parseDouble(m.group(3)));
      }
      assertEquals(5.0, samples.get("switchover_requests_total{outcome=\"served\",workspace=\"blue\"}"), r.body());
      assertEquals(2.0, samples.get("switchover_requests_total{outcome=\"unknown_host\",workspace=\"none\"}"), r.body());
      assertEquals(1.0, samples.get("switchover_table_revision"), r.body());
    }
  }
}
