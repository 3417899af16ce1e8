package dev.switchover;

import java.security.SecureRandom;
import java.util.SplittableRandom;

/** The hash functions of host keys and path keys, computable on raw text without copying it. */
final class Hashing {
  /**
   * The path hash's multiplier, odd and chosen afresh in each JVM, so that the easy collisions of a
   * fixed one are gone (with 31, "an" and "c0" collide, and so does every name built of those two
   * blocks, so that one could send any number of colliding names). It does not make collisions
   * impossible to prepare: some pairs of names (built on the Thue-Morse sequence) collide under
   * every odd multiplier modulo 2^32; within 253 characters only pairs, not floods, so a collision
   * costs a table one more key comparison.
   */
  private static final int MULTIPLIER = new SplittableRandom(new SecureRandom().nextLong()).nextInt() | 1;

  private Hashing() {}

  /** Step of the polynomial path hash over characters. */
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
   * The multiplier of host hashes, which go eight characters a step, chosen afresh in each JVM.
   * Each step folds the high half of the 128-bit product into the low one: a plain product modulo
   * 2^64 never carries a difference in high bits down, so families of names that differ by 0x40
   * in the right bytes (such as '0' and 'p') would collide under every multiplier.
   */
  private static final long WORD_MULTIPLIER = new SplittableRandom(new SecureRandom().nextLong()).nextLong() | 1;

  /** The fewest characters a host hash covers, zeros past the name: four words, hashed alike. */
  static final int HASHED = 32;

  /**
   * The word of characters one of which is beyond ASCII: all its bytes are 0xff, which no key
   * holds, and which no eight ASCII characters make.
   */
  static final long NOT_ASCII = -1L;

  private static final long LOW_SEVEN = 0x7f7f7f7f7f7f7f7fL;
  private static final long HIGH_BITS = 0x8080808080808080L;

  /**
   * The hash of a host key, which is in lower case (as {@link HostName} keeps it): what {@link
   * #hostHash(CharSequence, int, int)} makes of any spelling of it.
   */
  static int hostHash(String lowerCaseKey) {
    assert lowerCaseKey.equals(lowerCaseKey.toLowerCase(java.util.Locale.ROOT)) : lowerCaseKey;
    return hostHash(lowerCaseKey, 0, lowerCaseKey.length());
  }

  /**
   * The hash of the request text {@code s[from, to)} as a host name: a polynomial over its {@link
   * #word words} (at least {@value #HASHED} characters' worth, zeros past the name), so any case
   * of a name hashes alike, one multiplication per eight characters.
   */
  static int hostHash(CharSequence s, int from, int to) {
    long h = (long) to - from;
    int stop = from + Math.max(to - from, HASHED);
    for (int at = from; at < stop; at += 8) {
      h = mix(h, word(s, at, to));
    }
    return finish(h);
  }

  /**
   * The host hash of a name of {@code length} characters, at most {@value #HASHED}, from its four
   * words: {@link #hostHash(CharSequence, int, int)} of it, for a caller that has the words already.
   */
  static int hostHash(int length, long w0, long w1, long w2, long w3) {
    return finish(mix(mix(mix(mix(length, w0), w1), w2), w3));
  }

  /** One step of the host hash: the word in, then the 128-bit product's halves folded together. */
  static long mix(long h, long word) {
    long x = h ^ word;
    return x * WORD_MULTIPLIER ^ Math.multiplyHigh(x, WORD_MULTIPLIER);
  }

  /** The spread 32 bits of a host hash's state. */
  static int finish(long h) {
    return spread((int) (h ^ (h >>> 32)));
  }

  /**
   * Eight characters of {@code s} from {@code at}, one byte each, little-endian, ASCII letters
   * lowered; zeros past {@code to}. A character beyond ASCII makes a byte 0xff (a whole word of them
   * when the eight are read at once), which no key holds: keys are ASCII, so comparing words is
   * comparing the characters exactly.
   */
  static long word(CharSequence s, int at, int to) {
    int n = to - at;
    if (n >= 8) {
      return full(s, at);
    }
    return n <= 0 ? 0 : tail(s, at, to);
  }

  /**
   * The last word of a name, of fewer than eight characters: the last eight characters shifted so
   * that the ones before {@code at} drop out, or for a shorter text, character by character. The
   * characters before {@code at} that it reads must be ASCII (a wildcard lookup checks its first
   * label before it looks up the rest): one beyond would spoil the whole eight.
   */
  static long tail(CharSequence s, int at, int to) {
    int n = to - at;
    if (to >= 8) {
      return full(s, to - 8) >>> (8 * (8 - n));
    }
    long w = 0;
    for (int k = 0; k < n; k++) {
      w |= byteOf(s.charAt(at + k)) << (8 * k);
    }
    return lower(w);
  }

  /** Eight characters from {@code at}, all within the name; see {@link #word}. */
  static long full(CharSequence s, int at) {
    return lower(ascii(s, at)); // lowering leaves NOT_ASCII as it is
  }

  /**
   * Eight characters of {@code s} from {@code at}, one byte each, little-endian, as they are; or
   * {@link #NOT_ASCII} if one of them is beyond ASCII.
   */
  static long ascii(CharSequence s, int at) {
    char c0 = s.charAt(at);
    char c1 = s.charAt(at + 1);
    char c2 = s.charAt(at + 2);
    char c3 = s.charAt(at + 3);
    char c4 = s.charAt(at + 4);
    char c5 = s.charAt(at + 5);
    char c6 = s.charAt(at + 6);
    char c7 = s.charAt(at + 7);
    if ((c0 | c1 | c2 | c3 | c4 | c5 | c6 | c7) >= 0x80) {
      return NOT_ASCII;
    }
    return c0
        | (long) c1 << 8
        | (long) c2 << 16
        | (long) c3 << 24
        | (long) c4 << 32
        | (long) c5 << 40
        | (long) c6 << 48
        | (long) c7 << 56;
  }

  /** The character, or 0xff for one beyond ASCII; branch-free. */
  static long byteOf(char c) {
    return (c | ((0x7f - c) >> 31)) & 0xff;
  }

  /** Lowers the ASCII capital letters among eight bytes at once; other bytes are kept. */
  static long lower(long w) {
    long low = w & LOW_SEVEN; // no byte can carry into the next below
    long capital = (low + 0x3f3f3f3f3f3f3f3fL) & ~(low + 0x2525252525252525L) & ~w & HIGH_BITS;
    return w | (capital >>> 2);
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
