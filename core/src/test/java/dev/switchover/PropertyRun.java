package dev.switchover;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.collect.Multiset;
import java.util.Locale;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.quicktheories.QuickTheory;
import org.quicktheories.core.Gen;

/**
 * How a property test runs QuickTheories: from a fixed seed of its own, so that a run reproduces
 * exactly (QuickTheories names the seed in its failure message, "Seed was ...", and the checks
 * here name it too), over 10,000 examples unless the system property {@code
 * switchover.properties.examples} asks for another number, for a soak: {@code mvn -pl core -am
 * verify -Dswitchover.properties.examples=100000}. {@code -Dswitchover.properties.seed=N}
 * replaces every property's seed, to soak with other inputs or to rerun a soak's failure.
 *
 * <p>QuickTheories skips an example whose random draws repeat an earlier one's (the empty list
 * comes up once in 26 lists of up to 25 writes, and twice in its first three examples) and
 * counts it all the same, so a run asks for a tenth and ten more and checks that at least the
 * number of examples it names were run.
 */
final class PropertyRun {
  /** Examples per property in the build; a property whose examples are costlier runs a fraction. */
  static final int EXAMPLES = Integer.getInteger("switchover.properties.examples", 10_000);

  /**
   * A bound on shrinking, whose steps may each run the property once more: QuickTheories' default
   * is 100 steps per example, a million here. This many shrink a list of writes or requests to
   * the few that matter.
   */
  private static final int SHRINK_STEPS = 10_000;

  private final long seed;
  private final int examples;

  private PropertyRun(long seed, int examples) {
    this.seed = seed;
    this.examples = examples;
  }

  /** A run of {@link #EXAMPLES} examples from {@code seed}, or from the seed the system property names. */
  static PropertyRun of(long seed) {
    return of(seed, EXAMPLES);
  }

  static PropertyRun of(long seed, int examples) {
    return new PropertyRun(Long.getLong("switchover.properties.seed", seed), examples);
  }

  /** Runs {@code property} on values from {@code values}; it fails by throwing (an assertion). */
  <A> void check(Gen<A> values, Consumer<A> property) {
    int[] ran = {0};
    theory().forAll(values).checkAssert(a -> {
      property.accept(a);
      ran[0]++;
    });
    assertRanEnough(ran[0]);
  }

  /** Runs {@code property} on pairs of values from {@code as} and {@code bs}. */
  <A, B> void check(Gen<A> as, Gen<B> bs, BiConsumer<A, B> property) {
    int[] ran = {0};
    theory().forAll(as, bs).checkAssert((a, b) -> {
      property.accept(a, b);
      ran[0]++;
    });
    assertRanEnough(ran[0]);
  }

  private QuickTheory theory() {
    return QuickTheory.qt()
        .withFixedSeed(seed)
        .withExamples(examples + examples / 10 + 10)
        .withShrinkCycles(SHRINK_STEPS);
  }

  private void assertRanEnough(int ran) {
    assertTrue(ran >= examples, () -> "expected at least " + examples + " distinct examples, ran " + ran + " (" + this + ")");
  }

  /** Asserts that more than {@code percent} of the cases counted are {@code expected}. */
  void assertShareAbove(double percent, Object expected, Multiset<?> cases) {
    double share = cases.isEmpty() ? 0 : 100.0 * cases.count(expected) / cases.size();
    assertTrue(
        share > percent,
        () -> String.format(
            Locale.ROOT,
            "expected more than %s%% of the cases to be %s, were %.3f%% of %d: %s (%s)",
            percent, expected, share, cases.size(), cases, this));
  }

  /** Asserts that {@code expected} is among the cases counted. */
  void assertSeen(Object expected, Multiset<?> cases) {
    assertTrue(cases.contains(expected), () -> "expected " + expected + " among the cases: " + cases + " (" + this + ")");
  }

  @Override
  public String toString() {
    return "seed " + seed + ", " + examples + " examples";
  }
}
