package dev.switchover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Editor batches with forced hashes, every earlier table re-checked at the end against a snapshot
 * of its contents, and each bucket's mask, slots and free slot checked after every batch.
 */
final class HostTableInvariantsTest {
  private static final int[] HASHES = {0, 1, 32, 33, 1 << 30, (1 << 30) | 1, 0x80000000, -1, 0x7fffffff, 1 << 25,
      4096, 4097, 1 << 12 | 1 << 20, 0xfff, 0x1fff};

  @Test
  void editorBatches_forcedHashes_agreeWithMapAndKeepEarlierTables() throws Exception {
    for (long seed = 0; seed < 300; seed++) {
      Random random = new Random(seed);
      int pool = 5 + random.nextInt(400);
      boolean forced = random.nextBoolean();
      HostTable table = HostTable.EMPTY;
      Map<String, HostEntry> model = new HashMap<>();
      List<HostTable> tables = new ArrayList<>();
      List<Map<String, HostEntry>> models = new ArrayList<>();
      int batches = 1 + random.nextInt(30);
      for (int batch = 0; batch < batches; batch++) {
        HostTable.Editor editor = new HostTable.Editor(table);
        int ops = random.nextInt(200);
        for (int op = 0; op < ops; op++) {
          int i = random.nextInt(pool);
          String key = "h" + i + ".example.com";
          int hash = forced ? HASHES[i % HASHES.length] : Hashing.hostHash(key);
          if (random.nextInt(3) == 0) {
            editor.remove(key, hash);
            model.remove(key);
          } else {
            HostEntry e = HostEntry.withHash(HostName.parse(key), hash, DomainStatus.VERIFIED);
            editor.put(e);
            model.put(key, e);
          }
        }
        table = editor.build();
        tables.add(table);
        models.add(new HashMap<>(model));
        checkMasks(table);
      }
      for (int t = 0; t < tables.size(); t++) {
        HostTable tt = tables.get(t);
        Map<String, HostEntry> m = models.get(t);
        assertEquals(m.size(), tt.size(), "seed " + seed);
        int[] n = {0};
        tt.forEach(e -> n[0]++);
        assertEquals(m.size(), n[0]);
        for (int i = 0; i < pool; i++) {
          String key = "h" + i + ".example.com";
          int hash = forced ? HASHES[i % HASHES.length] : Hashing.hostHash(key);
          HostEntry found = tt.get(key, 0, key.length(), hash);
          HostEntry want = m.get(key);
          if (want == null) {
            assertNull(found, key);
          } else {
            assertSame(want, found, key);
          }
          assertSame(found, tt.getKey(key, hash), key); // the writes' exact-key lookup
        }
        checkMasks(tt);
      }
    }
  }

  @Test
  void editor_pastMaxBuckets_batchesOfRemovesAndPuts() throws Exception {
    HostTable.Editor ed = new HostTable.Editor(HostTable.EMPTY);
    for (int i = 0; i < 150_000; i++) {
      ed.put(HostEntry.of(HostName.parse("n" + i + ".example.net"), DomainStatus.VERIFIED, List.of()));
    }
    HostTable big = ed.build();
    checkMasks(big);
    Random random = new Random(3);
    HostTable t = big;
    Map<String, HostEntry> model = new HashMap<>();
    t.forEach(e -> model.put(e.key, e));
    for (int batch = 0; batch < 20; batch++) {
      HostTable.Editor e2 = new HostTable.Editor(t);
      for (int k = 0; k < 5000; k++) {
        String key = "n" + random.nextInt(200_000) + ".example.net";
        if (random.nextBoolean()) {
          e2.remove(key, Hashing.hostHash(key));
          model.remove(key);
        } else {
          HostEntry e = HostEntry.of(HostName.parse(key), DomainStatus.PENDING, List.of());
          e2.put(e);
          model.put(key, e);
        }
      }
      t = e2.build();
      checkMasks(t);
    }
    assertEquals(model.size(), t.size());
    for (int i = 0; i < 200_000; i++) {
      String key = "n" + i + ".example.net";
      assertSame(model.get(key), t.get(key), key);
      assertEquals(i < 150_000, big.get(key) != null);
    }
  }

  static void checkMasks(HostTable t) throws Exception {
    Field topF = HostTable.class.getDeclaredField("top");
    Field masksF = HostTable.class.getDeclaredField("masks");
    topF.setAccessible(true);
    masksF.setAccessible(true);
    Object[] top = (Object[]) topF.get(t);
    int[] masks = (int[]) masksF.get(t);
    assertEquals(top.length / 2, masks.length);
    for (int b = 0; b < masks.length; b++) {
      int[] hashes = (int[]) top[2 * b];
      Object[] slots = (Object[]) top[2 * b + 1];
      assertEquals(hashes.length - 1, masks[b], "bucket " + b);
      assertEquals(hashes.length * 2, slots.length);
      int count = 0;
      for (int h : hashes) {
        if (h != 0) {
          count++;
        }
      }
      // at least one empty slot, so that a probe ends
      assertEquals(true, count < hashes.length, "bucket " + b + " full");
    }
  }
}
