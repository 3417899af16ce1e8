package dev.switchover.spi;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * {@link TxtLookup} with dnsjava. A new {@link SimpleResolver} per query (so nothing is cached or
 * shared between checks); CNAMEs in an answer are followed inside that answer, and a chain that
 * stops before its end is continued with a query for the last name.
 */
final class DnsjavaTxtLookup implements TxtLookup {
  static final DnsjavaTxtLookup INSTANCE = new DnsjavaTxtLookup();
  /** More than this many CNAMEs is a loop or a misconfiguration, not a proof. */
  static final int MAX_CNAMES = 8;

  private DnsjavaTxtLookup() {}

  @Override
  public CompletionStage<List<String>> lookup(String name, InetSocketAddress resolver, Duration timeout) {
    checkNotNull(name, "name");
    checkNotNull(resolver, "resolver");
    checkNotNull(timeout, "timeout");
    checkArgument(!timeout.isNegative() && !timeout.isZero(), "timeout must be positive, but was %s", timeout);
    Name qname;
    try {
      qname = Name.fromString(name, Name.root);
    } catch (TextParseException e) {
      throw new IllegalArgumentException("not a domain name: \"" + name + "\" (" + e.getMessage() + ")", e);
    }
    return query(qname, resolver, System.nanoTime() + timeout.toNanos(), 0);
  }

  private CompletableFuture<List<String>> query(Name name, InetSocketAddress resolver, long deadline, int cnames) {
    long remaining = deadline - System.nanoTime();
    if (remaining <= 0) {
      return CompletableFuture.failedFuture(
          new SocketTimeoutException("no time left to query " + name + " at " + resolver));
    }
    SimpleResolver simple = new SimpleResolver(resolver);
    simple.setTimeout(Duration.ofNanos(remaining));
    Message query = Message.newQuery(Record.newRecord(name, Type.TXT, DClass.IN));
    return simple
        .sendAsync(query)
        .toCompletableFuture()
        .thenCompose(response -> answer(response, name, resolver, deadline, cnames));
  }

  private CompletableFuture<List<String>> answer(
      Message response, Name queried, InetSocketAddress resolver, long deadline, int cnamesBefore) {
    if (!response.getHeader().getFlag(Flags.QR)) {
      // A query came back (a socket that answers with what it receives): no answer at all.
      return CompletableFuture.failedFuture(new IOException("what came back for " + queried + " TXT is not a DNS response"));
    }
    int rcode = response.getRcode();
    if (rcode != Rcode.NOERROR && rcode != Rcode.NXDOMAIN) {
      return CompletableFuture.failedFuture(
          new IOException("the resolver answered " + Rcode.string(rcode) + " for " + queried + " TXT"));
    }
    List<Record> answers = response.getSection(Section.ANSWER);
    Name current = queried;
    int cnames = cnamesBefore;
    while (true) {
      ImmutableList<String> found = txtAt(answers, current);
      if (!found.isEmpty()) {
        return CompletableFuture.completedFuture(found);
      }
      Name target = cnameTarget(answers, current);
      if (target == null) {
        break;
      }
      if (++cnames > MAX_CNAMES) {
        return CompletableFuture.failedFuture(
            new IOException("more than " + MAX_CNAMES + " CNAMEs after " + queried + " (a loop?)"));
      }
      current = target;
    }
    if (rcode == Rcode.NXDOMAIN || current.equals(queried)) {
      return CompletableFuture.completedFuture(ImmutableList.of());
    }
    // The answer's chain ended at a name it says nothing about: ask for that name.
    return query(current, resolver, deadline, cnames);
  }

  private static ImmutableList<String> txtAt(List<Record> answers, Name owner) {
    ImmutableList.Builder<String> found = ImmutableList.builder();
    for (Record r : answers) {
      if (r instanceof TXTRecord txt && r.getName().equals(owner)) {
        StringBuilder value = new StringBuilder();
        for (byte[] part : txt.getStringsAsByteArrays()) {
          value.append(new String(part, StandardCharsets.UTF_8));
        }
        found.add(value.toString());
      }
    }
    return found.build();
  }

  private static @Nullable Name cnameTarget(List<Record> answers, Name owner) {
    for (Record r : answers) {
      if (r instanceof CNAMERecord cname && r.getName().equals(owner)) {
        return cname.getTarget();
      }
    }
    return null;
  }
}
