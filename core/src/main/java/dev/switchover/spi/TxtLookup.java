package dev.switchover.spi;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Looks up the TXT records of a name at one DNS resolver: the look-up a {@code DomainVerifier}
 * makes to find a domain's challenge record, once per configured resolver.
 *
 * <p>An implementation asks exactly the resolver it is given (never a system-wide one), keeps no
 * cache between look-ups (each check must see what the resolver answers now), and follows CNAMEs:
 * the records returned are those found at the end of the chain. It must be thread-safe; the
 * verifier calls it for several resolvers at once. The default, {@link #dnsjava()}, sends one
 * query per name with dnsjava's {@code SimpleResolver}, over UDP with a retry over TCP when the
 * answer is truncated.
 *
 * <pre>{@code
 * List<String> records = TxtLookup.dnsjava()
 *     .lookup("_switchover-challenge.shop.example.com",
 *         new InetSocketAddress("127.0.0.1", 5353), Duration.ofSeconds(2))
 *     .toCompletableFuture().join();   // ["switchover-verification=..."]
 * }</pre>
 */
public interface TxtLookup {
  /**
   * Looks up the TXT records of {@code name} at {@code resolver}, following CNAMEs.
   *
   * @param name an absolute domain name in ASCII without a trailing dot, such as {@code
   *     _switchover-challenge.shop.example.com}; compared without regard to case
   * @param resolver the one resolver to ask
   * @param timeout how long the whole look-up may take, CNAMEs followed included
   * @return a stage that completes with the TXT records found, each record's character-strings
   *     concatenated in order, or with an empty list when the name does not exist (NXDOMAIN) or has
   *     no TXT record; or that completes exceptionally with a {@link
   *     java.net.SocketTimeoutException} (or a {@link java.util.concurrent.TimeoutException}) when
   *     the resolver did not answer in time, or with an {@link java.io.IOException} saying what
   *     went wrong when it answered with an error (SERVFAIL, REFUSED…) or could not be understood
   * @throws IllegalArgumentException if {@code name} is not a valid domain name or {@code timeout}
   *     is not positive
   */
  CompletionStage<List<String>> lookup(String name, InetSocketAddress resolver, Duration timeout);

  /**
   * The default look-up, with dnsjava: one {@code SimpleResolver} per look-up, no cache, at most 8
   * CNAMEs followed.
   */
  static TxtLookup dnsjava() {
    return DnsjavaTxtLookup.INSTANCE;
  }
}
