package dev.switchover.benchmarks;

import io.undertow.util.CopyOnWriteMap;
import io.undertow.util.PathMatcher;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Undertow's own structures: a {@link PathMatcher} per host (prefix paths, {@code /} as the
 * default), behind a host map that does what {@code NameVirtualHostHandler} does — Undertow's
 * {@link CopyOnWriteMap} keyed by lower-case names, a request's {@code Host} cut at its last
 * {@code :} (a substring), looked up as it comes and then lower-cased with {@link Locale#ENGLISH}
 * (another copy, for any host not already in lower case).
 *
 * <p>Where Undertow's semantics stop short of Switchover's, this adds the least a user would
 * write: a trailing dot is cut off (Undertow would treat {@code shop.example.com.} as another
 * host), and, since {@code NameVirtualHostHandler} has no wildcards, a miss is looked up again as
 * {@code *.} and the rest of the name after its first dot (more copies). Those extra steps
 * allocate, as Undertow's own do.
 */
final class UndertowContender implements Contender {
  private final Map<String, PathMatcher<String>> hosts;

  UndertowContender(Workload workload) {
    Map<String, PathMatcher<String>> byHost = new HashMap<>();
    for (Workload.RouteSpec r : workload.routes) {
      PathMatcher<String> matcher =
          byHost.computeIfAbsent(r.host().toLowerCase(Locale.ENGLISH), k -> new PathMatcher<>());
      matcher.addPrefixPath(r.prefix(), r.workspace());
    }
    // One copy: putting 100,000 hosts one by one would copy the map 100,000 times.
    this.hosts = new CopyOnWriteMap<>(byHost);
  }

  @Override
  public @Nullable String find(String hostHeader, String path) {
    String host = hostHeader.contains(":") ? hostHeader.substring(0, hostHeader.lastIndexOf(':')) : hostHeader;
    if (host.endsWith(".")) {
      host = host.substring(0, host.length() - 1);
    }
    PathMatcher<String> matcher = hosts.get(host);
    if (matcher == null) {
      host = host.toLowerCase(Locale.ENGLISH);
      matcher = hosts.get(host);
      if (matcher == null) {
        int dot = host.indexOf('.');
        if (dot > 0) {
          matcher = hosts.get("*" + host.substring(dot));
        }
      }
    }
    return matcher == null ? null : matcher.match(path).getValue();
  }
}
