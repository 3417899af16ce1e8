package dev.switchover;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The path prefixes of one host, in an open-addressing table keyed by prefix text. A lookup walks
 * the path once, probing the table at each segment boundary, so its cost grows with the path's
 * depth (up to the longest prefix), not with the number of prefixes. Immutable.
 */
final class PathIndex {
  private static final PathIndex EMPTY = new PathIndex(null, new String[1], new int[1], new Route[1], 0, 0);

  private final @Nullable Route root;
  private final @Nullable String[] keys;
  private final int[] hashes;
  private final @Nullable Route[] routes;
  private final int mask;
  private final int maxKeyLength;

  private PathIndex(
      @Nullable Route root,
      @Nullable String[] keys,
      int[] hashes,
      @Nullable Route[] routes,
      int mask,
      int maxKeyLength) {
    this.root = root;
    this.keys = keys;
    this.hashes = hashes;
    this.routes = routes;
    this.mask = mask;
    this.maxKeyLength = maxKeyLength;
  }

  static PathIndex of(List<Route> routeList) {
    if (routeList.isEmpty()) {
      return EMPTY;
    }
    Route root = null;
    int capacity = Integer.highestOneBit(Math.max(1, routeList.size()) * 2) * 2;
    @Nullable String[] keys = new String[capacity];
    int[] hashes = new int[capacity];
    @Nullable Route[] routes = new Route[capacity];
    int mask = capacity - 1;
    int maxKeyLength = 0;
    for (Route r : routeList) {
      String key = r.prefix().matchKey();
      if (key.isEmpty()) {
        root = r;
        continue;
      }
      int h = Hashing.pathHash(key);
      int slot = slot(h, key.length()) & mask;
      while (keys[slot] != null) {
        slot = (slot + 1) & mask;
      }
      keys[slot] = key;
      hashes[slot] = h;
      routes[slot] = r;
      maxKeyLength = Math.max(maxKeyLength, key.length());
    }
    return new PathIndex(root, keys, hashes, routes, mask, maxKeyLength);
  }

  private static int slot(int hash, int length) {
    return Hashing.spread(hash + length);
  }

  /** The longest prefix matching the path on a segment boundary. Allocates nothing. */
  Resolution match(CharSequence path) {
    int n = path.length();
    Route best = root;
    if (n > 0) {
      if (path.charAt(0) != '/') {
        return Resolution.NO_ROUTE;
      }
      int h = 0;
      int last = Math.min(n - 1, maxKeyLength);
      for (int i = 0; i <= last; i++) {
        char c = path.charAt(i);
        if (c == '/' && i > 0) {
          Route r = find(path, i, h);
          if (r != null) {
            best = r;
          }
        }
        h = Hashing.step(h, c);
      }
      if (n <= maxKeyLength) {
        Route r = find(path, n, h);
        if (r != null) {
          best = r;
        }
      }
    }
    return best == null ? Resolution.NO_ROUTE : best.resolution();
  }

  private @Nullable Route find(CharSequence path, int length, int h) {
    int slot = slot(h, length) & mask;
    String key;
    while ((key = keys[slot]) != null) {
      if (hashes[slot] == h && key.length() == length && regionEquals(path, key)) {
        return routes[slot];
      }
      slot = (slot + 1) & mask;
    }
    return null;
  }

  private static boolean regionEquals(CharSequence path, String key) {
    for (int i = key.length() - 1; i >= 0; i--) {
      if (path.charAt(i) != key.charAt(i)) {
        return false;
      }
    }
    return true;
  }
}
