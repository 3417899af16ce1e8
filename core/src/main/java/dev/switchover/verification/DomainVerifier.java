package dev.switchover.verification;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import com.google.common.collect.ImmutableList;
import com.google.common.io.BaseEncoding;
import dev.switchover.DomainStatus;
import dev.switchover.HostName;
import dev.switchover.spi.TxtLookup;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.jspecify.annotations.Nullable;

/**
 * Issues ownership challenges for domains and checks them: the DNS TXT record at the configured
 * resolvers, or the HTTP token.
 *
 * <p>A DNS check asks every resolver at once (no cache is shared between checks), each within the
 * timeout, and proves the challenge when at least the quorum of resolvers found the expected
 * value, like a certificate authority checking from several vantage points. Multi-string TXT
 * records are concatenated, one matching record among several is enough, and CNAMEs are followed.
 * An HTTP check fetches {@link Challenge#httpUrl()} once, from this host, with the JDK HTTP client;
 * see {@link Builder#httpProxy} for where it connects. A proved check is {@link
 * dev.switchover.DomainStatus#VERIFIED} for the {@link Builder#validity validity}; any other
 * outcome is {@code FAILED}, with a reason that says what was expected and what was found. The
 * verifier keeps no state between checks; a {@link VerificationSchedule} applies results to a
 * router and re-checks them. Thread-safe.
 *
 * <pre>{@code
 * DomainVerifier verifier = DomainVerifier.builder()
 *     .resolvers(new InetSocketAddress("192.0.2.53", 53), new InetSocketAddress("198.51.100.53", 53))
 *     .quorum(2)
 *     .build();
 * Challenge challenge = verifier.challenge("shop.example.com");
 * // ... the owner creates the record challenge.recordName() = challenge.recordValue() ...
 * Verification result = verifier.check(challenge, Challenge.Method.DNS_TXT);
 * }</pre>
 */
public final class DomainVerifier {
  /** Bytes of randomness in an id or a token: 160 bits, 32 base32 characters. */
  static final int RANDOM_BYTES = 20;

  private static final BaseEncoding BASE32 = BaseEncoding.base32().lowerCase().omitPadding();

  private final ImmutableList<InetSocketAddress> resolvers;
  private final Duration validity;
  private final Duration recheckInterval;
  private final Clock clock;
  private final SecureRandom random;
  private final @Nullable DnsCheck dns;
  private final HttpTokenCheck http;
  private final String description;

  private DomainVerifier(Builder b, ImmutableList<InetSocketAddress> resolvers, int quorum, Duration validity, Duration recheckInterval) {
    Duration timeout = b.timeout == null ? Builder.DEFAULT_TIMEOUT : b.timeout;
    int bodyLimit = b.httpBodyLimit < 0 ? Builder.DEFAULT_HTTP_BODY_LIMIT : b.httpBodyLimit;
    TxtLookup lookup = b.txtLookup == null ? TxtLookup.dnsjava() : b.txtLookup;
    this.resolvers = resolvers;
    this.validity = validity;
    this.recheckInterval = recheckInterval;
    this.clock = b.clock == null ? Clock.systemUTC() : b.clock;
    this.random = b.random == null ? new SecureRandom() : b.random;
    this.dns = resolvers.isEmpty() ? null : new DnsCheck(lookup, resolvers, quorum, timeout);
    this.http = new HttpTokenCheck(timeout, bodyLimit, b.httpProxy);
    this.description =
        "DomainVerifier{resolvers=" + resolvers.stream().map(UntrustedText::address).toList()
            + ", quorum=" + quorum + ", timeout=" + timeout + ", validity=" + validity
            + ", recheckInterval=" + recheckInterval
            + (b.httpProxy == null ? "" : ", httpProxy=" + UntrustedText.address(b.httpProxy)) + "}";
  }

  /** A builder; give at least the resolvers for DNS checks. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Issues a new challenge for a domain or a wildcard, normalized as routing normalizes it.
   *
   * @throws IllegalArgumentException if the name is not a valid host name or is a public suffix
   */
  public Challenge challenge(String domain) {
    return challenge(HostName.parse(checkNotNull(domain, "domain")));
  }

  /**
   * Issues a new challenge for a domain or a wildcard: a fresh id and token from the verifier's
   * {@link SecureRandom}, issued now by its clock.
   *
   * @throws IllegalArgumentException if the name is a public suffix
   */
  public Challenge challenge(HostName domain) {
    checkNotNull(domain, "domain");
    return Challenge.of(domain, randomText(), randomText(), clock.instant());
  }

  /**
   * Checks a challenge now and waits for the result, which comes within about the timeout (for
   * HTTP, redirects included).
   *
   * @throws IllegalArgumentException if the challenge does not support the method (HTTP for a
   *     wildcard)
   * @throws IllegalStateException if the method is DNS and no resolver is configured
   * @throws VerificationException if the waiting thread is interrupted
   */
  public Verification check(Challenge challenge, Challenge.Method method) {
    CompletableFuture<Verification> result = checkAsync(challenge, method);
    return await(challenge.domain(), result);
  }

  /**
   * Checks a challenge now without waiting. The future never completes exceptionally for a failed
   * proof (that is a {@code FAILED} verification); cancelling it abandons the wait.
   *
   * @throws IllegalArgumentException if the challenge does not support the method
   * @throws IllegalStateException if the method is DNS and no resolver is configured
   */
  public CompletableFuture<Verification> checkAsync(Challenge challenge, Challenge.Method method) {
    checkNotNull(challenge, "challenge");
    checkNotNull(method, "method");
    checkArgument(challenge.supports(method), "a wildcard (%s) can only be proved by DNS, not by %s", challenge.domain(), method);
    CompletableFuture<CheckResult> found;
    if (method == Challenge.Method.DNS_TXT) {
      DnsCheck d = dns;
      checkState(d != null, "no DNS resolvers are configured: cannot check %s by DNS", challenge.domain());
      found = d.check(challenge);
    } else {
      found = http.check(challenge);
    }
    return found.thenApply(r -> toVerification(challenge.domain(), r));
  }

  @Override
  public String toString() {
    return description;
  }

  Clock clock() {
    return clock;
  }

  Duration recheckInterval() {
    return recheckInterval;
  }

  List<InetSocketAddress> resolvers() {
    return resolvers;
  }

  private Verification toVerification(HostName domain, CheckResult result) {
    Instant now = clock.instant();
    return result.proved()
        ? Verification.verified(domain, now, now, now.plus(validity), result.reason())
        : Verification.of(domain, DomainStatus.FAILED, now, null, null, result.reason());
  }

  private String randomText() {
    byte[] bytes = new byte[RANDOM_BYTES];
    random.nextBytes(bytes);
    return BASE32.encode(bytes);
  }

  /** Waits for a check, turning an interrupt into a {@link VerificationException}. */
  static Verification await(HostName domain, CompletableFuture<Verification> result) {
    try {
      return result.get();
    } catch (InterruptedException e) {
      result.cancel(true);
      Thread.currentThread().interrupt();
      throw new VerificationException(domain, "interrupted while waiting for the check", e);
    } catch (ExecutionException | CancellationException e) {
      throw new VerificationException(domain, "the check broke: " + UntrustedText.describe(e), UntrustedText.unwrap(e));
    }
  }

  /**
   * Builds a {@link DomainVerifier}. Each setter may be called once; {@link #build()} copies what
   * was set, so reusing the builder cannot change a verifier already built.
   */
  public static final class Builder {
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    static final Duration DEFAULT_VALIDITY = Duration.ofDays(7);
    static final int DEFAULT_HTTP_BODY_LIMIT = 1024;
    static final int MAX_HTTP_BODY_LIMIT = 64 * 1024;

    private @Nullable ImmutableList<InetSocketAddress> resolvers;
    private int quorum = -1;
    private @Nullable Duration timeout;
    private @Nullable Duration validity;
    private @Nullable Duration recheckInterval;
    private @Nullable Clock clock;
    private @Nullable SecureRandom random;
    private @Nullable TxtLookup txtLookup;
    private @Nullable InetSocketAddress httpProxy;
    private int httpBodyLimit = -1;

    private Builder() {}

    /**
     * The DNS resolvers to ask, as IP address and port; none means no DNS checks. Each is asked
     * directly, in parallel.
     *
     * @throws IllegalArgumentException if an address is unresolved, has port 0, or is given twice
     */
    public Builder resolvers(InetSocketAddress... addresses) {
      checkNotNull(addresses, "addresses");
      return resolvers(Arrays.asList(addresses));
    }

    /** The DNS resolvers to ask; see {@link #resolvers(InetSocketAddress...)}. */
    public Builder resolvers(List<InetSocketAddress> addresses) {
      checkNotNull(addresses, "addresses");
      checkState(resolvers == null, "resolvers were already set to %s", resolvers);
      Set<InetSocketAddress> seen = new HashSet<>();
      for (InetSocketAddress a : addresses) {
        checkNotNull(a, "a resolver address");
        checkArgument(!a.isUnresolved(), "give a resolver as an IP address and port, not the name %s", a.getHostString());
        checkArgument(a.getPort() != 0, "resolver %s needs a port", a);
        checkArgument(seen.add(a), "resolver %s is given twice", a);
      }
      this.resolvers = ImmutableList.copyOf(addresses);
      return this;
    }

    /**
     * How many resolvers must find the expected record for a DNS check to pass; by default all of
     * them.
     */
    public Builder quorum(int resolversThatMustAgree) {
      checkArgument(resolversThatMustAgree >= 1, "quorum must be at least 1, but was %s", resolversThatMustAgree);
      checkState(quorum < 0, "quorum was already set to %s", quorum);
      this.quorum = resolversThatMustAgree;
      return this;
    }

    /**
     * How long one check may take: each resolver's look-up (CNAMEs included), or an HTTP fetch
     * (connection, redirects and body included); default 5 seconds. A resolver or server that
     * does not answer in time fails the check with a timeout reason.
     */
    public Builder timeout(Duration checkTimeout) {
      checkNotNull(checkTimeout, "checkTimeout");
      checkArgument(!checkTimeout.isNegative() && !checkTimeout.isZero(), "timeout must be positive, but was %s", checkTimeout);
      checkState(timeout == null, "timeout was already set to %s", timeout);
      this.timeout = checkTimeout;
      return this;
    }

    /** How long a successful check holds before the domain expires unless re-checked; default 7 days. */
    public Builder validity(Duration validFor) {
      checkNotNull(validFor, "validFor");
      checkArgument(!validFor.isNegative() && !validFor.isZero(), "validity must be positive, but was %s", validFor);
      checkState(validity == null, "validity was already set to %s", validity);
      this.validity = validFor;
      return this;
    }

    /**
     * How long after a successful check a {@link VerificationSchedule} checks again; must be
     * shorter than the validity, which leaves the rest of it for re-checks that fail to be
     * retried; default a quarter of the validity.
     */
    public Builder recheckInterval(Duration interval) {
      checkNotNull(interval, "interval");
      checkArgument(!interval.isNegative() && !interval.isZero(), "recheck interval must be positive, but was %s", interval);
      checkState(recheckInterval == null, "recheckInterval was already set to %s", recheckInterval);
      this.recheckInterval = interval;
      return this;
    }

    /** The clock that dates challenges and verifications and drives expiry; default UTC system clock. */
    public Builder clock(Clock verifierClock) {
      checkNotNull(verifierClock, "verifierClock");
      checkState(clock == null, "clock was already set");
      this.clock = verifierClock;
      return this;
    }

    /** The source of ids and tokens; default a new {@link SecureRandom}. */
    public Builder random(SecureRandom secureRandom) {
      checkNotNull(secureRandom, "secureRandom");
      checkState(random == null, "random was already set");
      this.random = secureRandom;
      return this;
    }

    /** How TXT records are looked up; default {@link TxtLookup#dnsjava()}. */
    public Builder txtLookup(TxtLookup lookup) {
      checkNotNull(lookup, "lookup");
      checkState(txtLookup == null, "txtLookup was already set");
      this.txtLookup = lookup;
      return this;
    }

    /**
     * Sends every HTTP check to this HTTP proxy (as an absolute-form request, {@code GET
     * http://<domain>/...} with {@code Host: <domain>}) instead of connecting to the address the
     * domain resolves to. Use it where outbound HTTP must go through a proxy, or in tests, where
     * the domain cannot resolve to a loopback server: the server then receives the request exactly
     * as the domain's server would. By default there is no proxy (system proxy settings are
     * ignored) and the domain's own address, resolved by the JVM, port 80, is used.
     */
    public Builder httpProxy(InetSocketAddress proxy) {
      checkNotNull(proxy, "proxy");
      checkState(httpProxy == null, "httpProxy was already set to %s", httpProxy);
      this.httpProxy = proxy;
      return this;
    }

    /** The most bytes of an HTTP token's body that are read, 1 to 65536; default 1024. A longer body fails. */
    public Builder httpBodyLimit(int bytes) {
      checkArgument(bytes >= 1 && bytes <= MAX_HTTP_BODY_LIMIT, "HTTP body limit must be 1 to %s bytes, but was %s", MAX_HTTP_BODY_LIMIT, bytes);
      checkState(httpBodyLimit < 0, "httpBodyLimit was already set to %s", httpBodyLimit);
      this.httpBodyLimit = bytes;
      return this;
    }

    /**
     * Builds the verifier.
     *
     * @throws IllegalStateException if the quorum exceeds the number of resolvers, or the re-check
     *     interval is not shorter than the validity
     */
    public DomainVerifier build() {
      ImmutableList<InetSocketAddress> r = resolvers == null ? ImmutableList.of() : resolvers;
      int q = quorum < 0 ? Math.max(1, r.size()) : quorum;
      checkState(r.isEmpty() || q <= r.size(), "quorum %s needs at least as many resolvers, but %s are configured", q, r.size());
      checkState(!r.isEmpty() || quorum < 0, "a quorum was set but no resolvers");
      Duration v = validity == null ? DEFAULT_VALIDITY : validity;
      Duration i = recheckInterval == null ? v.dividedBy(4) : recheckInterval;
      checkState(i.compareTo(v) < 0, "the recheck interval %s must be shorter than the validity %s", i, v);
      checkState(!i.isZero(), "the validity %s is too short to re-check within it", v);
      return new DomainVerifier(this, r, q, v, i);
    }
  }
}
