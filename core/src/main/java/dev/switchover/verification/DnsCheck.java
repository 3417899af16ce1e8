package dev.switchover.verification;

import static java.util.concurrent.TimeUnit.NANOSECONDS;

import com.google.common.collect.ImmutableList;
import dev.switchover.spi.TxtLookup;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * The DNS check: looks the challenge record up at every resolver at once, each bounded by the
 * timeout, and counts the resolvers that found the expected value against the quorum.
 */
final class DnsCheck {
  /** Most TXT values quoted per resolver in a reason. */
  static final int MAX_VALUES_SHOWN = 5;

  private final TxtLookup lookup;
  private final ImmutableList<InetSocketAddress> resolvers;
  private final int quorum;
  private final Duration timeout;

  DnsCheck(TxtLookup lookup, ImmutableList<InetSocketAddress> resolvers, int quorum, Duration timeout) {
    this.lookup = lookup;
    this.resolvers = resolvers;
    this.quorum = quorum;
    this.timeout = timeout;
  }

  CompletableFuture<CheckResult> check(Challenge challenge) {
    String name = challenge.recordName();
    String expected = challenge.recordValue();
    List<CompletableFuture<Answer>> answers = new ArrayList<>(resolvers.size());
    for (InetSocketAddress resolver : resolvers) {
      answers.add(ask(name, resolver, expected));
    }
    return CompletableFuture.allOf(answers.toArray(new CompletableFuture<?>[0]))
        .thenApply(done -> decide(name, expected, answers.stream().map(CompletableFuture::join).toList()));
  }

  /** One resolver's answer, never failing: a timeout or an error is an answer too. */
  private CompletableFuture<Answer> ask(String name, InetSocketAddress resolver, String expected) {
    CompletableFuture<List<String>> bounded = new CompletableFuture<>();
    try {
      lookup
          .lookup(name, resolver, timeout)
          .whenComplete(
              (records, error) -> {
                if (error != null) {
                  bounded.completeExceptionally(error);
                } else {
                  bounded.complete(records);
                }
              });
    } catch (RuntimeException e) {
      bounded.completeExceptionally(e);
    }
    // The look-up has its own timeout; this one holds even if an implementation forgets it.
    return bounded
        .orTimeout(timeout.toNanos(), NANOSECONDS)
        .handle((records, error) -> Answer.of(resolver, records, error, expected, timeout));
  }

  private CheckResult decide(String name, String expected, List<Answer> answers) {
    long matches = answers.stream().filter(a -> a.kind == Kind.MATCH).count();
    String where = "TXT record " + UntrustedText.quote(expected) + " at " + name;
    if (matches >= quorum) {
      return CheckResult.proved(
          "found " + where
              + (resolvers.size() == 1
                  ? " at resolver " + UntrustedText.address(resolvers.get(0))
                  : " at " + matches + " of " + resolvers.size() + " resolvers (quorum " + quorum + ")"));
    }
    Set<Kind> answered = EnumSet.noneOf(Kind.class);
    Set<Kind> all = EnumSet.noneOf(Kind.class);
    for (Answer a : answers) {
      all.add(a.kind);
      if (a.kind.answered) {
        answered.add(a.kind);
      }
    }
    String headline;
    if (answered.size() > 1) {
      headline = "resolvers disagree";
    } else if (matches > 0) {
      headline = "quorum not reached";
    } else if (answered.size() == 1) {
      headline = answered.iterator().next().headline;
    } else {
      headline = all.size() == 1 ? all.iterator().next().headline : Kind.ERROR.headline;
    }
    String quorumNote =
        resolvers.size() > 1
            ? " at " + quorum + " of " + resolvers.size() + " resolvers, found at " + matches
            : "";
    return CheckResult.failed(
        headline + ": expected " + where + quorumNote + "; "
            + answers.stream().map(Answer::toString).collect(Collectors.joining("; ")));
  }

  private enum Kind {
    MATCH(true, "verified"),
    WRONG(true, "wrong token"),
    NONE(true, "no record"),
    TIMEOUT(false, "timeout"),
    ERROR(false, "lookup failed");

    /** Whether the resolver gave an answer (rather than none, or an error). */
    final boolean answered;
    final String headline;

    Kind(boolean answered, String headline) {
      this.answered = answered;
      this.headline = headline;
    }
  }

  private static final class Answer {
    final InetSocketAddress resolver;
    final Kind kind;
    final String detail;

    private Answer(InetSocketAddress resolver, Kind kind, String detail) {
      this.resolver = resolver;
      this.kind = kind;
      this.detail = detail;
    }

    static Answer of(
        InetSocketAddress resolver,
        @Nullable List<String> records,
        @Nullable Throwable error,
        String expected,
        Duration timeout) {
      if (error != null) {
        Throwable cause = UntrustedText.unwrap(error);
        if (cause instanceof TimeoutException || cause instanceof SocketTimeoutException) {
          return new Answer(resolver, Kind.TIMEOUT, "did not answer within " + UntrustedText.duration(timeout));
        }
        return new Answer(resolver, Kind.ERROR, "failed: " + UntrustedText.describe(cause));
      }
      if (records == null || records.isEmpty()) {
        return new Answer(resolver, Kind.NONE, "found no TXT record");
      }
      for (String record : records) {
        if (record.strip().equals(expected)) {
          return new Answer(resolver, Kind.MATCH, "found it");
        }
      }
      String shown =
          records.stream().limit(MAX_VALUES_SHOWN).map(UntrustedText::quote).collect(Collectors.joining(", "));
      String more = records.size() > MAX_VALUES_SHOWN ? " and " + (records.size() - MAX_VALUES_SHOWN) + " more" : "";
      return new Answer(resolver, Kind.WRONG, "found " + shown + more);
    }

    @Override
    public String toString() {
      return UntrustedText.address(resolver) + " " + detail;
    }
  }
}
