package dev.switchover;

import java.util.Arrays;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A persistent hash map of {@link HostEntry} by key, laid out so that a lookup reads as few cache
 * lines, one after the other, as it can: it is the first thing every request touches, and in a
 * large table almost nothing it reads is in cache already.
 *
 * <p>Two levels. The top has a bucket for each value of the hash's low bits, and is small
 * enough to stay in cache. A bucket is an open-addressing table (linear probing, at most half
 * full) in two arrays whose references sit side by side in the top, so that both are fetched at
 * once: the slots' hashes, compared first so that a probe that is not the host's costs no further
 * read, and the slots' entries, each as its {@link HostEntry#data} and {@link HostEntry#results}.
 *
 * <pre>
 * top (Object[]), two for each bucket b:         masks (int[]), one for each bucket:
 *   | hashes 0 | entries 0 | hashes 1 | ...       | mask 0 | mask 1 | ...
 *   2b+HASHES  2b+ENTRIES
 *
 * hashes (int[]): each slot's stored hash, 0 for an empty slot; mask = its length less one
 * entries (Object[]), two for each slot i:
 *   | data 0 | results 0 | data 1 | ...            (the slot's HostEntry's arrays)
 *   2i+DATA  2i+RESULTS
 * </pre>
 *
 * <p>A change copies the top and the buckets it touches, never the entries of other hosts (the
 * masks only when a bucket's capacity changes). The top doubles, rehashing every entry once, while
 * the table grows past {@value #HOSTS_PER_BUCKET} hosts a bucket, up to {@value #MAX_BUCKETS}
 * buckets; it never shrinks. A batch of changes goes through one {@link Editor}, which copies the
 * top and each touched bucket once.
 */
final class HostTable {
  /** Hosts a bucket holds on average before the top doubles. */
  static final int HOSTS_PER_BUCKET = 16;

  /** The most buckets the top has; past this, buckets grow instead. */
  static final int MAX_BUCKETS = 1 << 12;

  /** The hash bits the top may use; a bucket's slot is picked by the bits above them. */
  private static final int TOP_BITS = 12;

  // Offsets in the top and in a bucket's entries; see the class comment.
  private static final int HASHES = 0;
  private static final int ENTRIES = 1;
  private static final int DATA = 0;
  private static final int RESULTS = 1;

  private static final int[] EMPTY_HASHES = new int[1];
  private static final @Nullable Object[] EMPTY_ENTRIES = new Object[2];

  static final HostTable EMPTY = new HostTable(new Object[] {EMPTY_HASHES, EMPTY_ENTRIES}, new int[1], 0);

  /** The buckets' hashes and entries; see the class comment. */
  private final Object[] top;

  /**
   * The buckets' slot masks. Kept here, next to the top, so that a lookup can pick its slot
   * without first waiting for the hashes' array header.
   */
  private final int[] masks;

  private final int size;

  private HostTable(Object[] top, int[] masks, int size) {
    this.top = top;
    this.masks = masks;
    this.size = size;
  }

  int size() {
    return size;
  }

  /** The stored form of a hash: never 0, which marks an empty slot. */
  private static int stored(int hash) {
    return hash | 1;
  }

  /**
   * Resolves a request's path at the host whose key is {@code s[from, to)} ignoring ASCII case.
   * Null if there is no such host, or it has no routes. Allocates nothing.
   */
  @Nullable Resolution resolve(CharSequence s, int from, int to, CharSequence path) {
    int length = to - from;
    if (length > Hashing.HASHED) {
      return resolveLong(s, from, to, path);
    }
    // A name of up to four words, kept in registers: hashed, then compared with the key without
    // reading the request's characters again.
    // Whole words, then the one partial word, if any, where it falls: each read once.
    int whole = length >>> 3;
    long tail = (length & 7) == 0 ? 0 : Hashing.tail(s, from + (whole << 3), to);
    long w0 = whole > 0 ? Hashing.full(s, from) : tail;
    long w1 = whole > 1 ? Hashing.full(s, from + 8) : whole == 1 ? tail : 0;
    long w2 = whole > 2 ? Hashing.full(s, from + 16) : whole == 2 ? tail : 0;
    long w3 = whole > 3 ? Hashing.full(s, from + 24) : whole == 3 ? tail : 0;
    int hash = Hashing.hostHash(length, w0, w1, w2, w3);
    Object[] t = top;
    int[] m = masks;
    int bucket = hash & (m.length - 1);
    int mask = m[bucket];
    int[] hashes = hashes(t, bucket);
    @Nullable Object[] entries = entries(t, bucket);
    int want = stored(hash);
    int i = (hash >>> TOP_BITS) & mask;
    int h;
    while ((h = hashes[i]) != 0) {
      if (h == want) {
        byte[] data = dataAt(entries, i);
        if (HostEntry.keyEquals(data, length, w0, w1, w2, w3)) {
          return HostEntry.match(data, resultsAt(entries, i), path);
        }
      }
      i = (i + 1) & mask;
    }
    return null;
  }

  /** {@link #resolve} of a name longer than {@value Hashing#HASHED} characters. */
  private @Nullable Resolution resolveLong(CharSequence s, int from, int to, CharSequence path) {
    int hash = Hashing.hostHash(s, from, to);
    int bucket = hash & (masks.length - 1);
    @Nullable Object[] entries = entries(top, bucket);
    int i = indexOf(masks[bucket], hashes(top, bucket), entries, s, from, to, hash);
    return i < 0 ? null : HostEntry.match(dataAt(entries, i), resultsAt(entries, i), path);
  }

  /** The entry whose key equals {@code s[from, to)} ignoring ASCII case; {@code hash} is its hash. */
  @Nullable HostEntry get(CharSequence s, int from, int to, int hash) {
    // through the masks, as resolve does, so that tests of get hold them to the buckets
    int bucket = hash & (masks.length - 1);
    @Nullable Object[] entries = entries(top, bucket);
    int i = indexOf(masks[bucket], hashes(top, bucket), entries, s, from, to, hash);
    return i < 0 ? null : entryAt(entries, i);
  }

  /** The entry of a lower-case key (see {@link Hashing#hostHash}). */
  @Nullable HostEntry get(String key) {
    return get(key, 0, key.length(), Hashing.hostHash(key));
  }

  /**
   * The entry whose key is exactly {@code key} (a lower-case key, as {@link HostName} keeps it),
   * whose hash is {@code hash}: for writes and queries, which have the key as a {@code String}. It
   * compares with {@link String#equals}, which a running JVM has compiled long before, rather than
   * character by character: a write is rare, so its own code runs cold.
   */
  @Nullable HostEntry getKey(String key, int hash) {
    int bucket = hash & (masks.length - 1);
    @Nullable Object[] entries = entries(top, bucket);
    int i = slotOfKey(masks[bucket], hashes(top, bucket), entries, key, hash);
    return i < 0 ? null : entryAt(entries, i);
  }

  /** The slot holding exactly {@code key}, or -1; see {@link #getKey}. */
  private static int slotOfKey(int mask, int[] hashes, @Nullable Object[] entries, String key, int hash) {
    int want = stored(hash);
    int i = (hash >>> TOP_BITS) & mask;
    int h;
    while ((h = hashes[i]) != 0) {
      if (h == want && entryAt(entries, i).key.equals(key)) {
        return i;
      }
      i = (i + 1) & mask;
    }
    return -1;
  }

  private static int indexOf(
      int mask, int[] hashes, @Nullable Object[] entries, CharSequence s, int from, int to, int hash) {
    int want = stored(hash);
    int i = (hash >>> TOP_BITS) & mask;
    int h;
    while ((h = hashes[i]) != 0) {
      if (h == want && HostEntry.keyMatches(dataAt(entries, i), s, from, to)) {
        return i;
      }
      i = (i + 1) & mask;
    }
    return -1;
  }

  private static int[] hashes(Object[] top, int bucket) {
    return (int[]) top[2 * bucket + HASHES];
  }

  private static @Nullable Object[] entries(Object[] top, int bucket) {
    return (@Nullable Object[]) top[2 * bucket + ENTRIES];
  }

  private static void setBucket(Object[] top, int bucket, int[] hashes, @Nullable Object[] entries) {
    top[2 * bucket + HASHES] = hashes;
    top[2 * bucket + ENTRIES] = entries;
  }

  private static HostEntry entryAt(@Nullable Object[] entries, int i) {
    return HostEntry.from(resultsAt(entries, i));
  }

  // A slot whose hash is not 0 holds its entry's data and results: these two read them as such.

  @SuppressWarnings("NullAway") // occupied slot, see above
  private static byte[] dataAt(@Nullable Object[] entries, int i) {
    return (byte[]) entries[2 * i + DATA];
  }

  @SuppressWarnings("NullAway") // occupied slot, see above
  private static @Nullable Object[] resultsAt(@Nullable Object[] entries, int i) {
    return (@Nullable Object[]) entries[2 * i + RESULTS];
  }

  HostTable put(HostEntry entry) {
    Editor editor = new Editor(this);
    editor.put(entry);
    return editor.build();
  }

  /** Removes a lower-case key (see {@link Hashing#hostHash}); the same table if it is absent. */
  HostTable remove(String key) {
    return remove(key, Hashing.hostHash(key));
  }

  /** Removes the key, whose hash is given (tests force collisions through this). */
  HostTable remove(String key, int hash) {
    Editor editor = new Editor(this);
    editor.remove(key, hash);
    return editor.build();
  }

  void forEach(Consumer<HostEntry> action) {
    forEach(top, action);
  }

  private static void forEach(Object[] top, Consumer<HostEntry> action) {
    for (int b = 0; b < top.length / 2; b++) {
      @Nullable Object[] entries = entries(top, b);
      for (int i = 0; i < entries.length / 2; i++) {
        @Nullable Object[] results = (@Nullable Object[]) entries[2 * i + RESULTS];
        if (results != null) {
          action.accept(HostEntry.from(results));
        }
      }
    }
  }

  /**
   * Makes the next table from this one through any number of puts and removes. Copies the top
   * once and each bucket the first time it changes; the table it started from is never changed.
   * Single use: {@link #build()} ends it.
   */
  static final class Editor {
    private Object[] top;
    private int[] masks;
    private boolean masksOwned;
    /** Whether bucket {@code b}'s arrays are this editor's own copies, free to change in place. */
    private boolean[] owned;

    private int size;
    private boolean built;

    Editor(HostTable base) {
      this.top = base.top.clone();
      this.masks = base.masks;
      this.owned = new boolean[buckets()];
      this.size = base.size;
    }

    /** Adds the entry, or replaces the one with its key. */
    void put(HostEntry entry) {
      checkOpen();
      int b = bucketOf(entry.hash);
      int[] hashes = hashes(top, b);
      int i = slotOfKey(hashes.length - 1, hashes, entries(top, b), entry.key, entry.hash);
      if (i >= 0) {
        own(b);
        setSlot(entries(top, b), i, entry);
        return;
      }
      size++;
      if (size > buckets() * HOSTS_PER_BUCKET && buckets() < MAX_BUCKETS) {
        regrow(2 * buckets());
        b = bucketOf(entry.hash);
      }
      int capacity = hashes(top, b).length;
      if ((count(hashes(top, b)) + 1) * 2 > capacity) {
        rehashBucket(b, capacity * 2);
      } else {
        own(b);
      }
      insert(hashes(top, b), entries(top, b), entry);
    }

    /** Removes the key, whose hash is given; nothing if it is absent. */
    void remove(String key, int hash) {
      checkOpen();
      int b = bucketOf(hash);
      int[] hashes = hashes(top, b);
      @Nullable Object[] entries = entries(top, b);
      int i = slotOfKey(hashes.length - 1, hashes, entries, key, hash);
      if (i < 0) {
        return;
      }
      size--;
      // Linear probing cannot just empty a slot (later probes would stop there): the bucket is
      // made again without the entry, at the capacity its remaining entries need.
      int[] newHashes = new int[capacityFor(count(hashes) - 1)];
      @Nullable Object[] newEntries = new Object[newHashes.length * 2];
      for (int k = 0; k < hashes.length; k++) {
        if (hashes[k] != 0 && k != i) {
          insert(newHashes, newEntries, entryAt(entries, k));
        }
      }
      setBucket(top, b, newHashes, newEntries);
      owned[b] = true;
      setMask(b, newHashes.length - 1);
    }

    HostTable build() {
      checkOpen();
      built = true;
      return new HostTable(top, masks, size);
    }

    private void checkOpen() {
      if (built) {
        throw new IllegalStateException("editor already built");
      }
    }

    private int buckets() {
      return top.length / 2;
    }

    private int bucketOf(int hash) {
      return hash & (buckets() - 1);
    }

    private void own(int b) {
      if (!owned[b]) {
        setBucket(top, b, hashes(top, b).clone(), entries(top, b).clone());
        owned[b] = true;
      }
    }

    private void rehashBucket(int b, int capacity) {
      int[] newHashes = new int[capacity];
      @Nullable Object[] newEntries = new Object[capacity * 2];
      @Nullable Object[] entries = entries(top, b);
      int[] hashes = hashes(top, b);
      for (int i = 0; i < hashes.length; i++) {
        if (hashes[i] != 0) {
          insert(newHashes, newEntries, entryAt(entries, i));
        }
      }
      setBucket(top, b, newHashes, newEntries);
      owned[b] = true;
      setMask(b, capacity - 1);
    }

    private void setMask(int b, int mask) {
      if (masks[b] != mask) {
        if (!masksOwned) {
          masks = masks.clone();
          masksOwned = true;
        }
        masks[b] = mask;
      }
    }

    /** Spreads every entry over {@code buckets} buckets, each sized for what it receives. */
    private void regrow(int buckets) {
      HostEntry[] all = new HostEntry[size];
      int[] n = {0};
      forEach(top, e -> all[n[0]++] = e);
      int[] counts = new int[buckets];
      for (int k = 0; k < n[0]; k++) {
        counts[all[k].hash & (buckets - 1)]++;
      }
      Object[] newTop = new Object[buckets * 2];
      int[] newMasks = new int[buckets];
      for (int b = 0; b < buckets; b++) {
        // room for one more: the entry whose put caused this regrowth is inserted next
        int capacity = capacityFor(counts[b] + 1);
        setBucket(newTop, b, new int[capacity], new Object[capacity * 2]);
        newMasks[b] = capacity - 1;
      }
      for (int k = 0; k < n[0]; k++) {
        int b = all[k].hash & (buckets - 1);
        insert(hashes(newTop, b), entries(newTop, b), all[k]);
      }
      top = newTop;
      masks = newMasks;
      masksOwned = true;
      owned = new boolean[buckets];
      Arrays.fill(owned, true);
    }

    private static int capacityFor(int entries) {
      // the smallest power of two at least twice the entries: probes seldom pass two slots
      return Math.max(1, Integer.highestOneBit(Math.max(1, entries * 2 - 1)) << 1);
    }

    private static int count(int[] hashes) {
      int n = 0;
      for (int h : hashes) {
        if (h != 0) {
          n++;
        }
      }
      return n;
    }

    private static void insert(int[] hashes, @Nullable Object[] entries, HostEntry entry) {
      int mask = hashes.length - 1;
      int i = (entry.hash >>> TOP_BITS) & mask;
      while (hashes[i] != 0) {
        i = (i + 1) & mask;
      }
      hashes[i] = stored(entry.hash);
      setSlot(entries, i, entry);
    }

    private static void setSlot(@Nullable Object[] entries, int i, HostEntry entry) {
      entries[2 * i + DATA] = entry.data;
      entries[2 * i + RESULTS] = entry.results;
    }
  }
}
