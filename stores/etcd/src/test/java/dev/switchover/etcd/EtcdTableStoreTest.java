package dev.switchover.etcd;

import static dev.switchover.etcd.Fleet.await;
import static dev.switchover.etcd.Fleet.shop;
import static dev.switchover.etcd.Fleet.workspaceOf;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchover.etcd.local.LocalEtcd;
import dev.switchover.ChangeReason;
import dev.switchover.HostName;
import dev.switchover.Router;
import dev.switchover.RoutingTable;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import dev.switchover.RevisionConflictException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The store on one real etcd member. */
final class EtcdTableStoreTest {
  private static LocalEtcd etcd;
  private static Client client;

  @BeforeAll
  static void startEtcd() throws Exception {
    etcd = LocalEtcd.start(1);
    client = Client.builder().endpoints(etcd.endpoints()).build();
  }

  @AfterAll
  static void stopEtcd() throws Exception {
    if (client != null) {
      client.close();
    }
    if (etcd != null) {
      etcd.close();
    }
  }

  private static List<KeyValue> under(String prefix) throws Exception {
    return client.getKVClient()
        .get(ByteSequence.from(prefix, UTF_8), GetOption.builder().isPrefix(true).build())
        .get(10, TimeUnit.SECONDS)
        .getKvs();
  }

  @Test
  void firstStore_writesTheInitialTable_andTheNextLoadsIt() throws Exception {
    try (Fleet fleet = new Fleet(etcd.endpoints())) {
      RoutingTable initial = shop(3);
      Router a = fleet.router(initial);
      Router b = fleet.router(fleet.keep(fleet.storeBuilder().build()));
      assertEquals(initial.routes(), b.current().routes());
      assertEquals(initial.domains(), b.current().domains());
      assertEquals(initial.revision(), b.current().revision());
      assertEquals(a.current().workspaces(), b.current().workspaces());
      // readable by an operator: one meta key and one key per host, JSON with a format version
      List<KeyValue> kvs = under(fleet.prefix);
      assertEquals(1 + 5, kvs.size());
      String meta = kvs.stream().filter(k -> k.getKey().toString(UTF_8).endsWith("/meta")).findFirst().orElseThrow().getValue().toString(UTF_8);
      assertTrue(meta.startsWith("{\"format\":1,"), meta);
      assertTrue(meta.contains("\"workspaces\":[\"blue\",\"green\"]"), meta);
    }
  }

  @Test
  void promote_onOneRouter_isServedByTheOther_andRolledBackFromIt() throws Exception {
    try (Fleet fleet = new Fleet(etcd.endpoints())) {
      Router a = fleet.router(shop(10));
      Router b = fleet.router(fleet.keep(fleet.storeBuilder().build()));
      RoutingTable promoted = a.promote("shop.example.com", "green");
      await(() -> b.current().revision() == promoted.revision(), () -> "b at " + b.current());
      assertEquals("green", workspaceOf(b, "shop.example.com"));
      assertEquals(ChangeReason.PROMOTE, b.current().reason());
      RoutingTable back = b.rollback();
      assertEquals(ChangeReason.ROLLBACK, back.reason());
      await(() -> a.current().revision() == back.revision(), () -> "a at " + a.current());
      assertEquals("blue", workspaceOf(a, "shop.example.com"));
      assertEquals(a.history().get(0).revision(), b.history().get(0).revision());
    }
  }

  @Test
  void split_onOneRouter_isServedByTheOther_andEndsFromIt() throws Exception {
    try (Fleet fleet = new Fleet(etcd.endpoints())) {
      Router a = fleet.router(shop(10));
      Router b = fleet.router(fleet.keep(fleet.storeBuilder().build()));
      HostName shop = HostName.parse("shop.example.com");
      dev.switchover.Split tenPercent = dev.switchover.Split.ofPercent(dev.switchover.WorkspaceId.of("green"), 10);
      RoutingTable split = a.split(shop, tenPercent);
      await(() -> b.current().revision() == split.revision(), () -> "b at " + b.current());
      assertEquals(ChangeReason.SPLIT, b.current().reason());
      assertEquals(java.util.Optional.of(tenPercent), b.current().routes(shop).get(0).split());
      // both routers put the same client on the same side
      for (int i = 0; i < 200; i++) {
        String key = "client-" + i;
        try (dev.switchover.Admission onA = a.admit("shop.example.com", "/", key);
            dev.switchover.Admission onB = b.admit("shop.example.com", "/", key)) {
          assertEquals(onA.workspace(), onB.workspace(), key);
        }
      }
      RoutingTable ended = b.endSplit(split.revision(), shop, null);
      await(() -> a.current().revision() == ended.revision(), () -> "a at " + a.current());
      assertFalse(a.current().hasSplits());
    }
  }

  @Test
  void closedStore_refusesWrites_keepsItsTable_andClosesTwiceHarmlessly() {
    EtcdTableStore store = EtcdTableStore.builder().endpoints(etcd.endpoints()).keyPrefix("/test/closed-" + System.nanoTime()).initialTable(shop(1)).build();
    RoutingTable t = store.load();
    store.close();
    store.close();
    assertEquals(t, store.load());
    assertThrows(IllegalStateException.class, () -> store.compareAndSet(t.revision(), t.toBuilder().build()));
  }

  @Test
  void promote_writesOnlyTheChange() throws Exception {
    try (Fleet fleet = new Fleet(etcd.endpoints())) {
      Router a = fleet.router(shop(2_000));
      a.promote("d7.example.com", "green");
      List<KeyValue> kvs = under(fleet.prefix);
      long last = kvs.stream().mapToLong(KeyValue::getModRevision).max().orElseThrow();
      List<String> written = kvs.stream().filter(k -> k.getModRevision() == last).map(k -> k.getKey().toString(UTF_8)).sorted().toList();
      assertEquals(2, written.size(), written.toString());
      assertTrue(written.get(1).endsWith("/d7.example.com"), written.toString());
    }
  }

  @Test
  void start_withoutStateOrInitialTable_namesTheMissingKey() {
    StoreDataException e =
        assertThrows(StoreDataException.class, () -> EtcdTableStore.builder().endpoints(etcd.endpoints()).keyPrefix("/nothing/here/").build());
    assertEquals("/nothing/here/meta", e.key());
    assertTrue(e.getMessage().contains("give the builder an initial table"), e.getMessage());
  }

  @Test
  void swap_isNeverSeenHalfDone_byAnotherRouter() throws Exception {
    try (Fleet fleet = new Fleet(etcd.endpoints())) {
      Router a = fleet.router(shop(50));
      Router b = fleet.router(fleet.keep(fleet.storeBuilder().build()));
      AtomicReference<@Nullable String> halfDone = new AtomicReference<>();
      AtomicLong lastSeen = new AtomicLong();
      b.addListener(
          t -> {
            if (workspace(t, "shop.example.com").equals(workspace(t, "staging.example.com"))) {
              halfDone.compareAndSet(null, "revision " + t.revision() + " routes both hosts to one workspace");
            }
            if (t.revision() <= lastSeen.getAndSet(t.revision())) {
              halfDone.compareAndSet(null, "revision " + t.revision() + " came after " + lastSeen.get());
            }
          });
      AtomicBoolean stop = new AtomicBoolean();
      Thread reader =
          new Thread(
              () -> {
                while (!stop.get()) {
                  RoutingTable t = b.current();
                  if (workspace(t, "shop.example.com").equals(workspace(t, "staging.example.com"))) {
                    halfDone.compareAndSet(null, "a resolve on revision " + t.revision() + " saw both hosts on one workspace");
                  }
                }
              });
      reader.start();
      RoutingTable last = a.current();
      for (int i = 0; i < 200; i++) {
        last = a.swap("shop.example.com", "staging.example.com");
      }
      long end = last.revision();
      await(() -> b.current().revision() == end, () -> "b at " + b.current());
      stop.set(true);
      reader.join();
      assertNull(halfDone.get());
      assertEquals(a.current().routes(), b.current().routes());
    }
  }

  private static String workspace(RoutingTable t, String host) {
    return t.resolve(host, "/").workspace().name();
  }

  @Test
  void racingWriters_exactlyOneWinsEachRace_andNoRouterGoesBack() throws Exception {
    try (Fleet fleet = new Fleet(etcd.endpoints())) {
      Router a = fleet.router(shop(5));
      Router b = fleet.router(fleet.keep(fleet.storeBuilder().build()));
      List<String> backwards = new CopyOnWriteArrayList<>();
      for (Router r : List.of(a, b)) {
        AtomicLong seen = new AtomicLong(r.current().revision());
        r.addListener(t -> {
          if (t.revision() <= seen.getAndSet(t.revision())) {
            backwards.add("revision " + t.revision());
          }
        });
      }
      ExecutorService two = Executors.newFixedThreadPool(2);
      try {
        for (int race = 0; race < 100; race++) {
          long expected = a.current().revision();
          await(() -> b.current().revision() == expected, () -> "b at " + b.current() + ", a at " + expected);
          CyclicBarrier start = new CyclicBarrier(2);
          List<Future<Long>> results = new ArrayList<>();
          int n = race;
          for (Router r : List.of(a, b)) {
            String ws = r == a ? "green" : "blue";
            results.add(two.submit(() -> {
              start.await();
              try {
                return r.update(expected, t -> t.pointHost("d" + (n % 5) + ".example.com", ws)).revision();
              } catch (RevisionConflictException e) {
                assertEquals(expected, e.expectedRevision());
                assertEquals(expected + 1, e.actualRevision(), e.getMessage());
                return -1L;
              }
            }));
          }
          long wins = 0;
          for (Future<Long> f : results) {
            if (f.get(30, TimeUnit.SECONDS) == expected + 1) {
              wins++;
            }
          }
          assertEquals(1, wins, "race " + race + " at revision " + expected);
        }
      } finally {
        two.shutdownNow();
      }
      long end = a.current().revision();
      await(() -> b.current().revision() == end, () -> "b at " + b.current());
      assertEquals(a.current().routes(), b.current().routes());
      assertEquals(List.of(), backwards);
    }
  }

  @Test
  void foreignOrMalformedData_namesTheKey_keepsServing_andRefusesWritesUntilRepaired() throws Exception {
    try (Fleet fleet = new Fleet(etcd.endpoints())) {
      EtcdTableStore store = fleet.store(shop(5));
      Router a = fleet.router(store);
      long revision = a.promote("shop.example.com", "green").revision();
      KeyValue host = under(fleet.prefix).stream().filter(k -> k.getKey().toString(UTF_8).endsWith("/d1.example.com")).findFirst().orElseThrow();
      String hostKey = host.getKey().toString(UTF_8);

      put(hostKey, "written by hand");
      await(() -> store.problem().isPresent(), () -> "no problem seen");
      assertEquals(hostKey, store.problem().get().key());
      assertEquals("green", workspaceOf(a, "shop.example.com"));
      StoreDataException refused = assertThrows(StoreDataException.class, () -> a.promote("shop.example.com", "blue"));
      assertEquals(hostKey, refused.key());
      assertTrue(refused.getMessage().contains("not the JSON Switchover writes"), refused.getMessage());
      assertEquals(revision, a.current().revision());

      put(hostKey, host.getValue().toString(UTF_8));
      await(() -> store.problem().isEmpty(), () -> "still " + store.problem());
      assertEquals("blue", workspace(a.promote("shop.example.com", "blue"), "shop.example.com"));

      String metaKey = fleet.prefix + "meta";
      String meta = under(metaKey).get(0).getValue().toString(UTF_8);
      put(metaKey, meta.replace("\"format\":1", "\"format\":99"));
      await(() -> store.problem().isPresent(), () -> "no problem seen");
      assertEquals(metaKey, store.problem().get().key());
      assertTrue(store.problem().get().getMessage().contains("format 99 by a newer release"), store.problem().get().getMessage());
      assertThrows(StoreDataException.class, () -> a.promote("shop.example.com", "green"));
      assertEquals("blue", workspaceOf(a, "shop.example.com"));

      put(metaKey, meta);
      await(() -> store.problem().isEmpty(), () -> "still " + store.problem());
      a.promote("shop.example.com", "green");
    }
  }

  private static void put(String key, String value) throws Exception {
    client.getKVClient().put(ByteSequence.from(key, UTF_8), ByteSequence.from(value, UTF_8)).get(10, TimeUnit.SECONDS);
  }

  @Test
  void changeLargerThanOneTransaction_isWrittenWhole_andLoadedByTheOthers() throws Exception {
    try (Fleet fleet = new Fleet(etcd.endpoints())) {
      Router a = fleet.router(fleet.keep(fleet.storeBuilder().maxTxnOps(16).initialTable(shop(100)).build()));
      Router b = fleet.router(fleet.keep(fleet.storeBuilder().build()));
      RoutingTable all =
          a.update(
              a.current().revision(),
              t -> {
                for (int i = 0; i < 100; i++) {
                  t.pointHost("d" + i + ".example.com", "green");
                }
              });
      await(() -> b.current().revision() == all.revision(), () -> "b at " + b.current());
      assertEquals(all.routes(), b.current().routes());
      RoutingTable one = b.promote("d3.example.com", "blue");
      await(() -> a.current().revision() == one.revision(), () -> "a at " + a.current());
      assertEquals("blue", workspaceOf(a, "d3.example.com"));
      // the keys of the table replaced are deleted: one meta key and one key per host remain
      await(() -> count(fleet.prefix) == 1 + 102, () -> "keys: " + count(fleet.prefix));
    }
  }

  private static int count(String prefix) {
    try {
      return under(prefix).size();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void start_withEtcdDown_failsWithinTheLoadTimeout_namingTheEndpoint() throws Exception {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String endpoint = "http://127.0.0.1:" + port;
    long start = System.nanoTime();
    StoreUnavailableException e =
        assertThrows(
            StoreUnavailableException.class,
            () -> EtcdTableStore.builder().endpoints(endpoint).loadTimeout(java.time.Duration.ofSeconds(2)).initialTable(shop(0)).build());
    assertTrue(e.getMessage().contains(endpoint), e.getMessage());
    assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "took " + (System.nanoTime() - start) / 1_000_000 + " ms");
  }
}
