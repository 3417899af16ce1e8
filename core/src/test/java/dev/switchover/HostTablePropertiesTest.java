package dev.switchover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.quicktheories.generators.Generate.pick;
import static org.quicktheories.generators.Generate.range;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * The persistent table against a plain map, with hashes forced into a tiny set so that full
 * collisions, long probe runs in one bucket, and removals from the middle of a run all happen
 * often.
 */
final class HostTablePropertiesTest {
  /** Hashes that share their low bits, their high bits, or everything. */
  private static final int[] HASHES = {0, 1, 32, 33, 1 << 30, (1 << 30) | 1, 0x80000000, -1, 0x7fffffff, 1 << 25};

  private static HostName name(int i) {
    return HostName.parse("h" + i + ".example.com");
  }

  private static int hashOf(int i) {
    return HASHES[i % HASHES.length];
  }

  /** A put (or else a remove) of the name numbered {@code index}. */
  record Op(boolean put, int index) {}

  @Test
  void putAndRemove_agreeWithAMap() {
    PropertyRun.of(0x9e55da9c4ab8L).check(ops(), HostTablePropertiesTest::putAndRemoveAgreeWithAMap);
  }

  private static void putAndRemoveAgreeWithAMap(List<Op> ops) {
    HostTable table = HostTable.EMPTY;
    Map<String, HostEntry> model = new HashMap<>();
    for (Op op : ops) {
      int i = op.index();
      HostName host = name(i);
      HostTable before = table;
      if (op.put()) {
        HostEntry e = HostEntry.withHash(host, hashOf(i), i % 2 == 0 ? DomainStatus.VERIFIED : DomainStatus.PENDING);
        table = table.put(e);
        model.put(host.toString(), e);
      } else {
        table = table.remove(host.toString(), hashOf(i));
        model.remove(host.toString());
      }
      assertEquals(model.size(), table.size());
      for (int k = 0; k < 40; k++) {
        String key = name(k).toString();
        HostEntry found = table.get(key.toUpperCase(java.util.Locale.ROOT), 0, key.length(), hashOf(k));
        HostEntry expected = model.get(key);
        if (expected == null) {
          assertNull(found, key);
        } else {
          assertSame(expected, found, key);
        }
        assertSame(found, table.getKey(key, hashOf(k)), key); // the writes' exact-key lookup
      }
      Set<String> listed = new HashSet<>();
      table.forEach(e -> listed.add(e.key));
      assertEquals(model.keySet(), listed);
      // Persistence: the table before the op is unchanged by it.
      assertEquals(before.size(), countOf(before));
    }
  }

  private static int countOf(HostTable table) {
    int[] n = {0};
    table.forEach(e -> n[0]++);
    return n[0];
  }

  private static Gen<List<Op>> ops() {
    return ShrinkingLists.of(pick(List.of(true, true, false)).zip(range(0, 39), Op::new), 0, 60);
  }
}
