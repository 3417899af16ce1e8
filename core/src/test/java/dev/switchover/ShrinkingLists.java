package dev.switchover;

import static org.quicktheories.generators.Generate.range;

import java.util.ArrayList;
import java.util.List;
import org.quicktheories.core.Gen;

/**
 * Lists of generated values that shrink by dropping any of their elements. QuickTheories' own
 * lists shrink by their size only, which cuts elements off the end, so a failure that needs the
 * last of 25 writes would be reported with all 25; here each element also has a draw that, at 0,
 * drops it, and shrinking draws towards 0. At random one element in 16 is dropped.
 */
final class ShrinkingLists {
  private static final Gen<Integer> KEEP = range(0, 15);

  private ShrinkingLists() {}

  /** Lists of {@code minSize} to {@code maxSize} values from {@code values}. */
  static <T> Gen<List<T>> of(Gen<T> values, int minSize, int maxSize) {
    Gen<Integer> sizes = range(minSize, maxSize);
    return in -> {
      int size = sizes.generate(in);
      List<T> list = new ArrayList<>(size);
      for (int i = 0; i < size; i++) {
        // Both draws are made for every element, so dropping one leaves the others as they were.
        boolean keep = KEEP.generate(in) != 0;
        T value = values.generate(in);
        if (keep || list.size() + (size - i) <= minSize) {
          list.add(value);
        }
      }
      return list;
    };
  }
}
