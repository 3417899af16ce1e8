package dev.switchover;

import com.google.common.collect.ImmutableList;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Everything a table knows about one host or wildcard: its domain status (if declared) and its
 * routes, indexed for lookup. Immutable; a change makes a new entry and leaves other hosts alone.
 */
final class HostEntry {
  private static final Comparator<Route> BY_PREFIX = Comparator.comparing(Route::prefix);

  final HostName host;
  /** The trie key: the name, or for a wildcard its parent. Lower case. */
  final String key;
  /** The key's characters (ASCII), compared with request text without going through the String. */
  private final byte[] keyChars;
  final int hash;
  final @Nullable DomainStatus status;
  final ImmutableList<Route> routes;
  private final PathIndex index;

  private HostEntry(HostName host, @Nullable DomainStatus status, ImmutableList<Route> routes) {
    this(host, Hashing.hostHash(host.lookupKey()), status, routes);
  }

  private HostEntry(HostName host, int hash, @Nullable DomainStatus status, ImmutableList<Route> routes) {
    this.host = host;
    this.key = host.lookupKey();
    this.keyChars = key.getBytes(StandardCharsets.US_ASCII);
    this.hash = hash;
    this.status = status;
    this.routes = routes;
    this.index = PathIndex.of(routes);
  }

  static HostEntry of(HostName host, @Nullable DomainStatus status, List<Route> routes) {
    return new HostEntry(host, status, ImmutableList.sortedCopyOf(BY_PREFIX, routes));
  }

  /** An entry with a hash of the caller's choosing, so that tests can force collisions. */
  static HostEntry withHash(HostName host, int hash, DomainStatus status) {
    return new HostEntry(host, hash, status, ImmutableList.of());
  }

  HostEntry withStatus(@Nullable DomainStatus newStatus) {
    return new HostEntry(host, newStatus, routes);
  }

  HostEntry withRoutes(List<Route> newRoutes) {
    return of(host, status, newRoutes);
  }

  boolean hasRoutes() {
    return !routes.isEmpty();
  }

  boolean isEmpty() {
    return status == null && routes.isEmpty();
  }

  @Nullable Route route(PathPrefix prefix) {
    for (Route r : routes) {
      if (r.prefix().equals(prefix)) {
        return r;
      }
    }
    return null;
  }

  Resolution match(CharSequence path) {
    return index.match(path);
  }

  /** Whether the request text {@code s[from, to)} is this entry's key, ignoring ASCII case. */
  boolean keyMatches(CharSequence s, int from, int to) {
    byte[] k = keyChars;
    if (to - from != k.length) {
      return false;
    }
    for (int i = from, j = 0; i < to; i++, j++) {
      // key characters are ASCII, so a request character beyond it cannot alias one
      if (HostName.asciiLower(s.charAt(i)) != k[j]) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return host + " " + status + " " + routes;
  }
}
