package dev.switchover.verification;

import static java.util.concurrent.TimeUnit.NANOSECONDS;

import com.google.common.base.Supplier;
import com.google.common.base.Suppliers;
import dev.switchover.HostName;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * The HTTP check: fetches {@code http://<domain>/.well-known/switchover-challenge/<id>} with the
 * JDK HTTP client and compares the body with the expected value.
 *
 * <p>Redirects are followed by hand, at most {@link #MAX_REDIRECTS}, and only while they stay on
 * the same origin ({@code http}, the same host, port 80): the proof must come from the domain
 * itself, so a redirect to another host (or to {@code https}, or another port) fails the check.
 * The whole fetch, redirects included, must complete within the timeout; at most the body limit
 * is read. With a proxy configured every request goes to the proxy, in absolute form, instead of
 * to the domain's own address.
 */
final class HttpTokenCheck {
  static final int MAX_REDIRECTS = 3;
  private static final String USER_AGENT = "switchover-domain-verifier";

  private final Duration timeout;
  private final int bodyLimit;
  private final Supplier<HttpClient> client;

  HttpTokenCheck(Duration timeout, int bodyLimit, @Nullable InetSocketAddress proxy) {
    this.timeout = timeout;
    this.bodyLimit = bodyLimit;
    // Built on first use: a verifier that only checks DNS never starts the client's threads.
    this.client =
        Suppliers.memoize(
            () ->
                HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .followRedirects(HttpClient.Redirect.NEVER)
                    .connectTimeout(timeout)
                    .proxy(proxy == null ? HttpClient.Builder.NO_PROXY : ProxySelector.of(proxy))
                    .build());
  }

  CompletableFuture<CheckResult> check(Challenge challenge) {
    URI url =
        challenge
            .httpUrl()
            .orElseThrow(() -> new IllegalArgumentException("a wildcard (" + challenge.domain() + ") can only be proved by DNS"));
    HttpClient httpClient = client.get(); // starting it is not the server's time
    return fetch(httpClient, challenge, url, System.nanoTime() + timeout.toNanos(), 0);
  }

  private CompletableFuture<CheckResult> fetch(
      HttpClient httpClient, Challenge challenge, URI url, long deadline, int redirects) {
    long remaining = deadline - System.nanoTime();
    if (remaining <= 0) {
      return CompletableFuture.completedFuture(timedOut(challenge, url));
    }
    HttpRequest request =
        HttpRequest.newBuilder(url)
            .timeout(Duration.ofNanos(remaining))
            .header("User-Agent", USER_AGENT)
            .header("Accept", "text/plain")
            .GET()
            .build();
    CompletableFuture<HttpResponse<byte[]>> sent;
    try {
      sent = httpClient.sendAsync(request, info -> new LimitedBody(bodyLimit));
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(failed(challenge, url, e));
    }
    // The request timeout ends when the headers arrive; this deadline also covers a slow body.
    return sent.copy()
        .orTimeout(remaining, NANOSECONDS)
        .thenCompose(response -> answer(httpClient, challenge, url, response, deadline, redirects))
        .exceptionally(
            error -> {
              sent.cancel(true); // closes the connection
              Throwable cause = UntrustedText.unwrap(error);
              return cause instanceof TimeoutException || cause instanceof HttpTimeoutException
                  ? timedOut(challenge, url)
                  : failed(challenge, url, cause);
            });
  }

  private CompletableFuture<CheckResult> answer(
      HttpClient httpClient, Challenge challenge, URI url, HttpResponse<byte[]> response, long deadline, int redirects) {
    String expected = challenge.recordValue();
    String wanted = "expected HTTP 200 with the body " + UntrustedText.quote(expected) + " at " + url;
    int status = response.statusCode();
    if (status == 200) {
      byte[] body = response.body();
      if (body.length > bodyLimit) {
        return done(CheckResult.failed("body too large: " + wanted + ", but the body is longer than " + bodyLimit + " bytes"));
      }
      String found = new String(body, StandardCharsets.UTF_8).strip();
      if (found.equals(expected)) {
        return done(CheckResult.proved("found the body " + UntrustedText.quote(expected) + " at " + url));
      }
      return done(CheckResult.failed("wrong token: " + wanted + ", found " + UntrustedText.quote(found)));
    }
    if (isRedirect(status)) {
      Optional<String> location = response.headers().firstValue("Location");
      if (location.isEmpty()) {
        return done(CheckResult.failed("unexpected answer: " + wanted + ", but the server answered " + status + " without a Location"));
      }
      URI next;
      try {
        next = url.resolve(new URI(location.get()));
      } catch (URISyntaxException | IllegalArgumentException e) {
        return done(CheckResult.failed("redirect refused: " + wanted + ", but the server redirected to an unreadable location " + UntrustedText.quote(location.get())));
      }
      if (!sameOrigin(url, next)) {
        return done(
            CheckResult.failed(
                "redirect refused: " + wanted + ", but the server answered " + status + " redirecting to "
                    + UntrustedText.quote(next.toString()) + "; redirects may only stay on http://" + challenge.domain()));
      }
      if (redirects >= MAX_REDIRECTS) {
        return done(CheckResult.failed("too many redirects: " + wanted + ", but it took more than " + MAX_REDIRECTS + " redirects"));
      }
      return fetch(httpClient, challenge, next, deadline, redirects + 1);
    }
    return done(
        CheckResult.failed((status == 404 ? "no token: " : "unexpected answer: ") + wanted + ", but the server answered " + status));
  }

  private CheckResult timedOut(Challenge challenge, URI url) {
    return CheckResult.failed(
        "timeout: expected HTTP 200 with the body " + UntrustedText.quote(challenge.recordValue()) + " at " + url
            + ", but no complete answer came within " + UntrustedText.duration(timeout));
  }

  private static CheckResult failed(Challenge challenge, URI url, Throwable error) {
    return CheckResult.failed(
        "fetch failed: expected HTTP 200 with the body " + UntrustedText.quote(challenge.recordValue()) + " at " + url
            + ", but " + UntrustedText.describe(error));
  }

  private static CompletableFuture<CheckResult> done(CheckResult result) {
    return CompletableFuture.completedFuture(result);
  }

  private static boolean isRedirect(int status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
  }

  /** Whether {@code next} is still {@code http} on the same host and port as {@code url}. */
  static boolean sameOrigin(URI url, URI next) {
    String scheme = next.getScheme();
    String host = next.getHost();
    if (scheme == null || host == null || !scheme.toLowerCase(Locale.ROOT).equals("http")) {
      return false;
    }
    String urlHost = url.getHost();
    if (urlHost == null || port(next) != port(url)) {
      return false;
    }
    try {
      return HostName.parse(host).equals(HostName.parse(urlHost));
    } catch (IllegalArgumentException e) {
      return false; // an IP literal or a malformed host is not the domain
    }
  }

  private static int port(URI uri) {
    return uri.getPort() < 0 ? 80 : uri.getPort();
  }

  /** Keeps at most {@code limit + 1} bytes of a body, then stops reading it. */
  static final class LimitedBody implements HttpResponse.BodySubscriber<byte[]> {
    private final int limit;
    private final CompletableFuture<byte[]> body = new CompletableFuture<>();
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private Flow.@Nullable Subscription subscription;

    LimitedBody(int limit) {
      this.limit = limit;
    }

    @Override
    public CompletionStage<byte[]> getBody() {
      return body;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      if (body.isDone()) {
        return;
      }
      for (ByteBuffer buffer : items) {
        int take = Math.min(buffer.remaining(), limit + 1 - bytes.size());
        byte[] chunk = new byte[take];
        buffer.get(chunk);
        bytes.write(chunk, 0, take);
        if (bytes.size() > limit) {
          // Enough to know it is too large: stop reading, which closes the connection.
          Flow.Subscription s = subscription;
          if (s != null) {
            s.cancel();
          }
          body.complete(bytes.toByteArray());
          return;
        }
      }
    }

    @Override
    public void onError(Throwable error) {
      body.completeExceptionally(error);
    }

    @Override
    public void onComplete() {
      body.complete(bytes.toByteArray());
    }
  }
}
