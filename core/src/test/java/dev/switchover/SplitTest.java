package dev.switchover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.strings;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The weight and the sticky assignment of a {@link Split}. */
final class SplitTest {
  private static final WorkspaceId GREEN = RouterTest.GREEN;

  @Test
  void of_weightOutsideZeroToAll_isRefusedNamingIt() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Split.of(GREEN, 10_001));
    assertTrue(String.valueOf(e.getMessage()).contains("0 to 10000 basis points (0 to 100 percent), but was 10001"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Split.of(GREEN, -1));
    assertThrows(IllegalArgumentException.class, () -> Split.ofPercent(GREEN, 100.5));
    assertThrows(IllegalArgumentException.class, () -> Split.ofPercent(GREEN, Double.NaN));
    assertEquals(0, Split.of(GREEN, 0).basisPoints());
    assertEquals(Split.ALL, Split.of(GREEN, Split.ALL).basisPoints());
  }

  @Test
  void ofPercent_roundsToABasisPoint() {
    assertEquals(1000, Split.ofPercent(GREEN, 10).basisPoints());
    assertEquals(1, Split.ofPercent(GREEN, 0.014).basisPoints());
    assertEquals(10.0, Split.ofPercent(GREEN, 10).percent());
  }

  @Test
  void toString_saysTheShareAndTheCanary() {
    assertEquals("10% to green", Split.of(GREEN, 1000).toString());
    assertEquals("12.5% to green", Split.of(GREEN, 1250).toString());
    assertEquals("0.05% to green", Split.of(GREEN, 5).toString());
    assertEquals("0.1% to green", Split.of(GREEN, 10).toString());
    assertEquals("33.33% to green", Split.of(GREEN, 3333).toString());
    assertEquals("100% to green", Split.of(GREEN, Split.ALL).toString());
  }

  @Test
  void bucketOf_isFixedAcrossRunsAndJvms() {
    // Routers of a fleet must agree: these values (from an independent implementation of the same
    // FNV-1a and avalanche) are part of the contract, never to change.
    Split green = Split.of(GREEN, 0);
    assertEquals(green.bucketOf("client-1"), green.bucketOf(java.nio.CharBuffer.wrap("client-1")));
    assertEquals(
        List.of(2059, 9111, 5799, 8118),
        List.of(green.bucketOf(""), green.bucketOf("a"), green.bucketOf("client-1"), Split.of(WorkspaceId.of("purple"), 0).bucketOf("client-1")));
  }

  @Test
  void bucketOf_charactersBeyondLatin1_countWhole() {
    // 'ā' (U+0101) must not hash as 'a' or as U+0001.
    Split green = Split.of(GREEN, 0);
    assertNotEquals(green.bucketOf("a"), green.bucketOf("\u0101"));
    assertNotEquals(green.bucketOf("\u0001"), green.bucketOf("\u0101"));
  }

  /** Each canary draws its own clients: of the 10% of one, about 10% are in the 10% of another. */
  @Test
  void bucketOf_isSaltedByTheCanary_soReleasesDrawDifferentClients() {
    Split green = Split.ofPercent(GREEN, 10);
    Split purple = Split.ofPercent(WorkspaceId.of("purple"), 10);
    int inGreen = 0;
    int inBoth = 0;
    for (int i = 0; i < 100_000; i++) {
      String key = "client-" + i;
      if (green.choosesCanary(key)) {
        inGreen++;
        inBoth += purple.choosesCanary(key) ? 1 : 0;
      }
    }
    double sd = Math.sqrt(inGreen * 0.1 * 0.9);
    int both = inBoth;
    int of = inGreen;
    assertTrue(Math.abs(inBoth - inGreen * 0.1) < 6 * sd, () -> both + " of green's " + of + " are purple's too");
  }

  @Test
  void newStickyKey_is22UrlSafeCharactersAndFresh() {
    Set<String> keys = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      String key = Split.newStickyKey();
      assertTrue(key.matches("[A-Za-z0-9_-]{22}"), key);
      keys.add(key);
    }
    assertEquals(1000, keys.size());
  }

  /**
   * A 10% split over 100,000 random keys: the canary's count is binomial (n = 100,000, p = 0.1,
   * sd ~ 95); six standard deviations either side fails a correct hash about once in 500 million
   * runs.
   */
  @Test
  void choosesCanary_tenPercentOf100000Keys_landsWithinBinomialBounds() {
    Split split = Split.ofPercent(GREEN, 10);
    int n = 100_000;
    int canary = 0;
    for (int i = 0; i < n; i++) {
      if (split.choosesCanary(Split.newStickyKey())) {
        canary++;
      }
    }
    double sd = Math.sqrt(n * 0.1 * 0.9);
    assertTrue(Math.abs(canary - n * 0.1) < 6 * sd, "canary took " + canary + " of " + n);
  }

  /** The same for sequential keys, which a header or a client's address may well be. */
  @Test
  void choosesCanary_sequentialKeys_landWithinBinomialBoundsAtEveryWeight() {
    int n = 100_000;
    for (int percent : new int[] {1, 5, 10, 25, 50, 90}) {
      Split split = Split.ofPercent(GREEN, percent);
      int canary = 0;
      for (int i = 0; i < n; i++) {
        if (split.choosesCanary("10.0." + (i >> 8) + "." + (i & 0xff))) {
          canary++;
        }
      }
      double p = percent / 100.0;
      double sd = Math.sqrt(n * p * (1 - p));
      assertTrue(Math.abs(canary - n * p) < 6 * sd, percent + "%: canary took " + canary + " of " + n);
    }
  }

  @Test
  void choosesCanary_atZeroAndAll_isNeverAndAlways() {
    for (int i = 0; i < 10_000; i++) {
      String key = Integer.toString(i);
      assertFalse(Split.of(GREEN, 0).choosesCanary(key));
      assertTrue(Split.of(GREEN, Split.ALL).choosesCanary(key));
    }
  }

  /**
   * Over any sequence of weights, a client's side depends only on the weight now (sticky), and
   * between two weights only clients of the route's workspace move to the canary when it rises,
   * and only canary clients move back when it falls (monotone).
   */
  @Test
  void choosesCanary_overWeightSequences_isStickyAndMonotone() {
    PropertyRun.of(0x5_1171L, PropertyRun.EXAMPLES / 10)
        .check(
            lists().of(integers().between(0, Split.ALL)).ofSizeBetween(1, 12),
            lists().of(strings().allPossible().ofLengthBetween(0, 40)).ofSizeBetween(1, 30),
            (weights, keys) -> {
              List<Boolean> first = new ArrayList<>();
              for (String key : keys) {
                first.add(Split.of(GREEN, weights.get(0)).choosesCanary(key));
              }
              int previous = weights.get(0);
              List<Boolean> before = first;
              for (int w : weights) {
                List<Boolean> now = new ArrayList<>();
                for (int i = 0; i < keys.size(); i++) {
                  boolean canary = Split.of(GREEN, w).choosesCanary(keys.get(i));
                  assertEquals(canary, Split.of(GREEN, w).choosesCanary(keys.get(i)), "sticky");
                  if (w >= previous && before.get(i)) {
                    assertTrue(canary, "weight rose " + previous + " -> " + w + " and moved a canary client back: " + keys.get(i));
                  }
                  if (w <= previous && !before.get(i)) {
                    assertFalse(canary, "weight fell " + previous + " -> " + w + " and moved a client to the canary: " + keys.get(i));
                  }
                  now.add(canary);
                }
                before = now;
                previous = w;
              }
            });
  }
}
