package dev.switchover.bench.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

final class OnsetsTest {
  private static final long QUIET = Onsets.QUIET_NANOS;

  private final AtomicLong now = new AtomicLong();
  private final Onsets onsets = new Onsets(now::get);

  private void arriveAt(long time) {
    now.set(time);
    onsets.arrived();
  }

  @Test
  void firstRequestEver_isAnOnsetWithNoPrevious() {
    arriveAt(1_000);

    Onsets.Onset onset = Objects.requireNonNull(onsets.firstAtOrAfter(0));
    assertEquals(1_000, onset.at());
    assertNull(onset.previous());
    assertTrue(onset.quietSince(999_999_999));
  }

  @Test
  void requestsCloserThanTheQuietSpell_areNoOnsets() {
    arriveAt(0);
    for (long t = 1; t <= 10; t++) {
      arriveAt(t * (QUIET / 2));
    }

    assertNull(onsets.firstAtOrAfter(1), "a workspace that never stopped has no onset after its first");
  }

  @Test
  void requestAfterTheQuietSpell_isAnOnset_withTheRequestBeforeIt() {
    arriveAt(0);
    arriveAt(100);
    arriveAt(100 + QUIET); // exactly the quiet spell: an onset

    Onsets.Onset onset = Objects.requireNonNull(onsets.firstAtOrAfter(101));
    assertEquals(100 + QUIET, onset.at());
    assertEquals(100L, onset.previous());
  }

  @Test
  void firstAtOrAfter_picksTheEarliestOnsetFromThatTimeOn() {
    long t = 5_000;
    arriveAt(t);
    arriveAt(t + 3 * QUIET);
    arriveAt(t + 6 * QUIET);

    assertEquals(t + 3 * QUIET, Objects.requireNonNull(onsets.firstAtOrAfter(t + 1)).at());
    assertEquals(t + 3 * QUIET, Objects.requireNonNull(onsets.firstAtOrAfter(t + 3 * QUIET)).at());
    assertEquals(t + 6 * QUIET, Objects.requireNonNull(onsets.firstAtOrAfter(t + 3 * QUIET + 1)).at());
    assertNull(onsets.firstAtOrAfter(t + 6 * QUIET + 1));
  }

  @Test
  void quietSince_tellsWhetherTheWorkspaceServedBetweenThatTimeAndTheOnset() {
    arriveAt(0);
    arriveAt(10);
    arriveAt(10 + 2 * QUIET);
    Onsets.Onset onset = Objects.requireNonNull(onsets.firstAtOrAfter(11));

    assertTrue(onset.quietSince(10), "the last request before the onset was at the switch");
    assertTrue(onset.quietSince(QUIET));
    assertFalse(onset.quietSince(9), "it served at 10, after a switch at 9");
  }

  @Test
  void clockValuesNearOverflow_compareAsAMonotonicClock() {
    long near = Long.MAX_VALUE - QUIET / 2;
    arriveAt(near);
    arriveAt(near + 2 * QUIET); // wraps to a negative long

    Onsets.Onset onset = Objects.requireNonNull(onsets.firstAtOrAfter(near + 1));
    assertEquals(near + 2 * QUIET, onset.at());
    assertTrue(onset.quietSince(near));
  }
}
