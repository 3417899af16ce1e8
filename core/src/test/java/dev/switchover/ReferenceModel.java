package dev.switchover;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The routing rules written the plain way: a list of routes scanned in full for every request,
 * with the request host normalized by {@link HostName#parse}. The table must answer as this does.
 */
final class ReferenceModel {
  private final List<Route> routes = new ArrayList<>();

  void add(Route route) {
    routes.add(route);
  }

  List<Route> routes() {
    return routes;
  }

  /** The expected answer: the matched route, or null with {@link #outcome}. */
  Resolution.Outcome outcome(String host, String path) {
    List<Route> candidates = candidates(host);
    if (candidates == null) {
      return Resolution.Outcome.UNKNOWN_HOST;
    }
    return best(candidates, path) == null ? Resolution.Outcome.NO_ROUTE : Resolution.Outcome.ROUTED;
  }

  @Nullable Route route(String host, String path) {
    List<Route> candidates = candidates(host);
    return candidates == null ? null : best(candidates, path);
  }

  /** The routes of the host the request names (exact before wildcard), or null if none. */
  private @Nullable List<Route> candidates(String host) {
    HostName name = requestHost(host);
    if (name == null) {
      return null;
    }
    List<Route> exact = new ArrayList<>();
    for (Route r : routes) {
      if (!r.host().isWildcard() && r.host().equals(name)) {
        exact.add(r);
      }
    }
    if (!exact.isEmpty()) {
      return exact;
    }
    String s = name.toString();
    int dot = s.indexOf('.');
    if (dot < 0) {
      return null;
    }
    String parent = s.substring(dot + 1);
    List<Route> wild = new ArrayList<>();
    for (Route r : routes) {
      if (r.host().isWildcard() && r.host().parent().toString().equals(parent)) {
        wild.add(r);
      }
    }
    return wild.isEmpty() ? null : wild;
  }

  private static @Nullable Route best(List<Route> candidates, String path) {
    Route best = null;
    for (Route r : candidates) {
      if (r.prefix().matches(path)
          && (best == null || r.prefix().toString().length() > best.prefix().toString().length())) {
        best = r;
      }
    }
    return best;
  }

  /** A request host as a name: ASCII only, no wildcard, otherwise what HostName.parse accepts. */
  static @Nullable HostName requestHost(String host) {
    for (int i = 0; i < host.length(); i++) {
      if (host.charAt(i) >= 0x80 || host.charAt(i) == '*') {
        return null;
      }
    }
    try {
      return HostName.parse(host);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
