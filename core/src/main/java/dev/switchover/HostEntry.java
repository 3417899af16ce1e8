package dev.switchover;

import com.google.common.annotations.VisibleForTesting;
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
 * <p>What a lookup needs is packed into two arrays, allocated one right after the other so that
 * they stay neighbours in memory, which {@link HostTable} keeps in its buckets. A lookup reads no
 * {@code String}, {@code Route} or list, and a hit allocates nothing.
 *
 * <pre>
 * data (byte[], ints and longs little-endian), K = the key's length, h = KEY + K rounded up to 8:
 *   | K | form | count | 0 | mask | key, K bytes, zeros to h | the prefixes, as the form says |
 *   0   FORM   COUNT       MASK   KEY                        h
 *
 *   form     NONE: the host has no routes; LIST or TABLE: how its prefixes other than "/" are kept
 *   count    LIST: how many prefixes it holds; 0 in the other forms
 *   mask     TABLE: the slots' mask; unused in the other forms
 *   key      the host's lower-case ASCII name, or a wildcard's parent, compared eight bytes at a
 *            time with the request's {@link Hashing#word words}; its words are aligned
 *
 * LIST, when there are at most LIST_MAX prefixes of at most LIST_LONGEST characters (most hosts):
 * each prefix compared as two words with the path's first sixteen characters, longest first
 *   | lengths | 0 | prefix 0 | prefix 1 | ... |     count of them, each PREFIX bytes:
 *   h         h+4 h+8
 *   lengths  int: four bits for each prefix, its length (prefix 0 in the lowest)
 *   prefix   two words, the prefix's characters and a '/' after them, zeros after that: a path
 *            matches if it starts with the prefix and a '/' follows, or if it is the prefix
 *
 * TABLE, for the others:
 *   | lengths | longest | slot 0 | slot 1 | ... | the prefixes' characters |
 *   h         h+LONGEST h+SLOTS  each SLOT bytes
 *
 *   lengths  long: bit n set if a prefix is n characters long (bit 63: 63 or more), so that a
 *            path boundary no prefix ends at costs no probe
 *   longest  int: the longest prefix's length
 *   slots    an open-addressing table of the prefixes, probed at each segment boundary of the path
 *
 * a slot:
 *   | path hash | length, 0 if empty | where its characters are in data |
 *   SLOT_HASH   SLOT_LENGTH          SLOT_CHARS
 *
 * results (Object[]), made right after it, the entry and its routes' (shared) resolutions:
 *   | this entry | the resolution of "/", or null | prefix 0's or slot 0's resolution | ... |
 *   ENTRY        ROOT                             FIRST
 * </pre>
 */
final class HostEntry {
  /** The order of an entry's routes, and of a builder's drafts in messages. */
  static final Comparator<Route> BY_PREFIX = Comparator.comparing(Route::prefix);
  private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  // Offsets in data; see the class comment.
  private static final int KEY_LENGTH = 0;
  private static final int FORM = 1;
  private static final int COUNT = 2;
  private static final int MASK = 4;
  private static final int KEY = 8;
  private static final int LENGTHS = 0;
  private static final int LONGEST = 8;
  private static final int SLOTS = 12;
  private static final int SLOT_HASH = 0;
  private static final int SLOT_LENGTH = 4;
  private static final int SLOT_CHARS = 8;
  private static final int SLOT = 12;
  private static final int LIST_LENGTHS = 0;
  private static final int LIST_PREFIXES = 8;
  private static final int PREFIX = 16;

  /**
   * For a list prefix of each length, which bytes of the path's words 0 and 1 to compare with it:
   * those of its characters and of the '/' after them.
   */
  private static final long[] WORD0_MASK = new long[16];
  private static final long[] WORD1_MASK = new long[16];

  static {
    for (int length = 0; length < 16; length++) {
      for (int i = 0; i <= length; i++) {
        if (i < 8) {
          WORD0_MASK[length] |= 0xffL << (8 * i);
        } else {
          WORD1_MASK[length] |= 0xffL << (8 * (i - 8));
        }
      }
    }
  }

  // Forms of the prefixes; see the class comment.
  private static final byte NONE = 0;
  private static final byte LIST = 1;
  private static final byte TABLE = 2;

  /**
   * The most prefixes (besides "/") kept as a list. Each costs a few instructions per request,
   * against a probe per segment boundary of the path in a table.
   */
  static final int LIST_MAX = 8;

  /**
   * The longest prefix kept in a list: it and the '/' after it fit in two words ({@link #PREFIX}
   * bytes), and its length in four bits.
   */
  static final int LIST_LONGEST = 15;

  static {
    // the list's lengths are four bits each, all in one int
    if (LIST_LONGEST >= PREFIX || LIST_LONGEST > 15 || LIST_MAX * 4 > Integer.SIZE) {
      throw new AssertionError("the LIST form's limits do not fit its layout");
    }
  }

  // Indexes in results; see the class comment.
  private static final int ENTRY = 0;
  private static final int ROOT = 1;
  private static final int FIRST = 2;

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
    int longest = 0;
    for (Route r : routes) {
      int length = r.prefix().matchKey().length();
      if (length > 0) {
        prefixes++;
        chars += length;
        longest = Math.max(longest, length);
      }
    }
    boolean list = !routes.isEmpty() && prefixes <= LIST_MAX && longest <= LIST_LONGEST;
    int capacity = routes.isEmpty() || list ? 0 : capacityFor(prefixes);
    int h = KEY + padded(key.length());
    int size = list ? h + LIST_PREFIXES + prefixes * PREFIX : h + SLOTS + capacity * SLOT + chars;
    // Allocated back to back, data then results; the resolutions are shared (Resolution.of).
    this.data = new byte[size];
    this.results = new Object[FIRST + (list ? prefixes : capacity)];
    compile(list, capacity);
  }

  /** A power of two with at least one slot, and at least a quarter of them, left empty. */
  private static int capacityFor(int prefixes) {
    int wanted = prefixes + Math.max(1, prefixes / 3);
    return wanted <= 1 ? 1 : Integer.highestOneBit(wanted - 1) << 1;
  }

  private void compile(boolean list, int capacity) {
    byte[] d = data;
    int k = key.length();
    d[KEY_LENGTH] = (byte) k; // at most 253: HostName's limit
    for (int i = 0; i < k; i++) {
      d[KEY + i] = (byte) key.charAt(i); // lower-case ASCII: HostName keeps only that
    }
    int h = KEY + padded(k);
    results[ENTRY] = this;
    if (routes.isEmpty()) {
      d[FORM] = NONE;
      return;
    }
    if (list) {
      compileList(h);
      return;
    }
    d[FORM] = TABLE;
    int mask = capacity - 1;
    INT.set(d, MASK, mask);
    int slots = h + SLOTS;
    int chars = slots + capacity * SLOT;
    int longest = 0;
    long lengths = 0;
    for (Route r : routes) {
      String prefix = r.prefix().matchKey();
      Resolution resolution = Resolution.of(r);
      if (prefix.isEmpty()) {
        results[ROOT] = resolution;
        continue;
      }
      int hash = Hashing.pathHash(prefix);
      int s = slotOf(hash, prefix.length(), mask);
      while ((int) INT.get(d, slots + s * SLOT + SLOT_LENGTH) != 0) {
        s = (s + 1) & mask;
      }
      int at = slots + s * SLOT;
      INT.set(d, at + SLOT_HASH, hash);
      INT.set(d, at + SLOT_LENGTH, prefix.length());
      INT.set(d, at + SLOT_CHARS, chars);
      results[FIRST + s] = resolution;
      for (int i = 0; i < prefix.length(); i++) {
        d[chars + i] = (byte) prefix.charAt(i); // visible ASCII, checked by PathPrefix
      }
      chars += prefix.length();
      longest = Math.max(longest, prefix.length());
      lengths |= lengthBit(prefix.length());
    }
    INT.set(d, h + LONGEST, longest);
    LONG.set(d, h + LENGTHS, lengths);
  }

  /** The LIST form: the prefixes longest first, each as its two words, the lengths in one int. */
  private void compileList(int h) {
    byte[] d = data;
    d[FORM] = LIST;
    // at most LIST_MAX + 1 routes: an insertion sort, longest prefix first, allocates only its array
    Route[] longestFirst = routes.toArray(new Route[0]);
    for (int i = 1; i < longestFirst.length; i++) {
      Route r = longestFirst[i];
      int k = i;
      for (; k > 0 && prefixLength(longestFirst[k - 1]) < prefixLength(r); k--) {
        longestFirst[k] = longestFirst[k - 1];
      }
      longestFirst[k] = r;
    }
    int j = 0;
    int lengths = 0;
    for (Route r : longestFirst) {
      String prefix = r.prefix().matchKey();
      if (prefix.isEmpty()) {
        results[ROOT] = Resolution.of(r);
        continue;
      }
      // The prefix's characters, then the '/' a longer path must have after them.
      int at = h + LIST_PREFIXES + j * PREFIX;
      for (int i = 0; i < prefix.length(); i++) {
        d[at + i] = (byte) prefix.charAt(i); // visible ASCII, checked by PathPrefix
      }
      d[at + prefix.length()] = '/';
      lengths |= prefix.length() << (4 * j);
      results[FIRST + j] = Resolution.of(r);
      j++;
    }
    d[COUNT] = (byte) j;
    INT.set(d, h + LIST_LENGTHS, lengths);
  }

  private static int prefixLength(Route r) {
    return r.prefix().matchKey().length();
  }

  static HostEntry of(HostName host, @Nullable DomainStatus status, Collection<Route> routes) {
    return new HostEntry(host, status, ImmutableList.sortedCopyOf(BY_PREFIX, routes));
  }

  /** An entry with a hash of the caller's choosing, so that tests can force collisions. */
  static HostEntry withHash(HostName host, int hash, DomainStatus status) {
    return new HostEntry(host, hash, status, ImmutableList.of());
  }

  /** The entry whose {@link #results} these are. */
  @SuppressWarnings("NullAway") // results[ENTRY] is always the entry, set first by compile
  static HostEntry from(@Nullable Object[] results) {
    return (HostEntry) results[ENTRY];
  }

  /** Whether this entry keeps its prefixes in the LIST form (see the class comment). */
  @VisibleForTesting
  boolean keepsPrefixesAsList() {
    return data[FORM] == LIST;
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

  /** A key's length rounded up to whole words. */
  private static int padded(int keyLength) {
    return (keyLength + 7) & ~7;
  }

  /** Whether the request text {@code s[from, to)} is the key in {@code data}, ignoring ASCII case. */
  static boolean keyMatches(byte[] data, CharSequence s, int from, int to) {
    if (to - from != (data[KEY_LENGTH] & 0xff)) {
      return false;
    }
    for (int at = from, j = KEY; at < to; at += 8, j += 8) {
      if ((long) LONG.get(data, j) != Hashing.word(s, at, to)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether a request name of {@code length} characters, at most {@value Hashing#HASHED}, whose
   * {@link Hashing#word words} are {@code w0} to {@code w3}, is the key in {@code data}.
   */
  static boolean keyEquals(byte[] data, int length, long w0, long w1, long w2, long w3) {
    return (data[KEY_LENGTH] & 0xff) == length
        && (long) LONG.get(data, KEY) == w0
        && (length <= 8
            || ((long) LONG.get(data, KEY + 8) == w1
                && (length <= 16
                    || ((long) LONG.get(data, KEY + 16) == w2
                        && (length <= 24 || (long) LONG.get(data, KEY + 24) == w3)))));
  }

  /**
   * The longest prefix matching the path on a segment boundary, from an entry's {@code data} and
   * {@code results}: null if the host has no routes at all (so that a wildcard may answer), {@link
   * Resolution#NO_ROUTE} if none of them matches. Allocates nothing.
   */
  static @Nullable Resolution match(byte[] data, @Nullable Object[] results, CharSequence path) {
    byte form = data[FORM];
    if (form == NONE) {
      return null;
    }
    int h = KEY + padded(data[KEY_LENGTH] & 0xff);
    Resolution best = (Resolution) results[ROOT];
    int n = path.length();
    if (n > 0) {
      if (path.charAt(0) != '/') {
        return Resolution.NO_ROUTE;
      }
      if (form == LIST) {
        Resolution r = matchList(data, h, results, path, n);
        if (r != null) {
          return r;
        }
        return best == null ? Resolution.NO_ROUTE : best;
      }
      int mask = (int) INT.get(data, MASK);
      int longest = (int) INT.get(data, h + LONGEST);
      long lengths = (long) LONG.get(data, h + LENGTHS);
      int slots = h + SLOTS;
      int hash = 0;
      int last = Math.min(n - 1, longest);
      for (int i = 0; i <= last; i++) {
        char c = path.charAt(i);
        if (c == '/' && (lengths & lengthBit(i)) != 0) { // bit 0 is never set: "/" is the root
          int s = find(data, slots, mask, path, i, hash);
          if (s >= 0) {
            best = (Resolution) results[FIRST + s];
          }
        }
        hash = Hashing.step(hash, c);
      }
      if (n <= longest && (lengths & lengthBit(n)) != 0) {
        int s = find(data, slots, mask, path, n, hash);
        if (s >= 0) {
          best = (Resolution) results[FIRST + s];
        }
      }
    }
    return best == null ? Resolution.NO_ROUTE : best;
  }

  /**
   * The LIST form's match: the path's first sixteen characters read once, as two words, and
   * compared with each prefix, longest first. Null if none matches.
   */
  private static @Nullable Resolution matchList(
      byte[] data, int h, @Nullable Object[] results, CharSequence path, int n) {
    int count = data[COUNT];
    if (count == 0) {
      return null;
    }
    int lengths = (int) INT.get(data, h + LIST_LENGTHS);
    long w0 = pathWord(path, 0, n);
    // the longest prefix comes first: from 8 characters on, the '/' after it is in word 1
    long w1 = (lengths & 15) >= 8 ? pathWord(path, 8, n) : 0;
    for (int j = 0, at = h + LIST_PREFIXES; j < count; j++, at += PREFIX) {
      int length = (lengths >>> (4 * j)) & 15;
      long d0 = (w0 & WORD0_MASK[length]) ^ (long) LONG.get(data, at);
      long d1 = (w1 & WORD1_MASK[length]) ^ (long) LONG.get(data, at + 8);
      if ((d0 | d1) == 0) {
        return (Resolution) results[FIRST + j]; // the prefix, then a '/'
      }
      // the path is the prefix itself: where the prefix's '/' is, the path has ended
      if (n == length
          && (length < 8 ? d0 == slash(length) && d1 == 0 : d0 == 0 && d1 == slash(length))) {
        return (Resolution) results[FIRST + j];
      }
    }
    return null;
  }

  /** The bits of a '/' at {@code length} in its word. */
  private static long slash(int length) {
    return (long) '/' << (8 * (length & 7));
  }

  /**
   * Path characters {@code [at, at + 8)} as bytes, little-endian: an ASCII character as itself, one
   * beyond ASCII as 0xff (which no prefix holds, nor '/'), past the end of the path 0. A NUL is 0
   * too: it never equals a prefix's character or its '/', and the one comparison that accepts a 0
   * where the '/' would be also asks that the path end there.
   */
  private static long pathWord(CharSequence path, int at, int n) {
    int left = n - at;
    if (left >= 8) {
      return exactWord(path, at);
    }
    if (left <= 0) {
      return 0;
    }
    if (n >= 8) {
      // the last eight characters, those before at shifted out
      return exactWord(path, n - 8) >>> (8 * (8 - left));
    }
    long w = 0;
    for (int k = 0; k < left; k++) {
      w |= Hashing.byteOf(path.charAt(at + k)) << (8 * k);
    }
    return w;
  }

  /** Eight path characters from {@code at}, each as {@link #pathWord} says. */
  private static long exactWord(CharSequence path, int at) {
    long w = Hashing.ascii(path, at);
    if (w != Hashing.NOT_ASCII) {
      return w;
    }
    for (int k = 0; k < 8; k++) { // one of them is beyond ASCII: each on its own
      w = w >>> 8 | Hashing.byteOf(path.charAt(at + k)) << 56;
    }
    return w;
  }

  /** The bit of the prefix lengths field (see the class comment) for a prefix of that length. */
  private static long lengthBit(int length) {
    return 1L << Math.min(length, 63);
  }

  /**
   * The first slot to probe for a prefix: the top bits of its hash and length times a golden-ratio
   * constant, which are well mixed, one multiplication (a prefix is probed at each boundary).
   */
  private static int slotOf(int hash, int length, int mask) {
    return (((hash + length) * 0x9e3779b9) >>> Integer.numberOfLeadingZeros(mask)) & mask;
  }

  /** The slot of the prefix {@code path[0, length)}, whose hash is {@code hash}; -1 if none. */
  private static int find(byte[] data, int slots, int mask, CharSequence path, int length, int hash) {
    int s = slotOf(hash, length, mask);
    int slotLength;
    while ((slotLength = (int) INT.get(data, slots + s * SLOT + SLOT_LENGTH)) != 0) {
      int at = slots + s * SLOT;
      if (slotLength == length
          && (int) INT.get(data, at + SLOT_HASH) == hash
          && regionEquals(data, (int) INT.get(data, at + SLOT_CHARS), path, length)) {
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
