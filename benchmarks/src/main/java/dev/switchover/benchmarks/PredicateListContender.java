package dev.switchover.benchmarks;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Routes as a list of (host predicate, path predicate) pairs tested in order, first match wins:
 * the way Spring Cloud Gateway matches a request against its {@code Host} and {@code Path} route
 * predicates. Host patterns match ignoring case, a wildcard {@code *.example.com} exactly one
 * more label; paths match a prefix on segment boundaries. Longest-prefix-wins is had the way a
 * gateway's user has it, by ordering: exact hosts before wildcards, longer prefixes first.
 *
 * <p>This is a lean version of such a scan: the host is cut from its port and trailing dot once
 * per request (no copy), and each predicate compares regions in place, allocating nothing, where
 * Spring's {@code AntPathMatcher} and {@code PathPattern} tokenize and allocate. So its times are
 * a lower bound for a gateway; what it shows is the cost of testing routes one by one.
 */
final class PredicateListContender implements Contender {
  private final RoutePredicate[] routes;

  PredicateListContender(Workload workload) {
    List<RoutePredicate> list = new ArrayList<>(workload.routes.size());
    for (Workload.RouteSpec r : workload.routes) {
      list.add(new RoutePredicate(r.isWildcard(), r.hostKey(), r.prefix().equals("/") ? "" : r.prefix(), r.workspace()));
    }
    list.sort(
        Comparator.comparing((RoutePredicate p) -> p.wildcard)
            .thenComparing(Comparator.comparingInt((RoutePredicate p) -> p.prefix.length()).reversed()));
    this.routes = list.toArray(new RoutePredicate[0]);
  }

  @Override
  public @Nullable String find(String host, String path) {
    int end = host.indexOf(':');
    if (end < 0) {
      end = host.length();
    }
    if (end > 0 && host.charAt(end - 1) == '.') {
      end--;
    }
    for (RoutePredicate route : routes) {
      if (route.test(host, end, path)) {
        return route.workspace;
      }
    }
    return null;
  }

  /** One route: a host pattern and a path prefix ({@code ""} for {@code /}), both to be met. */
  private static final class RoutePredicate {
    final boolean wildcard;
    /** The name, or for a wildcard {@code *.parent} the parent. */
    final String host;
    final String prefix;
    final String workspace;

    RoutePredicate(boolean wildcard, String host, String prefix, String workspace) {
      this.wildcard = wildcard;
      this.host = host;
      this.prefix = prefix;
      this.workspace = workspace;
    }

    boolean test(String requestHost, int hostEnd, String path) {
      return hostMatches(requestHost, hostEnd) && pathMatches(path);
    }

    private boolean hostMatches(String requestHost, int hostEnd) {
      if (!wildcard) {
        return hostEnd == host.length() && requestHost.regionMatches(true, 0, host, 0, hostEnd);
      }
      // one label, a dot, then the parent
      int labelEnd = hostEnd - host.length() - 1;
      return labelEnd > 0
          && requestHost.charAt(labelEnd) == '.'
          && requestHost.lastIndexOf('.', labelEnd - 1) < 0
          && requestHost.regionMatches(true, labelEnd + 1, host, 0, host.length());
    }

    private boolean pathMatches(String path) {
      int n = prefix.length();
      return path.startsWith(prefix) && (path.length() == n || path.charAt(n) == '/');
    }
  }
}
