package dev.switchover;

/** The one hash function of host keys and path keys, computable on raw text without copying it. */
final class Hashing {
  private Hashing() {}

  /** Step of the polynomial hash over ASCII-lower-cased characters. */
  static int step(int h, char lowerCased) {
    return 31 * h + lowerCased;
  }

  /** Spreads a polynomial hash over all bits (the murmur3 finalizer), for trie and table slots. */
  static int spread(int h) {
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    h ^= h >>> 16;
    return h;
  }

  /** The spread hash of a host key, as the hot path computes it from request text. */
  static int hostHash(String key) {
    int h = 0;
    for (int i = 0; i < key.length(); i++) {
      h = step(h, HostName.asciiLower(key.charAt(i)));
    }
    return spread(h);
  }

  /** The polynomial (unspread) hash of a path key, exact characters. */
  static int pathHash(String key) {
    int h = 0;
    for (int i = 0; i < key.length(); i++) {
      h = step(h, key.charAt(i));
    }
    return h;
  }
}
