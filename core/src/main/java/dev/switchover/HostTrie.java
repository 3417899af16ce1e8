package dev.switchover;

import java.util.Arrays;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A persistent hash array mapped trie of {@link HostEntry} by key. A put or remove copies only
 * the path to the changed entry (a handful of small arrays), so a new table revision shares
 * almost everything with the previous one; a lookup takes the hash of raw request text and
 * compares keys ignoring ASCII case, allocating nothing.
 *
 * <p>Nodes branch 64 ways (6 bits of the hash per level, a {@code long} bitmap): a lookup among
 * 100,000 hosts reads three nodes, the first two of which stay in cache, where 32 ways would read
 * four. Keys whose whole hashes are equal share a collision node.
 */
final class HostTrie {
  static final HostTrie EMPTY = new HostTrie(new Bitmap(0L, new Object[0]), 0);

  private static final int BITS = 6;
  private static final int MASK = (1 << BITS) - 1;

  private final Bitmap root;
  private final int size;

  private HostTrie(Bitmap root, int size) {
    this.root = root;
    this.size = size;
  }

  int size() {
    return size;
  }

  /** The entry whose key equals {@code s[from, to)} ignoring ASCII case; {@code hash} is its hash. */
  @Nullable HostEntry get(CharSequence s, int from, int to, int hash) {
    Object node = root;
    int shift = 0;
    while (true) {
      if (node instanceof Bitmap b) {
        long bit = 1L << ((hash >>> shift) & MASK);
        if ((b.bitmap & bit) == 0) {
          return null;
        }
        Object slot = b.slots[Long.bitCount(b.bitmap & (bit - 1))];
        if (slot instanceof HostEntry e) {
          return e.hash == hash && e.keyMatches(s, from, to) ? e : null;
        }
        node = slot;
        shift += BITS;
      } else {
        Collision c = (Collision) node;
        if (c.hash != hash) {
          return null;
        }
        for (HostEntry e : c.entries) {
          if (e.keyMatches(s, from, to)) {
            return e;
          }
        }
        return null;
      }
    }
  }

  @Nullable HostEntry get(String key) {
    return get(key, 0, key.length(), Hashing.hostHash(key));
  }

  HostTrie put(HostEntry entry) {
    boolean added = get(entry.key, 0, entry.key.length(), entry.hash) == null;
    return new HostTrie((Bitmap) put(root, 0, entry), added ? size + 1 : size);
  }

  HostTrie remove(String key) {
    return remove(key, Hashing.hostHash(key));
  }

  /** Removes the key, whose hash is given (tests force collisions through this). */
  HostTrie remove(String key, int hash) {
    if (get(key, 0, key.length(), hash) == null) {
      return this;
    }
    Object newRoot = remove(root, 0, key, hash);
    return new HostTrie(newRoot instanceof Bitmap b ? b : EMPTY.root, size - 1);
  }

  void forEach(Consumer<HostEntry> action) {
    forEach(root, action);
  }

  private static void forEach(Object node, Consumer<HostEntry> action) {
    if (node instanceof HostEntry e) {
      action.accept(e);
    } else if (node instanceof Bitmap b) {
      for (Object slot : b.slots) {
        forEach(slot, action);
      }
    } else {
      for (HostEntry e : ((Collision) node).entries) {
        action.accept(e);
      }
    }
  }

  private static Object put(Object node, int shift, HostEntry entry) {
    if (node instanceof Collision c) {
      if (c.hash != entry.hash) {
        // another hash that shares this node's path so far: branch where the two part
        return merge(c, c.hash, entry, entry.hash, shift);
      }
      HostEntry[] entries = c.entries;
      for (int i = 0; i < entries.length; i++) {
        if (entries[i].key.equals(entry.key)) {
          HostEntry[] copy = entries.clone();
          copy[i] = entry;
          return new Collision(c.hash, copy);
        }
      }
      HostEntry[] copy = Arrays.copyOf(entries, entries.length + 1);
      copy[entries.length] = entry;
      return new Collision(c.hash, copy);
    }
    Bitmap b = (Bitmap) node;
    long bit = 1L << ((entry.hash >>> shift) & MASK);
    int index = Long.bitCount(b.bitmap & (bit - 1));
    if ((b.bitmap & bit) == 0) {
      Object[] slots = new Object[b.slots.length + 1];
      System.arraycopy(b.slots, 0, slots, 0, index);
      slots[index] = entry;
      System.arraycopy(b.slots, index, slots, index + 1, b.slots.length - index);
      return new Bitmap(b.bitmap | bit, slots);
    }
    Object slot = b.slots[index];
    Object replacement;
    if (slot instanceof HostEntry existing) {
      replacement =
          existing.key.equals(entry.key)
              ? entry
              : merge(existing, existing.hash, entry, entry.hash, shift + BITS);
    } else {
      replacement = put(slot, shift + BITS, entry);
    }
    Object[] slots = b.slots.clone();
    slots[index] = replacement;
    return new Bitmap(b.bitmap, slots);
  }

  /**
   * A node at {@code shift} holding {@code a} (an entry or a collision node, of hash {@code ha})
   * and the entry {@code b}. Equal hashes make a collision node; different ones part by the latest
   * at the sixth level (shift 30), since six levels of six bits cover all 32 bits of a hash.
   */
  private static Object merge(Object a, int ha, HostEntry b, int hb, int shift) {
    if (ha == hb) {
      HostEntry ea = (HostEntry) a; // a collision node only meets a different hash
      return new Collision(ha, new HostEntry[] {ea, b});
    }
    int ia = (ha >>> shift) & MASK;
    int ib = (hb >>> shift) & MASK;
    if (ia == ib) {
      return new Bitmap(1L << ia, new Object[] {merge(a, ha, b, hb, shift + BITS)});
    }
    return new Bitmap((1L << ia) | (1L << ib), ia < ib ? new Object[] {a, b} : new Object[] {b, a});
  }

  /** Returns the node without the key: the same node if absent, null if it becomes empty. */
  private static @Nullable Object remove(Object node, int shift, String key, int hash) {
    if (node instanceof Collision c) {
      if (c.hash != hash) {
        return node;
      }
      HostEntry[] rest =
          Arrays.stream(c.entries).filter(e -> !e.key.equals(key)).toArray(HostEntry[]::new);
      return rest.length == 1 ? rest[0] : new Collision(c.hash, rest);
    }
    Bitmap b = (Bitmap) node;
    long bit = 1L << ((hash >>> shift) & MASK);
    if ((b.bitmap & bit) == 0) {
      return node;
    }
    int index = Long.bitCount(b.bitmap & (bit - 1));
    Object slot = b.slots[index];
    Object replacement;
    if (slot instanceof HostEntry e) {
      if (!e.key.equals(key)) {
        return node;
      }
      replacement = null;
    } else {
      replacement = remove(slot, shift + BITS, key, hash);
      if (replacement == slot) {
        return node;
      }
    }
    if (replacement != null) {
      Object[] slots = b.slots.clone();
      slots[index] = replacement;
      if (shift > 0 && slots.length == 1 && replacement instanceof HostEntry) {
        return replacement;
      }
      return new Bitmap(b.bitmap, slots);
    }
    if (b.slots.length == 1) {
      return shift > 0 ? null : new Bitmap(0L, new Object[0]);
    }
    Object[] slots = new Object[b.slots.length - 1];
    System.arraycopy(b.slots, 0, slots, 0, index);
    System.arraycopy(b.slots, index + 1, slots, index, slots.length - index);
    if (shift > 0 && slots.length == 1 && slots[0] instanceof HostEntry) {
      return slots[0];
    }
    return new Bitmap(b.bitmap & ~bit, slots);
  }

  private static final class Bitmap {
    final long bitmap;
    final Object[] slots;

    Bitmap(long bitmap, Object[] slots) {
      this.bitmap = bitmap;
      this.slots = slots;
    }
  }

  private static final class Collision {
    final int hash;
    final HostEntry[] entries;

    Collision(int hash, HostEntry[] entries) {
      this.hash = hash;
      this.entries = entries;
    }
  }
}
