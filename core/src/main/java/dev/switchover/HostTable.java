package dev.switchover;

import java.util.Arrays;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A persistent hash map of {@link HostEntry} by key, laid out so that a lookup reads as few cache
 * lines, one after the other, as it can: it is the first thing every request touches, and at
 * 100,000 hosts almost nothing it reads is in cache already.
 *
 * <p>Two levels. The top is one array of up to {@value #MAX_BUCKETS} buckets, picked by the low
 * bits of the host's hash; it is small enough to stay in cache. A bucket is an open-addressing
 * table (linear probing, at most half full) held in two arrays whose references sit side by side
 * in the top, so both are fetched at once: the slots' hashes, compared first so that a probe that
 * is not the host's costs no further read, and the slots' entries, each as its {@link
 * HostEntry#data} (key and path index in one byte array) and {@link HostEntry#results} (the
 * ready-made resolutions). A lookup thus waits for the bucket, then for the host's data and
 * results (fetched together), then for the resolution it returns.
 *
 * <p>A change copies the top and the buckets it touches, never the entries of other hosts: a
 * promote among 100,000 hosts copies two references for each of the {@value #MAX_BUCKETS} buckets
 * (32 KB with compressed references) and one bucket of a few dozen slots; the masks (16 KB) are
 * copied only when a bucket's capacity changes, which a put or a remove near a power of two can do. The top doubles (rehashing every entry once) while the table grows past
 * {@value #HOSTS_PER_BUCKET} hosts a bucket, up to its maximum; it never shrinks. A batch of
 * changes goes through one {@link Editor}, which copies the top and each touched bucket once.
 */
final class HostTable {
  /** Hosts a bucket holds on average before the top doubles. */
  static final int HOSTS_PER_BUCKET = 16;

  /** The most buckets the top has; past this, buckets grow instead. */
  static final int MAX_BUCKETS = 1 << 12;

  /** The hash bits the top may use; a bucket's slot is picked by the bits above them. */
  private static final int TOP_BITS = 12;

  private static final int[] EMPTY_HASHES = new int[1];
  private static final @Nullable Object[] EMPTY_SLOTS = new Object[2];

  static final HostTable EMPTY = new HostTable(new Object[] {EMPTY_HASHES, EMPTY_SLOTS}, new int[1], 0);

  /** For bucket {@code b}: {@code top[2b]} its {@code int[]} hashes, {@code top[2b+1]} its slots. */
  private final Object[] top;

  /**
   * For bucket {@code b}: its slot mask, its hashes' length less one. Kept here, next to the top,
   * so that a lookup can read its slot without first waiting for the hashes' array header.
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
   * Resolves a request's path at the host whose key is {@code s[from, to)} ignoring ASCII case,
   * whose {@link Hashing#hostHash hash} is {@code hash}. Null if there is no such host, or it has
   * no routes. Allocates nothing.
   */
  @Nullable Resolution resolve(CharSequence s, int from, int to, int hash, CharSequence path) {
    Object[] t = top;
    int[] m = masks;
    int bucket = hash & (m.length - 1);
    int mask = m[bucket];
    int[] hashes = (int[]) t[bucket << 1];
    @Nullable Object[] slots = (@Nullable Object[]) t[(bucket << 1) + 1];
    int want = stored(hash);
    int i = (hash >>> TOP_BITS) & mask;
    int h;
    while ((h = hashes[i]) != 0) {
      if (h == want) {
        byte[] data = dataAt(slots, i);
        @Nullable Object[] results = resultsAt(slots, i);
        // The results' length is read before the key is compared (it is never 0), so that the
        // processor can fetch the results while the data arrives. Meant to overlap the two cache
        // misses; the benchmarks on this project's machine could not tell its effect from noise.
        if (results.length != 0 && HostEntry.keyMatches(data, s, from, to)) {
          return HostEntry.match(data, results, path);
        }
      }
      i = (i + 1) & mask;
    }
    return null;
  }

  /** The entry whose key equals {@code s[from, to)} ignoring ASCII case; {@code hash} is its hash. */
  @Nullable HostEntry get(CharSequence s, int from, int to, int hash) {
    // through the masks, as resolve does, so that tests of get hold them to the buckets
    int bucket = hash & (masks.length - 1);
    @Nullable Object[] slots = (@Nullable Object[]) top[(bucket << 1) + 1];
    int i = indexOf(masks[bucket], (int[]) top[bucket << 1], slots, s, from, to, hash);
    return i < 0 ? null : entryAt(slots, i);
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
    @Nullable Object[] slots = (@Nullable Object[]) top[(bucket << 1) + 1];
    int i = slotOfKey(masks[bucket], (int[]) top[bucket << 1], slots, key, hash);
    return i < 0 ? null : entryAt(slots, i);
  }

  /** The slot holding exactly {@code key}, or -1; see {@link #getKey}. */
  private static int slotOfKey(int mask, int[] hashes, @Nullable Object[] slots, String key, int hash) {
    int want = stored(hash);
    int i = (hash >>> TOP_BITS) & mask;
    int h;
    while ((h = hashes[i]) != 0) {
      if (h == want && entryAt(slots, i).key.equals(key)) {
        return i;
      }
      i = (i + 1) & mask;
    }
    return -1;
  }

  private static int indexOf(
      int mask, int[] hashes, @Nullable Object[] slots, CharSequence s, int from, int to, int hash) {
    int want = stored(hash);
    int i = (hash >>> TOP_BITS) & mask;
    int h;
    while ((h = hashes[i]) != 0) {
      if (h == want && HostEntry.keyMatches(dataAt(slots, i), s, from, to)) {
        return i;
      }
      i = (i + 1) & mask;
    }
    return -1;
  }

  private static HostEntry entryAt(@Nullable Object[] slots, int i) {
    return HostEntry.from(resultsAt(slots, i));
  }

  // A slot whose hash is not 0 holds its entry's data and results: these two read them as such.

  @SuppressWarnings("NullAway") // occupied slot, see above
  private static byte[] dataAt(@Nullable Object[] slots, int i) {
    return (byte[]) slots[i << 1];
  }

  @SuppressWarnings("NullAway") // occupied slot, see above
  private static @Nullable Object[] resultsAt(@Nullable Object[] slots, int i) {
    return (@Nullable Object[]) slots[(i << 1) + 1];
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
    for (int b = 1; b < top.length; b += 2) {
      @Nullable Object[] slots = (@Nullable Object[]) top[b];
      for (int i = 1; i < slots.length; i += 2) {
        if (slots[i] != null) {
          action.accept(HostEntry.from((@Nullable Object[]) slots[i]));
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
      this.owned = new boolean[top.length >> 1];
      this.size = base.size;
    }

    /** Adds the entry, or replaces the one with its key. */
    void put(HostEntry entry) {
      checkOpen();
      int b = bucketOf(entry.hash);
      int[] hashes = (int[]) top[b << 1];
      @Nullable Object[] slots = (@Nullable Object[]) top[(b << 1) + 1];
      int i = slotOfKey(hashes.length - 1, hashes, slots, entry.key, entry.hash);
      if (i >= 0) {
        own(b);
        setSlot((@Nullable Object[]) top[(b << 1) + 1], i, entry);
        return;
      }
      size++;
      if (size > (top.length >> 1) * HOSTS_PER_BUCKET && (top.length >> 1) < MAX_BUCKETS) {
        regrow(top.length); // twice the buckets
        b = bucketOf(entry.hash);
      }
      int count = count((int[]) top[b << 1]) + 1;
      int capacity = ((int[]) top[b << 1]).length;
      if (count * 2 > capacity) {
        rehashBucket(b, capacity * 2);
      } else {
        own(b);
      }
      insert((int[]) top[b << 1], (@Nullable Object[]) top[(b << 1) + 1], entry);
    }

    /** Removes the key, whose hash is given; nothing if it is absent. */
    void remove(String key, int hash) {
      checkOpen();
      int b = bucketOf(hash);
      int[] hashes = (int[]) top[b << 1];
      @Nullable Object[] slots = (@Nullable Object[]) top[(b << 1) + 1];
      int i = slotOfKey(hashes.length - 1, hashes, slots, key, hash);
      if (i < 0) {
        return;
      }
      size--;
      // Linear probing cannot just empty a slot (later probes would stop there): the bucket is
      // made again without the entry, at the capacity its remaining entries need.
      int remaining = count(hashes) - 1;
      int[] newHashes = new int[capacityFor(remaining)];
      @Nullable Object[] newSlots = new Object[newHashes.length * 2];
      for (int k = 0; k < hashes.length; k++) {
        if (hashes[k] != 0 && k != i) {
          insert(newHashes, newSlots, entryAt(slots, k));
        }
      }
      top[b << 1] = newHashes;
      top[(b << 1) + 1] = newSlots;
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

    private int bucketOf(int hash) {
      return hash & ((top.length >> 1) - 1);
    }

    private void own(int b) {
      if (!owned[b]) {
        top[b << 1] = ((int[]) top[b << 1]).clone();
        top[(b << 1) + 1] = ((@Nullable Object[]) top[(b << 1) + 1]).clone();
        owned[b] = true;
      }
    }

    private void rehashBucket(int b, int capacity) {
      @Nullable Object[] slots = (@Nullable Object[]) top[(b << 1) + 1];
      int[] newHashes = new int[capacity];
      @Nullable Object[] newSlots = new Object[capacity * 2];
      for (int i = 1; i < slots.length; i += 2) {
        if (slots[i] != null) {
          insert(newHashes, newSlots, HostEntry.from((@Nullable Object[]) slots[i]));
        }
      }
      top[b << 1] = newHashes;
      top[(b << 1) + 1] = newSlots;
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
      int n = 0;
      for (int b = 1; b < top.length; b += 2) {
        @Nullable Object[] slots = (@Nullable Object[]) top[b];
        for (int i = 1; i < slots.length; i += 2) {
          if (slots[i] != null) {
            all[n++] = HostEntry.from((@Nullable Object[]) slots[i]);
          }
        }
      }
      int[] counts = new int[buckets];
      for (int k = 0; k < n; k++) {
        counts[all[k].hash & (buckets - 1)]++;
      }
      Object[] newTop = new Object[buckets * 2];
      int[] newMasks = new int[buckets];
      for (int b = 0; b < buckets; b++) {
        // room for one more: the entry whose put caused this regrowth is inserted next
        int capacity = capacityFor(counts[b] + 1);
        newTop[b << 1] = new int[capacity];
        newTop[(b << 1) + 1] = new Object[capacity * 2];
        newMasks[b] = capacity - 1;
      }
      for (int k = 0; k < n; k++) {
        int b = all[k].hash & (buckets - 1);
        insert((int[]) newTop[b << 1], (@Nullable Object[]) newTop[(b << 1) + 1], all[k]);
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

    private static void insert(int[] hashes, @Nullable Object[] slots, HostEntry entry) {
      int mask = hashes.length - 1;
      int i = (entry.hash >>> TOP_BITS) & mask;
      while (hashes[i] != 0) {
        i = (i + 1) & mask;
      }
      hashes[i] = stored(entry.hash);
      setSlot(slots, i, entry);
    }

    private static void setSlot(@Nullable Object[] slots, int i, HostEntry entry) {
      slots[i << 1] = entry.data;
      slots[(i << 1) + 1] = entry.results;
    }
  }
}
