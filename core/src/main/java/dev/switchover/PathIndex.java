package dev.switchover;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The path prefixes of one host, in an open-addressing table keyed by prefix text. A lookup walks
 * the path once, probing the table at each segment boundary, so its cost grows with the path's
 * depth (up to the longest prefix), not with the number of prefixes. Immutable.
 *
 * <p>The table is laid out for a lookup that touches few cache lines: each slot's hash, length
 * and offset sit side by side in one {@code int} array, and the characters of all prefixes in one
 * {@code byte} array (prefixes are ASCII), so that a probe reads no {@code String}, and the
 * answer is the winning route's ready-made {@link Resolution}.
 */
final class PathIndex {
  /** Ints per slot in {@link #slots}: hash, length (0 for an empty slot), offset in {@link #chars}. */
  private static final int STRIDE = 3;

  private static final PathIndex EMPTY = new PathIndex(null, new int[STRIDE], new byte[0], new Resolution[1], 0, 0);

  // Each route's resolution, made here so that it lies next to the index in memory and a hit
  // allocates nothing; a lookup reads no Route.
  private final @Nullable Resolution root;
  private final int[] slots;
  private final byte[] chars;
  private final @Nullable Resolution[] results;
  private final int mask;
  private final int maxKeyLength;

  private PathIndex(
      @Nullable Resolution root, int[] slots, byte[] chars, @Nullable Resolution[] results, int mask, int maxKeyLength) {
    this.root = root;
    this.slots = slots;
    this.chars = chars;
    this.results = results;
    this.mask = mask;
    this.maxKeyLength = maxKeyLength;
  }

  static PathIndex of(List<Route> routeList) {
    if (routeList.isEmpty()) {
      return EMPTY;
    }
    Resolution root = null;
    int keys = 0;
    for (Route r : routeList) {
      if (!r.prefix().equals(PathPrefix.ROOT)) {
        keys++;
      }
    }
    // the smallest power of two at least twice the prefixes (the root needs no slot): a probe
    // seldom goes past its first slot, and the table stays within a cache line or two
    int capacity = Integer.highestOneBit(Math.max(1, keys) * 2 - 1) << 1;
    int[] slots = new int[capacity * STRIDE];
    @Nullable Resolution[] results = new Resolution[capacity];
    int mask = capacity - 1;
    int maxKeyLength = 0;
    int totalLength = 0;
    for (Route r : routeList) {
      totalLength += r.prefix().matchKey().length();
    }
    byte[] chars = new byte[totalLength];
    int offset = 0;
    for (Route r : routeList) {
      String key = r.prefix().matchKey();
      if (key.isEmpty()) {
        root = new Resolution(Resolution.Outcome.ROUTED, r, r.workspace());
        continue;
      }
      int h = Hashing.pathHash(key);
      int slot = slot(h, key.length()) & mask;
      while (slots[slot * STRIDE + 1] != 0) {
        slot = (slot + 1) & mask;
      }
      slots[slot * STRIDE] = h;
      slots[slot * STRIDE + 1] = key.length();
      slots[slot * STRIDE + 2] = offset;
      results[slot] = new Resolution(Resolution.Outcome.ROUTED, r, r.workspace());
      for (int i = 0; i < key.length(); i++) {
        chars[offset + i] = (byte) key.charAt(i); // visible ASCII, checked by PathPrefix
      }
      offset += key.length();
      maxKeyLength = Math.max(maxKeyLength, key.length());
    }
    return new PathIndex(root, slots, chars, results, mask, maxKeyLength);
  }

  private static int slot(int hash, int length) {
    return Hashing.spread(hash + length);
  }

  /** The longest prefix matching the path on a segment boundary. Allocates nothing. */
  Resolution match(CharSequence path) {
    int n = path.length();
    Resolution best = root;
    if (n > 0) {
      if (path.charAt(0) != '/') {
        return Resolution.NO_ROUTE;
      }
      int h = 0;
      int last = Math.min(n - 1, maxKeyLength);
      for (int i = 0; i <= last; i++) {
        char c = path.charAt(i);
        if (c == '/' && i > 0) {
          Resolution r = find(path, i, h);
          if (r != null) {
            best = r;
          }
        }
        h = Hashing.step(h, c);
      }
      if (n <= maxKeyLength) {
        Resolution r = find(path, n, h);
        if (r != null) {
          best = r;
        }
      }
    }
    return best == null ? Resolution.NO_ROUTE : best;
  }

  /** The resolution of the prefix {@code path[0, length)}, whose hash is {@code h}; null if none. */
  private @Nullable Resolution find(CharSequence path, int length, int h) {
    int[] s = slots;
    int slot = slot(h, length) & mask;
    int keyLength;
    while ((keyLength = s[slot * STRIDE + 1]) != 0) {
      if (keyLength == length && s[slot * STRIDE] == h && regionEquals(path, s[slot * STRIDE + 2], length)) {
        return results[slot];
      }
      slot = (slot + 1) & mask;
    }
    return null;
  }

  private boolean regionEquals(CharSequence path, int offset, int length) {
    byte[] c = chars;
    for (int i = length - 1; i >= 0; i--) {
      // prefix characters are ASCII, so a path character beyond it cannot alias one
      if (path.charAt(i) != c[offset + i]) {
        return false;
      }
    }
    return true;
  }
}
