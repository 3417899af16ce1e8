package dev.switchover.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchover.Router;
import dev.switchover.rawhttp.RawConnection;
import dev.switchover.rawhttp.RawResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.test.context.TestPropertySource;

/**
 * What a real Spring Boot application with the starter does on a loopback port, whatever its
 * embedded server: routing by host and path to the two named servlets, a promote through the admin
 * servlet, the metrics in Actuator, and no failed request under load while the domain switches.
 */
@TestPropertySource(locations = "classpath:shop-server.properties")
abstract class ServerScenarios {
  /** How long the load runs while the domain switches; longer with -Dswitchover.spring.loadMillis. */
  private static final Duration LOAD = Duration.ofMillis(Long.getLong("switchover.spring.loadMillis", 1500));

  @Value("${local.server.port}")
  int port;

  @Autowired Router router;

  @Test
  void requests_areRoutedByHostAndPath() throws IOException {
    router.promote(Shop.DOMAIN, "blue");
    try (RawConnection c = RawConnection.open(port)) {
      RawResponse shop = c.get(Shop.DOMAIN, "/cart?x=1");
      assertThat(shop.status()).isEqualTo(200);
      assertThat(shop.workspace()).isEqualTo("blue");
      assertThat(shop.bodyText()).isEqualTo("shop v1 from blue: /cart");
      RawResponse preview = c.get(Shop.GREEN_PREVIEW + ":" + port, "/");
      assertThat(preview.workspace()).isEqualTo("green");
      assertThat(preview.bodyText()).startsWith("shop v2 from green");
    }
    // A host the table does not know goes on to the application itself, which has no page there.
    RawResponse unknown = RawConnection.getOnce(port, "localhost", "/cart");
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.workspace()).isNull();
    // An ambiguous path is refused before any servlet sees it.
    assertThat(RawConnection.getOnce(port, Shop.DOMAIN, "/a/%2e%2e/cart").status()).isEqualTo(400);
  }

  @Test
  void promote_throughTheAdminServlet() throws IOException {
    router.promote(Shop.DOMAIN, "blue");
    RawResponse table = admin("GET", "/switchover/api/table", Shop.READER_SECRET, null, null);
    assertThat(table.status()).isEqualTo(200);
    String etag = table.header("ETag");
    assertThat(etag).isEqualTo("\"" + router.current().revision() + "\"");

    RawResponse refused = admin("POST", "/switchover/api/domains/shop.localhost/promote", Shop.READER_SECRET, etag, "{\"workspace\":\"green\"}");
    assertThat(refused.status()).isEqualTo(403);
    assertThat(RawConnection.getOnce(port, Shop.DOMAIN, "/").workspace()).isEqualTo("blue");

    RawResponse promoted = admin("POST", "/switchover/api/domains/shop.localhost/promote", Shop.OPERATOR_SECRET, etag, "{\"workspace\":\"green\"}");
    assertThat(promoted.status()).as(promoted.bodyText()).isEqualTo(200);
    assertThat(RawConnection.getOnce(port, Shop.DOMAIN, "/").workspace()).isEqualTo("green");

    RawResponse stale = admin("POST", "/switchover/api/domains/shop.localhost/promote", Shop.OPERATOR_SECRET, etag, "{\"workspace\":\"blue\"}");
    assertThat(stale.status()).isEqualTo(409);
    assertThat(RawConnection.getOnce(port, Shop.DOMAIN, "/").workspace()).isEqualTo("green");

    assertThat(admin("GET", "/switchover/", null, null, null).bodyText()).contains("<html");
  }

  @Test
  void metrics_showInActuatorAndPrometheus() throws IOException {
    assertThat(RawConnection.getOnce(port, Shop.DOMAIN, "/").status()).isEqualTo(200);
    RawResponse metric = RawConnection.getOnce(port, "localhost", "/actuator/metrics/switchover.requests");
    assertThat(metric.status()).as(metric.bodyText()).isEqualTo(200);
    assertThat(metric.bodyText()).contains("\"switchover.requests\"").contains("workspace");
    RawResponse prometheus = RawConnection.getOnce(port, "localhost", "/actuator/prometheus");
    assertThat(prometheus.status()).isEqualTo(200);
    assertThat(prometheus.bodyText()).contains("switchover_requests_total").contains("switchover_table_revision");
  }

  @Test
  void load_whileTheDomainSwitches_failsNoRequest() throws Exception {
    router.promote(Shop.DOMAIN, "blue");
    int clients = 4;
    AtomicBoolean stop = new AtomicBoolean();
    LongAdder served = new LongAdder();
    Queue<String> failures = new ConcurrentLinkedQueue<>();
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    List<Future<?>> running = new ArrayList<>();
    try {
      for (int i = 0; i < clients; i++) {
        int id = i;
        running.add(
            pool.submit(
                () -> {
                  try (RawConnection c = RawConnection.open(port)) {
                    for (long n = 0; !stop.get(); n++) {
                      RawResponse r = c.get(Shop.DOMAIN, "/load?client=" + id + "&n=" + n);
                      String w = r.workspace();
                      if (r.status() != 200 || !("blue".equals(w) || "green".equals(w))) {
                        failures.add(r.status() + " from " + w + ": " + r.bodyText());
                      }
                      served.increment();
                    }
                  } catch (IOException e) {
                    failures.add(e.toString());
                  }
                  return null;
                }));
      }
      int switches = 0;
      long end = System.nanoTime() + LOAD.toNanos();
      while (System.nanoTime() - end < 0 || switches < 10) {
        String target = switches % 2 == 0 ? "green" : "blue";
        router.promote(Shop.DOMAIN, target);
        switches++;
        // Once the switch returned, a new request is served by its target.
        assertThat(RawConnection.getOnce(port, Shop.DOMAIN, "/").workspace()).isEqualTo(target);
      }
      stop.set(true);
      for (Future<?> f : running) {
        f.get();
      }
      assertThat(failures).as("failed requests").isEmpty();
      assertThat(served.sum()).isPositive();
      System.out.printf(Locale.ROOT, "%s: %d requests, %d switches, none failed%n", getClass().getSimpleName(), served.sum(), switches);
    } finally {
      stop.set(true);
      pool.shutdownNow();
    }
  }

  private RawResponse admin(String method, String target, @org.jspecify.annotations.Nullable String secret, @org.jspecify.annotations.Nullable String ifMatch, @org.jspecify.annotations.Nullable String json) throws IOException {
    StringBuilder request = new StringBuilder();
    request.append(method).append(' ').append(target).append(" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
    if (secret != null) {
      request.append("Authorization: Bearer ").append(secret).append("\r\n");
    }
    if (ifMatch != null) {
      request.append("If-Match: ").append(ifMatch).append("\r\n");
    }
    byte[] body = json == null ? new byte[0] : json.getBytes(StandardCharsets.UTF_8);
    if (json != null) {
      request.append("Content-Type: application/json\r\nContent-Length: ").append(body.length).append("\r\n");
    }
    request.append("\r\n");
    if (json != null) {
      request.append(json);
    }
    try (RawConnection c = RawConnection.open(port)) {
      return c.exchange(request.toString());
    }
  }
}
