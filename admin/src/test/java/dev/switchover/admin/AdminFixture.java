package dev.switchover.admin;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchover.DomainStatus;
import dev.switchover.Router;
import dev.switchover.RoutingTable;
import dev.switchover.spi.TxtLookup;
import dev.switchover.verification.DomainVerifier;
import dev.switchover.verification.VerificationSchedule;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A router with two domains on blue and green, a verification schedule over an in-memory DNS zone,
 * and the admin API on a standalone listener on a free loopback port; requests go over real HTTP.
 */
final class AdminFixture implements AutoCloseable {
  static final String OPERATOR_SECRET = "operator-secret-0123456789abcdef";
  static final String VIEWER_SECRET = "viewer-secret-0123456789abcdef00";

  final Router router;
  final Zone zone = new Zone();
  final MutableClock clock = new MutableClock();
  final VerificationSchedule schedule;
  final AdminApi api;
  final AdminServer server;
  final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  /** A zone of TXT records that the verifier reads, as a DNS server would serve it. */
  static final class Zone implements TxtLookup {
    final Map<String, List<String>> records = new ConcurrentHashMap<>();

    @Override
    public CompletionStage<List<String>> lookup(String name, InetSocketAddress resolver, Duration timeout) {
      return CompletableFuture.completedFuture(records.getOrDefault(name.toLowerCase(java.util.Locale.ROOT), List.of()));
    }
  }

  /** A clock a test moves by hand. */
  static final class MutableClock extends Clock {
    private volatile Instant now = Instant.parse("2026-12-01T10:00:00Z");

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  static RoutingTable blueGreen() {
    return RoutingTable.builder()
        .workspace("blue")
        .workspace("green")
        .domain("shop.example.com", DomainStatus.VERIFIED)
        .domain("staging.example.com", DomainStatus.VERIFIED)
        .route("shop.example.com", "/", "blue")
        .route("shop.example.com", "/api", "blue")
        .route("staging.example.com", "/", "green")
        .previewSuffix("preview.example.net")
        .previewHost("green.preview.example.net", "green")
        .previewHost("blue.preview.example.net", "blue")
        .build();
  }

  AdminFixture() {
    this(b -> b.token("alice", Role.OPERATOR, OPERATOR_SECRET).token("viewer", Role.READ_ONLY, VIEWER_SECRET), true);
  }

  AdminFixture(Consumer<AdminApi.Builder> configure, boolean withVerification) {
    router = Router.create(blueGreen());
    DomainVerifier verifier =
        DomainVerifier.builder()
            .resolvers(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 53))
            .txtLookup(zone)
            .clock(clock)
            .build();
    schedule = VerificationSchedule.create(verifier, router);
    AdminApi.Builder b = AdminApi.builder().router(router).clock(clock);
    if (withVerification) {
      b.verification(schedule);
    }
    configure.accept(b);
    api = b.build();
    server = AdminServer.builder(api).port(0).build().start();
  }

  URI uri(String path) {
    return server.uri().resolve(path);
  }

  /** A request to {@code path} with the operator's token. */
  HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + OPERATOR_SECRET);
  }

  HttpResponse<String> send(HttpRequest request) {
    try {
      return client.send(request, HttpResponse.BodyHandlers.ofString(UTF_8));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  HttpResponse<String> get(String path) {
    return send(request(path).GET().build());
  }

  /** A POST with a JSON body (or none), guarded by {@code ifMatch} when given. */
  HttpResponse<String> post(String path, @Nullable String json, @Nullable Long ifMatch) {
    HttpRequest.Builder r = request(path);
    if (ifMatch != null) {
      r.header("If-Match", "\"" + ifMatch + "\"");
    }
    if (json == null) {
      r.POST(HttpRequest.BodyPublishers.noBody());
    } else {
      r.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
    }
    return send(r.build());
  }

  static JsonNode json(HttpResponse<String> response) {
    try {
      return JsonBody.MAPPER.readTree(response.body());
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + response.body(), e);
    }
  }

  /** Asserts a problem+json answer with {@code status} and {@code type}; returns its body. */
  static JsonNode assertProblem(HttpResponse<String> response, int status, String type) {
    assertEquals(status, response.statusCode(), response.body());
    assertEquals("application/problem+json", com.google.common.base.Ascii.toLowerCase(response.headers().firstValue("Content-Type").orElse("")).replaceFirst(";.*", ""), response.body());
    JsonNode problem = json(response);
    assertEquals(ApiHandler.PROBLEM_TYPE_PREFIX + type, problem.path("type").asText(), response.body());
    assertEquals(status, problem.path("status").asInt());
    return problem;
  }

  @Override
  public void close() {
    server.close();
    router.close();
  }
}
