package dev.switchover.etcd;

import static dev.switchover.etcd.Fleet.await;
import static dev.switchover.etcd.Fleet.shop;
import static dev.switchover.etcd.Fleet.workspaceOf;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchover.ChangeReason;
import dev.switchover.Router;
import dev.switchover.RoutingTable;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The store on one real etcd member. */
final class EtcdTableStoreTest {
  private static EtcdCluster etcd;
  private static Client client;

  @BeforeAll
  static void startEtcd() throws Exception {
    etcd = EtcdCluster.start(1);
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
}
