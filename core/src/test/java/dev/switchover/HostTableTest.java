package dev.switchover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

final class HostTableTest {
  /**
   * Two names alike but for a few characters; the hash's multiplier is random per JVM, so full
   * collisions are forced in {@link HostTablePropertiesTest} (through {@code remove(key, hash)}).
   */
  private static final String COLLIDING_A = "c-x.example.com";
  private static final String COLLIDING_B = "akx.example.com";

  @Test
  void put_manyNamesAfterACollision_allFoundIgnoringCase() {
    // The look-alike pair goes in first (the properties test forces real collisions), then
    // enough names to double the top many times.
    List<String> names = new ArrayList<>(List.of(COLLIDING_A, COLLIDING_B));
    for (int i = 0; i < 20_000; i++) {
      names.add("shop" + i + ".customer" + (i % 97) + ".example.com");
    }
    HostTable table = HostTable.EMPTY;
    for (String name : names) {
      table = table.put(entry(name));
    }
    assertEquals(names.size(), table.size());
    for (String name : names) {
      String upper = name.toUpperCase(Locale.ROOT);
      HostEntry e = table.get(upper, 0, upper.length(), Hashing.hostHash(name));
      assertNotNull(e, name);
      assertEquals(name, e.key);
    }
    assertNull(table.get("nowhere.example.com"));
  }

  @Test
  void putAndRemove_randomOperations_matchAHashMap() {
    Random random = new Random(42);
    Map<String, HostEntry> model = new HashMap<>();
    HostTable table = HostTable.EMPTY;
    List<String> pool = new ArrayList<>(List.of(COLLIDING_A, COLLIDING_B, "cakx.example.com", "cc-x.example.com"));
    for (int i = 0; i < 3_000; i++) {
      pool.add("h" + Integer.toString(random.nextInt(100_000), 36) + ".example.org");
    }
    for (int step = 0; step < 30_000; step++) {
      String name = pool.get(random.nextInt(pool.size()));
      if (random.nextInt(3) == 0) {
        table = table.remove(name);
        model.remove(name);
      } else {
        HostEntry e = entry(name);
        table = table.put(e);
        model.put(name, e);
      }
      if (step % 1_000 == 0) {
        assertSameContents(model, table, pool);
      }
    }
    assertSameContents(model, table, pool);
  }

  @Test
  void put_earlierVersion_isUnchanged() {
    HostTable before = HostTable.EMPTY.put(entry("a.example.com")).put(entry(COLLIDING_A));
    HostTable after = before.put(entry(COLLIDING_B)).remove("a.example.com");
    assertNotNull(before.get("a.example.com"));
    assertNull(before.get(COLLIDING_B));
    assertNull(after.get("a.example.com"));
    assertNotNull(after.get(COLLIDING_B));
    assertEquals(2, before.size());
    assertEquals(2, after.size());
  }

  @Test
  void put_pastTheLargestTop_allFoundAndEarlierTablesIntact() {
    // 100,000 names double the top up to its largest size, then grow buckets instead
    HostTable table = HostTable.EMPTY;
    HostTable atThousand = null;
    for (int i = 0; i < 100_000; i++) {
      table = table.put(entry("n" + i + ".example.net"));
      if (i == 999) {
        atThousand = table;
      }
    }
    assertEquals(100_000, table.size());
    for (int i = 0; i < 100_000; i++) {
      assertNotNull(table.get("n" + i + ".example.net"), "n" + i);
    }
    assertNotNull(atThousand);
    assertEquals(1_000, atThousand.size());
    assertNotNull(atThousand.get("n999.example.net"));
    assertNull(atThousand.get("n1000.example.net"));
  }

  @Test
  void editor_batchOfChanges_sameAsOneByOneAndBaseUnchanged() {
    Random random = new Random(7);
    HostTable base = HostTable.EMPTY;
    for (int i = 0; i < 5_000; i++) {
      base = base.put(entry("b" + i + ".example.org"));
    }
    HostTable oneByOne = base;
    HostTable.Editor editor = new HostTable.Editor(base);
    Map<String, HostEntry> model = new HashMap<>();
    base.forEach(e -> model.put(e.key, e));
    List<String> pool = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      pool.add("b" + i + ".example.org");
    }
    for (int step = 0; step < 20_000; step++) {
      String name = pool.get(random.nextInt(pool.size()));
      if (random.nextBoolean()) {
        editor.remove(name, Hashing.hostHash(name));
        oneByOne = oneByOne.remove(name);
        model.remove(name);
      } else {
        HostEntry e = entry(name);
        editor.put(e);
        oneByOne = oneByOne.put(e);
        model.put(name, e);
      }
    }
    HostTable batch = editor.build();
    assertSameContents(model, batch, pool);
    assertSameContents(model, oneByOne, pool);
    assertEquals(5_000, base.size());
    for (int i = 0; i < 10_000; i++) {
      assertEquals(i < 5_000, base.get("b" + i + ".example.org") != null, "b" + i);
    }
  }

  @Test
  void editor_usedAfterBuild_throws() {
    HostTable.Editor editor = new HostTable.Editor(HostTable.EMPTY);
    editor.put(entry("a.example.com"));
    editor.build();
    assertThrows(IllegalStateException.class, () -> editor.put(entry("b.example.com")));
    assertThrows(IllegalStateException.class, editor::build);
  }

  @Test
  void resolve_longestNameAndManyPrefixes_eachPrefixFindsItsRoute() {
    // a 253-character name (its length does not fit a signed byte) with 300 prefixes
    String label = "a".repeat(63);
    String name = label + "." + label + "." + label + "." + "b".repeat(57) + ".com";
    assertEquals(253, name.length());
    RoutingTable.Builder b =
        RoutingTable.builder().workspace("blue").workspace("green").domain(name, DomainStatus.VERIFIED);
    for (int i = 0; i < 300; i++) {
      b.route(name, "/p" + i + "/q", i % 2 == 0 ? "blue" : "green");
    }
    RoutingTable table = b.build();
    String upper = name.toUpperCase(Locale.ROOT);
    for (int i = 0; i < 300; i++) {
      Resolution r = table.resolve(upper + ":443", "/p" + i + "/q/more");
      assertEquals("/p" + i + "/q", r.prefix().toString());
      assertEquals(i % 2 == 0 ? "blue" : "green", r.workspace().name());
      assertEquals(Resolution.Outcome.NO_ROUTE, table.resolve(name, "/p" + i).outcome());
    }
  }

  private static void assertSameContents(Map<String, HostEntry> model, HostTable table, List<String> pool) {
    assertEquals(model.size(), table.size());
    for (String name : pool) {
      HostEntry expected = model.get(name);
      HostEntry actual = table.get(name);
      if (expected == null) {
        assertNull(actual, name);
      } else {
        assertSame(expected, actual, name);
      }
    }
    Set<String> seen = new HashSet<>();
    table.forEach(e -> seen.add(e.key));
    assertEquals(model.keySet(), seen);
  }

  private static HostEntry entry(String name) {
    return HostEntry.of(HostName.parse(name), DomainStatus.VERIFIED, ImmutableList.of());
  }
}
