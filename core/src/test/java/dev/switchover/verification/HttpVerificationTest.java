package dev.switchover.verification;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.switchover.DomainStatus;
import dev.switchover.verification.Challenge.Method;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HTTP token checks against a real HTTP server on a loopback port. The domains cannot resolve to
 * loopback, so the verifier sends its requests through {@link DomainVerifier.Builder#httpProxy}
 * to that server, which receives them exactly as the domain's own server would (absolute URI,
 * {@code Host: shop.example.com}) and answers as each test needs.
 */
final class HttpVerificationTest {
  private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

  private final MutableClock clock = new MutableClock(START);
  private final CountDownLatch release = new CountDownLatch(1);
  private final List<String> hosts = new CopyOnWriteArrayList<>();
  private ExecutorService executor;
  private HttpServer server;
  private DomainVerifier verifier;
  /** For the slow servers: gives up after 500 ms. */
  private DomainVerifier impatient;
  private volatile Handler handler = exchange -> respond(exchange, 500, "no handler");

  /** What the server does with one request. */
  private interface Handler {
    void handle(HttpExchange exchange) throws IOException, InterruptedException;
  }

  @BeforeEach
  void startServer() throws IOException {
    executor = Executors.newCachedThreadPool();
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(executor);
    server.createContext(
        "/",
        exchange -> {
          hosts.add(exchange.getRequestHeaders().getFirst("Host") + " " + exchange.getRequestURI());
          try {
            handler.handle(exchange);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } catch (IOException e) {
            // the client went away (it stops reading an oversized body): nothing to do
          } finally {
            exchange.close();
          }
        });
    server.start();
    verifier =
        DomainVerifier.builder()
            .httpProxy(server.getAddress())
            .timeout(Duration.ofSeconds(5))
            .clock(clock)
            .build();
    impatient =
        DomainVerifier.builder()
            .httpProxy(server.getAddress())
            .timeout(Duration.ofMillis(500))
            .clock(clock)
            .build();
  }

  @AfterEach
  void stopServer() throws InterruptedException {
    release.countDown();
    server.stop(0);
    executor.shutdownNow();
    executor.awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void check_rightToken_isVerified() {
    Challenge challenge = verifier.challenge("Shop.Example.COM.");
    handler = exchange -> respond(exchange, 200, challenge.recordValue() + "\n");

    Verification v = verifier.check(challenge, Method.HTTP_TOKEN);

    assertEquals(DomainStatus.VERIFIED, v.status(), v.reason());
    assertEquals(START.plus(Duration.ofDays(7)), v.validUntil().orElseThrow());
    assertEquals(List.of("shop.example.com http://shop.example.com" + challenge.httpPath()), hosts);
  }

  @Test
  void check_wrongToken_failsSayingWhatWasExpectedAndFound() {
    Challenge challenge = verifier.challenge("shop.example.com");
    handler = exchange -> respond(exchange, 200, "switchover-verification=someoneelse");

    Verification v = verifier.check(challenge, Method.HTTP_TOKEN);

    assertEquals(DomainStatus.FAILED, v.status());
    assertTrue(v.reason().startsWith("wrong token: expected HTTP 200 with the body \"" + challenge.recordValue() + "\" at http://shop.example.com/.well-known/switchover-challenge/" + challenge.id()), v.reason());
    assertTrue(v.reason().endsWith("found \"switchover-verification=someoneelse\""), v.reason());
  }

  @Test
  void check_serverEchoingThePath_fails() {
    // The id in the URL is not the token: a server that reflects the request cannot pass.
    Challenge challenge = verifier.challenge("shop.example.com");
    handler = exchange -> respond(exchange, 200, exchange.getRequestURI().toString());

    Verification v = verifier.check(challenge, Method.HTTP_TOKEN);

    assertEquals(DomainStatus.FAILED, v.status(), v.reason());
  }

  @Test
  void check_notFound_failsWithTheStatus() {
    Challenge challenge = verifier.challenge("shop.example.com");
    handler = exchange -> respond(exchange, 404, "not found");

    Verification v = verifier.check(challenge, Method.HTTP_TOKEN);

    assertEquals(DomainStatus.FAILED, v.status());
    assertTrue(v.reason().startsWith("no token: "), v.reason());
    assertTrue(v.reason().endsWith("but the server answered 404"), v.reason());
  }

  @Test
  void check_redirectToAnotherHost_isRefused() {
    Challenge challenge = verifier.challenge("shop.example.com");
    handler =
        exchange -> {
          if (exchange.getRequestURI().getHost().equals("shop.example.com")) {
            redirect(exchange, "http://tokens.example.net/" + challenge.token());
          } else {
            respond(exchange, 200, challenge.recordValue()); // would pass, were it fetched
          }
        };

    Verification v = verifier.check(challenge, Method.HTTP_TOKEN);

    assertEquals(DomainStatus.FAILED, v.status());
    assertTrue(v.reason().startsWith("redirect refused: "), v.reason());
    assertTrue(v.reason().contains("redirecting to \"http://tokens.example.net/"), v.reason());
    assertEquals(1, hosts.size(), hosts.toString()); // the other host was never asked
  }

  @Test
  void check_redirectToHttpsOnTheSameHost_isRefused() {
    Challenge challenge = verifier.challenge("shop.example.com");
    handler = exchange -> redirect(exchange, "https://shop.example.com" + challenge.httpPath());

    Verification v = verifier.check(challenge, Method.HTTP_TOKEN);

    assertEquals(DomainStatus.FAILED, v.status());
    assertTrue(v.reason().startsWith("redirect refused: "), v.reason());
  }

  @Test
  void check_redirectOnTheSameHost_isFollowed() {
    Challenge challenge = verifier.challenge("shop.example.com");
    handler =
        exchange -> {
          if (exchange.getRequestURI().getPath().equals(challenge.httpPath())) {
            redirect(exchange, "/tokens/current"); // relative, same host
          } else {
            respond(exchange, 200, challenge.recordValue());
          }
        };

    Verification v = verifier.check(challenge, Method.HTTP_TOKEN);

    assertEquals(DomainStatus.VERIFIED, v.status(), v.reason());
    assertEquals(2, hosts.size(), hosts.toString());
    assertTrue(hosts.get(1).startsWith("shop.example.com http://shop.example.com/tokens/current"), hosts.toString());
  }

  @Test
  void check_endlessRedirectsOnTheSameHost_fail() {
    Challenge challenge = verifier.challenge("shop.example.com");
    handler = exchange -> redirect(exchange, exchange.getRequestURI().getPath() + "x");

    Verification v = verifier.check(challenge, Method.HTTP_TOKEN);

    assertEquals(DomainStatus.FAILED, v.status());
    assertTrue(v.reason().startsWith("too many redirects: "), v.reason());
    assertEquals(HttpTokenCheck.MAX_REDIRECTS + 1, hosts.size(), hosts.toString());
  }

  @Test
  void check_oversizedBody_failsWithoutReadingItAll() {
    Challenge challenge = verifier.challenge("shop.example.com");
    byte[] chunk = new byte[64 * 1024];
    Arrays.fill(chunk, (byte) 'a');
    handler =
        exchange -> {
          // The token first, then far more than the limit, streamed until the client hangs up.
          exchange.sendResponseHeaders(200, 0);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(challenge.recordValue().getBytes(StandardCharsets.UTF_8));
            for (int i = 0; i < 1024 && release.getCount() > 0; i++) {
              out.write(chunk);
            }
          }
        };

    Verification v = verifier.check(challenge, Method.HTTP_TOKEN);

    assertEquals(DomainStatus.FAILED, v.status());
    assertTrue(v.reason().startsWith("body too large: "), v.reason());
    assertTrue(v.reason().endsWith("longer than 1024 bytes"), v.reason());
  }

  @Test
  void check_slowServer_failsWithTimeoutWithinTheDeadline() {
    Challenge challenge = verifier.challenge("shop.example.com");
    handler = exchange -> release.await(); // never answers while the test runs

    // A hang guard, far above the 500 ms timeout; it measures nothing finer.
    Verification v = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> impatient.check(challenge, Method.HTTP_TOKEN));

    assertEquals(DomainStatus.FAILED, v.status());
    assertTrue(v.reason().startsWith("timeout: "), v.reason());
    assertTrue(v.reason().endsWith("no complete answer came within 500 ms"), v.reason());
  }

  @Test
  void check_slowBody_failsWithTimeoutWithinTheDeadline() {
    Challenge challenge = verifier.challenge("shop.example.com");
    handler =
        exchange -> {
          // Headers at once, then a body that never ends: the request timeout alone would not do.
          exchange.sendResponseHeaders(200, 0);
          exchange.getResponseBody().write('s');
          exchange.getResponseBody().flush();
          release.await();
        };

    Verification v = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> impatient.check(challenge, Method.HTTP_TOKEN));

    assertEquals(DomainStatus.FAILED, v.status());
    assertTrue(v.reason().startsWith("timeout: "), v.reason());
  }

  @Test
  void check_nothingListening_failsSayingSo() throws IOException {
    InetSocketAddress closed;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = (InetSocketAddress) s.getLocalSocketAddress();
    }
    DomainVerifier toNowhere = DomainVerifier.builder().httpProxy(closed).timeout(Duration.ofSeconds(2)).clock(clock).build();
    Challenge challenge = toNowhere.challenge("shop.example.com");

    Verification v = toNowhere.check(challenge, Method.HTTP_TOKEN);

    assertEquals(DomainStatus.FAILED, v.status());
    assertTrue(v.reason().startsWith("fetch failed: "), v.reason());
  }

  @Test
  void check_wildcardByHttp_isRefused() {
    Challenge challenge = verifier.challenge("*.example.com");

    assertTrue(challenge.httpUrl().isEmpty());
    assertThrows(IllegalArgumentException.class, () -> verifier.check(challenge, Method.HTTP_TOKEN));
  }

  private static void respond(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static void redirect(HttpExchange exchange, String location) throws IOException {
    exchange.getResponseHeaders().set("Location", location);
    exchange.sendResponseHeaders(302, -1);
  }
}
