package dev.switchover;

import com.google.common.collect.ImmutableList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A host's status and routes as a {@link TableBuilder} changes them, in place. It reads its table
 * entry's routes until it first changes them, then copies them once into a map by prefix, so that
 * each later change costs a map operation, not the host's number of routes; {@link #entry()}
 * compiles the immutable {@link HostEntry} once per change, however often the builder builds.
 */
final class HostDraft {
  final HostName host;
  private @Nullable DomainStatus status;
  /** The routes of the entry this draft started from, in prefix order. */
  private final List<Route> baseRoutes;
  /**
   * Once changed: the routes by prefix (a LinkedHashMap), the base's first in prefix order (a
   * replaced route keeps its place), then those added, in the order added.
   */
  private @Nullable Map<PathPrefix, Route> routes;
  /** The compiled entry, until the next change. */
  private @Nullable HostEntry entry;

  HostDraft(HostName host, @Nullable DomainStatus status, List<Route> sortedRoutes) {
    this.host = host;
    this.status = status;
    this.baseRoutes = sortedRoutes;
  }

  @Nullable DomainStatus status() {
    return status;
  }

  void status(@Nullable DomainStatus newStatus) {
    status = newStatus;
    entry = null;
  }

  Collection<Route> routes() {
    return routes != null ? routes.values() : baseRoutes;
  }

  /** The routes in prefix order, for messages. */
  List<Route> sortedRoutes() {
    return ImmutableList.sortedCopyOf(HostEntry.BY_PREFIX, routes());
  }

  boolean hasRoutes() {
    return !routes().isEmpty();
  }

  boolean isEmpty() {
    return status == null && !hasRoutes();
  }

  @Nullable Route route(PathPrefix prefix) {
    if (routes != null) {
      return routes.get(prefix);
    }
    int low = 0;
    int high = baseRoutes.size() - 1;
    while (low <= high) {
      int mid = (low + high) >>> 1;
      int c = baseRoutes.get(mid).prefix().compareTo(prefix);
      if (c == 0) {
        return baseRoutes.get(mid);
      } else if (c < 0) {
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    return null;
  }

  boolean hasSamePrefixes(HostDraft other) {
    if (routes().size() != other.routes().size()) {
      return false;
    }
    for (Route r : routes()) {
      if (other.route(r.prefix()) == null) {
        return false;
      }
    }
    return true;
  }

  void put(Route route) {
    writable().put(route.prefix(), route);
    entry = null;
  }

  void remove(PathPrefix prefix) {
    writable().remove(prefix);
    entry = null;
  }

  void clearRoutes() {
    routes = new LinkedHashMap<>();
    entry = null;
  }

  private Map<PathPrefix, Route> writable() {
    Map<PathPrefix, Route> map = routes;
    if (map == null) {
      map = new LinkedHashMap<>(Math.max(16, baseRoutes.size() * 2));
      for (Route r : baseRoutes) {
        map.put(r.prefix(), r);
      }
      routes = map;
    }
    return map;
  }

  /** The compiled entry (its routes in prefix order); made again only after a change. */
  HostEntry entry() {
    HostEntry e = entry;
    if (e == null) {
      e = HostEntry.of(host, status, routes());
      entry = e;
    }
    return e;
  }
}
