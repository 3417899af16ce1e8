package dev.switchover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

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

final class HostTrieTest {
  /**
   * With a multiplier of 31 these two names would collide (961*99 + 31*45 == 961*97 + 31*107); the
   * multiplier is random per JVM, so full collisions are forced in {@link HostTriePropertiesTest}.
   */
  private static final String COLLIDING_A = "c-x.example.com";
  private static final String COLLIDING_B = "akx.example.com";

  @Test
  void put_manyNamesAfterACollision_allFoundIgnoringCase() {
    // The colliding pair goes in first, so that later names sharing its first bits meet the
    // collision node high in the trie and must branch around it.
    List<String> names = new ArrayList<>(List.of(COLLIDING_A, COLLIDING_B));
    for (int i = 0; i < 20_000; i++) {
      names.add("shop" + i + ".customer" + (i % 97) + ".example.com");
    }
    HostTrie trie = HostTrie.EMPTY;
    for (String name : names) {
      trie = trie.put(entry(name));
    }
    assertEquals(names.size(), trie.size());
    for (String name : names) {
      String upper = name.toUpperCase(Locale.ROOT);
      HostEntry e = trie.get(upper, 0, upper.length(), Hashing.hostHash(name));
      assertNotNull(e, name);
      assertEquals(name, e.key);
    }
    assertNull(trie.get("nowhere.example.com"));
  }

  @Test
  void putAndRemove_randomOperations_matchAHashMap() {
    Random random = new Random(42);
    Map<String, HostEntry> model = new HashMap<>();
    HostTrie trie = HostTrie.EMPTY;
    List<String> pool = new ArrayList<>(List.of(COLLIDING_A, COLLIDING_B, "cakx.example.com", "cc-x.example.com"));
    for (int i = 0; i < 3_000; i++) {
      pool.add("h" + Integer.toString(random.nextInt(100_000), 36) + ".example.org");
    }
    for (int step = 0; step < 30_000; step++) {
      String name = pool.get(random.nextInt(pool.size()));
      if (random.nextInt(3) == 0) {
        trie = trie.remove(name);
        model.remove(name);
      } else {
        HostEntry e = entry(name);
        trie = trie.put(e);
        model.put(name, e);
      }
      if (step % 1_000 == 0) {
        assertSameContents(model, trie, pool);
      }
    }
    assertSameContents(model, trie, pool);
  }

  @Test
  void put_earlierVersion_isUnchanged() {
    HostTrie before = HostTrie.EMPTY.put(entry("a.example.com")).put(entry(COLLIDING_A));
    HostTrie after = before.put(entry(COLLIDING_B)).remove("a.example.com");
    assertNotNull(before.get("a.example.com"));
    assertNull(before.get(COLLIDING_B));
    assertNull(after.get("a.example.com"));
    assertNotNull(after.get(COLLIDING_B));
    assertEquals(2, before.size());
    assertEquals(2, after.size());
  }

  private static void assertSameContents(Map<String, HostEntry> model, HostTrie trie, List<String> pool) {
    assertEquals(model.size(), trie.size());
    for (String name : pool) {
      HostEntry expected = model.get(name);
      HostEntry actual = trie.get(name);
      if (expected == null) {
        assertNull(actual, name);
      } else {
        assertSame(expected, actual, name);
      }
    }
    Set<String> seen = new HashSet<>();
    trie.forEach(e -> seen.add(e.key));
    assertEquals(model.keySet(), seen);
  }

  private static HostEntry entry(String name) {
    return HostEntry.of(HostName.parse(name), DomainStatus.VERIFIED, ImmutableList.of());
  }
}
