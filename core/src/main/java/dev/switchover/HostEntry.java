package dev.switchover;

import com.google.common.collect.ImmutableList;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Everything a table knows about one host or wildcard: its domain status (if declared) and its
 * routes, indexed for lookup. Immutable; a change makes a new entry and leaves other hosts alone.
 *
 * <p>What a lookup needs is kept apart from the rest, in two arrays allocated one right after the
 * other (so that they stay neighbours in memory), which {@link HostTable} stores in its buckets:
 *
 * <ul>
 *   <li>{@link #data}, one byte array: the key (the host's lower-case ASCII name, or a wildcard's
 *       parent), then the host's path prefixes in an open-addressing table probed at the segment
 *       boundaries of the request's path. Layout: {@code [0]} the key's length {@code K}; {@code
 *       [1, 1+K)} the key; at {@code p = 1+K} two little-endian ints, the slot mask ({@code -1} when
 *       the host has no routes) and the longest prefix's length; then the slots, three ints each
 *       (the prefix's path hash, its length or 0 for an empty slot, the offset of its characters
 *       in {@code data}); then the prefixes' characters.
 *   <li>{@link #results}: {@code [0]} this entry, {@code [1]} the resolution of the root route
 *       {@code /} or null, {@code [2 + s]} the resolution of slot {@code s}'s route. The
 *       resolutions are made right after the array, so that they follow it in memory too.
 * </ul>
 *
 * <p>A lookup thus reads no {@code String}, {@code Route} or list, and a hit allocates nothing. A
 * builder changes a host as a draft and makes its entry once, when it builds.
 */
final class HostEntry {
  /** The order of an entry's routes, and of a builder's drafts in messages. */
  static final Comparator<Route> BY_PREFIX = Comparator.comparing(Route::prefix);
  private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

  /** Bytes per slot of the path table: hash, length, offset. */
  private static final int SLOT = 12;

  final HostName host;
  /** The table key: the name, or for a wildcard its parent. Lower case. */
  final String key;

  final int hash;
  final @Nullable DomainStatus status;
  final ImmutableList<Route> routes;
  /** The key and the path index; see the class comment. */
  final byte[] data;
  /** This entry and the ready-made resolutions; see the class comment. */
  final @Nullable Object[] results;

  private HostEntry(HostName host, @Nullable DomainStatus status, ImmutableList<Route> routes) {
    this(host, host.lookupHash(), status, routes);
  }

  private HostEntry(HostName host, int hash, @Nullable DomainStatus status, ImmutableList<Route> routes) {
    this.host = host;
    this.key = host.lookupKey();
    this.hash = hash;
    this.status = status;
    this.routes = routes;
    int prefixes = 0;
    int chars = 0;
    for (Route r : routes) {
      int length = r.prefix().matchKey().length();
      if (length > 0) {
        prefixes++;
        chars += length;
      }
    }
    int capacity = routes.isEmpty() ? 0 : capacityFor(prefixes);
    int k = key.length();
    // Allocated back to back: data, results, then each resolution (in compile).
    this.data = new byte[1 + k + 8 + capacity * SLOT + chars];
    this.results = new Object[2 + capacity];
    compile(capacity);
  }

  /** A power of two with at least one slot, and at least a quarter of them, left empty. */
  private static int capacityFor(int prefixes) {
    int wanted = prefixes + Math.max(1, prefixes / 3);
    return wanted <= 1 ? 1 : Integer.highestOneBit(wanted - 1) << 1;
  }

  private void compile(int capacity) {
    byte[] d = data;
    int k = key.length();
    d[0] = (byte) k; // at most 253: HostName's limit
    for (int i = 0; i < k; i++) {
      d[1 + i] = (byte) key.charAt(i); // lower-case ASCII: HostName keeps only that
    }
    int p = 1 + k;
    results[0] = this;
    if (capacity == 0) {
      INT.set(d, p, -1);
      return;
    }
    int mask = capacity - 1;
    INT.set(d, p, mask);
    int slots = p + 8;
    int offset = slots + capacity * SLOT;
    int maxLength = 0;
    for (Route r : routes) {
      String prefix = r.prefix().matchKey();
      Resolution resolution = new Resolution(Resolution.Outcome.ROUTED, r, r.workspace());
      if (prefix.isEmpty()) {
        results[1] = resolution;
        continue;
      }
      int h = Hashing.pathHash(prefix);
      int s = slotOf(h, prefix.length()) & mask;
      while ((int) INT.get(d, slots + s * SLOT + 4) != 0) {
        s = (s + 1) & mask;
      }
      INT.set(d, slots + s * SLOT, h);
      INT.set(d, slots + s * SLOT + 4, prefix.length());
      INT.set(d, slots + s * SLOT + 8, offset);
      results[2 + s] = resolution;
      for (int i = 0; i < prefix.length(); i++) {
        d[offset + i] = (byte) prefix.charAt(i); // visible ASCII, checked by PathPrefix
      }
      offset += prefix.length();
      maxLength = Math.max(maxLength, prefix.length());
    }
    INT.set(d, p + 4, maxLength);
  }

  static HostEntry of(HostName host, @Nullable DomainStatus status, Collection<Route> routes) {
    return new HostEntry(host, status, ImmutableList.sortedCopyOf(BY_PREFIX, routes));
  }

  /** An entry with a hash of the caller's choosing, so that tests can force collisions. */
  static HostEntry withHash(HostName host, int hash, DomainStatus status) {
    return new HostEntry(host, hash, status, ImmutableList.of());
  }

  /** The entry whose {@link #results} these are. */
  @SuppressWarnings("NullAway") // results[0] is always the entry, set first by compile
  static HostEntry from(@Nullable Object[] results) {
    return (HostEntry) results[0];
  }

  boolean hasRoutes() {
    return !routes.isEmpty();
  }

  boolean isEmpty() {
    return status == null && routes.isEmpty();
  }

  /** The resolution of a request path at this host; NO_ROUTE when it has no route for it. */
  Resolution match(CharSequence path) {
    Resolution r = match(data, results, path);
    return r == null ? Resolution.NO_ROUTE : r;
  }

  /** Whether the request text {@code s[from, to)} is the key in {@code data}, ignoring ASCII case. */
  static boolean keyMatches(byte[] data, CharSequence s, int from, int to) {
    if (to - from != (data[0] & 0xff)) {
      return false;
    }
    for (int i = from, j = 1; i < to; i++, j++) {
      // key characters are ASCII, so a request character beyond it cannot alias one
      if (HostName.asciiLower(s.charAt(i)) != data[j]) {
        return false;
      }
    }
    return true;
  }

  /**
   * The longest prefix matching the path on a segment boundary, from an entry's {@code data} and
   * {@code results}: null if the host has no routes at all (so that a wildcard may answer), {@link
   * Resolution#NO_ROUTE} if none of them matches. Allocates nothing.
   */
  static @Nullable Resolution match(byte[] data, @Nullable Object[] results, CharSequence path) {
    int p = 1 + (data[0] & 0xff);
    int mask = (int) INT.get(data, p);
    if (mask < 0) {
      return null;
    }
    Resolution best = (Resolution) results[1];
    int n = path.length();
    if (n > 0) {
      if (path.charAt(0) != '/') {
        return Resolution.NO_ROUTE;
      }
      int maxLength = (int) INT.get(data, p + 4);
      int slots = p + 8;
      int h = 0;
      int last = Math.min(n - 1, maxLength);
      for (int i = 0; i <= last; i++) {
        char c = path.charAt(i);
        if (c == '/' && i > 0) {
          int s = find(data, slots, mask, path, i, h);
          if (s >= 0) {
            best = (Resolution) results[2 + s];
          }
        }
        h = Hashing.step(h, c);
      }
      if (n <= maxLength) {
        int s = find(data, slots, mask, path, n, h);
        if (s >= 0) {
          best = (Resolution) results[2 + s];
        }
      }
    }
    return best == null ? Resolution.NO_ROUTE : best;
  }

  private static int slotOf(int hash, int length) {
    return Hashing.spread(hash + length);
  }

  /** The slot of the prefix {@code path[0, length)}, whose hash is {@code h}; -1 if none. */
  private static int find(byte[] data, int slots, int mask, CharSequence path, int length, int h) {
    int s = slotOf(h, length) & mask;
    int keyLength;
    while ((keyLength = (int) INT.get(data, slots + s * SLOT + 4)) != 0) {
      int at = slots + s * SLOT;
      if (keyLength == length && (int) INT.get(data, at) == h && regionEquals(data, (int) INT.get(data, at + 8), path, length)) {
        return s;
      }
      s = (s + 1) & mask;
    }
    return -1;
  }

  private static boolean regionEquals(byte[] data, int offset, CharSequence path, int length) {
    for (int i = length - 1; i >= 0; i--) {
      // prefix characters are ASCII, so a path character beyond it cannot alias one
      if (path.charAt(i) != data[offset + i]) {
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
