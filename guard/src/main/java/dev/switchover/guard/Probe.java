package dev.switchover.guard;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import com.google.common.collect.ImmutableSortedSet;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * An HTTP check of a workspace: a {@code GET} of one URL, passed when it answers one of the
 * expected statuses within the timeout. Before a switch a probe must pass {@linkplain
 * Builder#consecutiveSuccesses so many times in a row}, trying at most {@linkplain
 * Builder#maxAttempts so many times}, one attempt every {@linkplain Builder#interval interval};
 * during the watch after a switch, each attempt counts on its own.
 *
 * <p>The URL reaches the workspace directly, through its upstream binding ({@code
 * http://10.0.0.7:8080/health}), or through the router on a host that routes to it (a preview
 * host of the workspace). Redirects are not followed: a 302 is a status like any other. Immutable
 * and thread-safe.
 *
 * <pre>{@code
 * Probe health = Probe.http("health", URI.create("http://10.0.0.7:8080/health"))
 *     .expectStatus(200).consecutiveSuccesses(3).interval(Duration.ofMillis(500))
 *     .timeout(Duration.ofSeconds(2)).maxAttempts(10)
 *     .build();
 * }</pre>
 */
public final class Probe {
  /** One client for every probe: it keeps no state between requests that matters here. */
  private static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .followRedirects(HttpClient.Redirect.NEVER)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  private final String name;
  private final URI uri;
  private final ImmutableSortedSet<Integer> expectedStatuses;
  private final int consecutiveSuccesses;
  private final int maxAttempts;
  private final Duration timeout;
  private final Duration interval;

  private Probe(Builder b, ImmutableSortedSet<Integer> statuses) {
    this.name = b.name;
    this.uri = b.uri;
    this.expectedStatuses = statuses;
    this.consecutiveSuccesses = b.consecutiveSuccesses < 0 ? 1 : b.consecutiveSuccesses;
    this.maxAttempts = b.maxAttempts < 0 ? consecutiveSuccesses : b.maxAttempts;
    this.timeout = b.timeout == null ? Duration.ofSeconds(5) : b.timeout;
    this.interval = b.interval == null ? Duration.ofSeconds(1) : b.interval;
    checkArgument(
        maxAttempts >= consecutiveSuccesses,
        "probe %s: maxAttempts (%s) must be at least consecutiveSuccesses (%s)",
        name,
        maxAttempts,
        consecutiveSuccesses);
  }

  /**
   * A builder for a probe named {@code name} (the name failures are reported under) that {@code
   * GET}s {@code uri}, an absolute {@code http} or {@code https} URL.
   *
   * @throws IllegalArgumentException if the name is blank or the URL is not an absolute http(s) URL
   *     with a host
   */
  public static Builder http(String name, URI uri) {
    return new Builder(name, uri);
  }

  /** The name failures are reported under. */
  public String name() {
    return name;
  }

  /** The URL probed. */
  public URI uri() {
    return uri;
  }

  /** The statuses that pass, in increasing order. */
  public Set<Integer> expectedStatuses() {
    return expectedStatuses;
  }

  /** How many passing attempts in a row a pre-switch check needs. */
  public int consecutiveSuccesses() {
    return consecutiveSuccesses;
  }

  /** How many attempts a pre-switch check makes at most before it fails. */
  public int maxAttempts() {
    return maxAttempts;
  }

  /** How long one attempt may take before it fails. */
  public Duration timeout() {
    return timeout;
  }

  /** The time between the starts of two attempts. */
  public Duration interval() {
    return interval;
  }

  /**
   * Runs the pre-switch check: attempts until {@link #consecutiveSuccesses()} pass in a row, one
   * every {@link #interval()}.
   *
   * @throws ProbeFailedException after {@link #maxAttempts()} attempts without enough successes in
   *     a row, naming this probe and how its last attempt failed
   * @throws InterruptedException if interrupted while waiting between attempts
   */
  void check() throws InterruptedException {
    int inARow = 0;
    long next = System.nanoTime();
    for (int attempt = 1; attempt <= maxAttempts; attempt++) {
      long wait = next - System.nanoTime();
      if (wait > 0) {
        TimeUnit.NANOSECONDS.sleep(wait); // pacing the attempts, not waiting for another thread
      }
      next = System.nanoTime() + interval.toNanos();
      @Nullable String failure = attempt();
      if (failure == null) {
        if (++inARow == consecutiveSuccesses) {
          return;
        }
      } else {
        inARow = 0;
        if (maxAttempts - attempt < consecutiveSuccesses) {
          // Too few attempts left to make the successes in a row: fail now rather than later.
          throw new ProbeFailedException(this, failure, attempt);
        }
      }
    }
    throw new ProbeFailedException(this, "passed only " + inARow + " time(s) in a row", maxAttempts);
  }

  /**
   * One attempt: null if it passed, otherwise how it failed ({@code "answered 500, expected one of
   * [200]"}, {@code "no answer within PT2S"}, {@code "could not connect"}).
   *
   * @throws InterruptedException if interrupted while waiting for the answer
   */
  @Nullable String attempt() throws InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).GET().build();
    try {
      HttpResponse<Void> response = CLIENT.send(request, HttpResponse.BodyHandlers.discarding());
      int status = response.statusCode();
      return expectedStatuses.contains(status)
          ? null
          : "answered " + status + ", expected " + (expectedStatuses.size() == 1 ? "" : "one of ") + statusList();
    } catch (HttpTimeoutException e) {
      return "no answer within " + describe(timeout);
    } catch (ConnectException e) {
      return "could not connect" + (e.getMessage() == null ? "" : ": " + e.getMessage());
    } catch (IOException e) {
      return "failed: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
    }
  }

  private String statusList() {
    return expectedStatuses.size() == 1 ? expectedStatuses.first().toString() : expectedStatuses.toString();
  }

  /** A duration as people write it: {@code 2 s}, {@code 250 ms}. */
  static String describe(Duration d) {
    long millis = d.toMillis();
    return millis % 1000 == 0
        ? String.format(Locale.ROOT, "%d s", millis / 1000)
        : String.format(Locale.ROOT, "%d ms", millis);
  }

  /** For example {@code Probe{health GET http://10.0.0.7:8080/health -> [200], 3 in a row}}. */
  @Override
  public String toString() {
    return "Probe{" + name + " GET " + uri + " -> " + statusList() + ", " + consecutiveSuccesses + " in a row}";
  }

  /**
   * Builds a {@link Probe}. Each setting may be set once; arguments are checked at once. Not
   * thread-safe.
   */
  public static final class Builder {
    private final String name;
    private final URI uri;
    private final ImmutableSortedSet.Builder<Integer> statuses = ImmutableSortedSet.naturalOrder();
    private boolean statusesSet;
    private int consecutiveSuccesses = -1;
    private int maxAttempts = -1;
    private @Nullable Duration timeout;
    private @Nullable Duration interval;

    private Builder(String name, URI uri) {
      checkNotNull(name, "name");
      checkNotNull(uri, "uri");
      checkArgument(!name.isBlank(), "a probe's name must not be blank");
      String scheme = uri.getScheme();
      checkArgument(
          uri.isAbsolute()
              && ("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme))
              && uri.getHost() != null,
          "probe %s: expected an absolute http or https URL with a host, but got %s",
          name,
          uri);
      checkArgument(uri.getRawUserInfo() == null, "probe %s: the URL must not carry user info: %s", name, uri);
      this.name = name;
      this.uri = uri;
    }

    /**
     * The statuses that pass; {@code 200} alone by default.
     *
     * @throws IllegalArgumentException if none is given or one is outside 100-599
     */
    public Builder expectStatus(int status, int... more) {
      checkNotNull(more, "more");
      checkState(!statusesSet, "probe %s: the expected statuses were already set", name);
      checkStatus(status);
      for (int s : more) {
        checkStatus(s);
      }
      statuses.add(status);
      for (int s : more) {
        statuses.add(s);
      }
      statusesSet = true;
      return this;
    }

    private void checkStatus(int status) {
      checkArgument(status >= 100 && status <= 599, "probe %s: a status is 100 to 599, not %s", name, status);
    }

    /** How many passing attempts in a row a pre-switch check needs; 1 by default. */
    public Builder consecutiveSuccesses(int count) {
      checkState(consecutiveSuccesses < 0, "probe %s: consecutiveSuccesses was already set", name);
      checkArgument(count >= 1, "probe %s: consecutiveSuccesses must be at least 1, but was %s", name, count);
      this.consecutiveSuccesses = count;
      return this;
    }

    /**
     * How many attempts a pre-switch check makes at most; by default as many as {@link
     * #consecutiveSuccesses}, so that every attempt must pass. More lets a workspace warm up.
     */
    public Builder maxAttempts(int count) {
      checkState(maxAttempts < 0, "probe %s: maxAttempts was already set", name);
      checkArgument(count >= 1, "probe %s: maxAttempts must be at least 1, but was %s", name, count);
      this.maxAttempts = count;
      return this;
    }

    /** How long one attempt may take; 5 seconds by default. */
    public Builder timeout(Duration t) {
      checkNotNull(t, "t");
      checkState(timeout == null, "probe %s: timeout was already set to %s", name, timeout);
      checkArgument(!t.isNegative() && t.toMillis() >= 1, "probe %s: timeout must be at least 1 ms, but was %s", name, t);
      this.timeout = t;
      return this;
    }

    /** The time between the starts of two attempts; 1 second by default. */
    public Builder interval(Duration i) {
      checkNotNull(i, "i");
      checkState(interval == null, "probe %s: interval was already set to %s", name, interval);
      checkArgument(!i.isNegative(), "probe %s: interval must not be negative, but was %s", name, i);
      this.interval = i;
      return this;
    }

    /**
     * The probe.
     *
     * @throws IllegalArgumentException if {@link #maxAttempts} is below {@link #consecutiveSuccesses}
     */
    public Probe build() {
      ImmutableSortedSet<Integer> s = statusesSet ? statuses.build() : ImmutableSortedSet.of(200);
      return new Probe(this, s);
    }
  }
}
