package dev.switchover;

import java.security.SecureRandom;
import java.util.SplittableRandom;

/** The one hash function of host keys and path keys, computable on raw text without copying it. */
final class Hashing {
  /**
   * The polynomial's multiplier, odd and chosen afresh in each JVM, so that the easy collisions of a
   * fixed one are gone (with 31, "an" and "c0" collide, and so does every name built of those two
   * blocks, so that one could send any number of colliding names). It does not make collisions
   * impossible to prepare: some pairs of names (built on the Thue-Morse sequence) collide under
   * every odd multiplier modulo 2^32; within 253 characters only pairs, not floods, so a collision
   * costs a table one more key comparison.
   */
  private static final int MULTIPLIER = new SplittableRandom(new SecureRandom().nextLong()).nextInt() | 1;

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

  /**
   * The spread hash of a host key, which is in lower case (as {@link HostName} keeps it): what the
   * hot path computes from request text in any case, lowering each character.
   */
  static int hostHash(String lowerCaseKey) {
    assert lowerCaseKey.equals(lowerCaseKey.toLowerCase(java.util.Locale.ROOT)) : lowerCaseKey;
    int h = 0;
    for (int i = 0; i < lowerCaseKey.length(); i++) {
      // step(h, c), written out: writes run this as cold code, where each call costs
      h = MULTIPLIER * h + lowerCaseKey.charAt(i);
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
