package dev.switchover;

import java.security.SecureRandom;
import java.util.SplittableRandom;

/** The one hash function of host keys and path keys, computable on raw text without copying it. */
final class Hashing {
  /**
   * The polynomial's multiplier, odd and chosen afresh in each JVM, so that no one can prepare host
   * names that collide in every router (with a fixed 31, "an" and "c0" collide, and so does every
   * name built of those two blocks).
   */
  private static final int MULTIPLIER = new SplittableRandom(new SecureRandom().nextLong()).nextInt() | 1;

  // Its powers: four characters a step give the same hash with a quarter of the chain.
  private static final int MULTIPLIER_2 = MULTIPLIER * MULTIPLIER;
  private static final int MULTIPLIER_3 = MULTIPLIER_2 * MULTIPLIER;
  private static final int MULTIPLIER_4 = MULTIPLIER_2 * MULTIPLIER_2;

  private Hashing() {}

  /** Step of the polynomial hash over ASCII-lower-cased characters. */
  static int step(int h, char lowerCased) {
    return MULTIPLIER * h + lowerCased;
  }

  /** Spreads a polynomial hash over all bits (the murmur3 finalizer), for table slots. */
  static int spread(int h) {
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    h ^= h >>> 16;
    return h;
  }

  /** The spread hash of a host key. */
  static int hostHash(String key) {
    return hostHash(key, 0, key.length());
  }

  /**
   * The spread hash of the host name {@code s[from, to)}, ignoring ASCII case: the polynomial of
   * {@link #step} over the lower-cased characters, taken four characters a step (multiplying by
   * the fourth power of the multiplier), so that the chain of dependent multiplications is a
   * quarter as long.
   */
  static int hostHash(CharSequence s, int from, int to) {
    int h = 0;
    int i = from;
    for (; i + 3 < to; i += 4) {
      int c0 = HostName.asciiLower(s.charAt(i));
      int c1 = HostName.asciiLower(s.charAt(i + 1));
      int c2 = HostName.asciiLower(s.charAt(i + 2));
      int c3 = HostName.asciiLower(s.charAt(i + 3));
      h = MULTIPLIER_4 * h + (MULTIPLIER_3 * c0 + MULTIPLIER_2 * c1 + MULTIPLIER * c2 + c3);
    }
    for (; i < to; i++) {
      h = step(h, HostName.asciiLower(s.charAt(i)));
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
