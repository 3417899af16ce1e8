package dev.switchover.etcd;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.testing.NullPointerTester;
import dev.switchover.ChangeReason;
import dev.switchover.DomainStatus;
import dev.switchover.HostName;
import dev.switchover.RoutingTable;
import dev.switchover.etcd.WireFormat.HostState;
import dev.switchover.etcd.WireFormat.Meta;
import dev.switchover.verification.Challenge;
import dev.switchover.verification.TrackedDomain;
import dev.switchover.verification.Verification;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The stored format, without etcd: what is written reads back, and what cannot be read is named. */
final class WireFormatTest {
  private static final WireFormat WIRE = new WireFormat("/p/");
  private static final HostName SHOP = HostName.parse("shop.example.com");

  @Test
  void meta_andHosts_readBackAsWritten() {
    RoutingTable t =
        RoutingTable.builder()
            .workspace("blue")
            .domain(SHOP, DomainStatus.VERIFIED)
            .route(SHOP.toString(), "/api", "blue")
            .previewSuffix("preview.example.net")
            .previewHost("b.preview.example.net", "blue")
            .domain("*.example.org", DomainStatus.PENDING)
            .build();
    Meta meta = Meta.of("t1", t, "w-1");
    assertEquals(meta, WIRE.decodeMeta("/p/meta", WIRE.encodeMeta(meta)));
    for (HostName h : TableChanges.allHosts(t)) {
      HostState state = HostState.of(t, h);
      assertEquals(state, WIRE.decodeHost(WIRE.hostKey("t1", h), h, WIRE.encodeHost(state)));
      assertEquals(h, WIRE.hostOf(WIRE.hostKey("t1", h), "t1"));
    }
    // a table rebuilt from what is stored routes as the original
    Map<HostName, HostState> hosts = new java.util.HashMap<>();
    TableChanges.allHosts(t).forEach(h -> hosts.put(h, HostState.of(t, h)));
    RoutingTable back = TableChanges.rebuild(null, meta, hosts, "/p/meta");
    assertEquals(t.routes(), back.routes());
    assertEquals(t.domains(), back.domains());
    assertEquals(t.previewSuffix(), back.previewSuffix());
    assertEquals(ChangeReason.INITIAL, back.reason());
  }

  @Test
  void split_readsBackAsWritten_inTheFormatThatHasIt() {
    RoutingTable t =
        RoutingTable.builder()
            .workspace("blue")
            .workspace("green")
            .domain(SHOP, DomainStatus.VERIFIED)
            .route(SHOP.toString(), "/", "blue")
            .route(SHOP.toString(), "/api", "blue")
            .splitRoute(SHOP, dev.switchover.PathPrefix.of("/api"), dev.switchover.Split.of(dev.switchover.WorkspaceId.of("green"), 1250))
            .build();
    HostState state = HostState.of(t, SHOP);
    byte[] stored = WIRE.encodeHost(state);
    assertEquals(
        "{\"format\":2,\"status\":\"VERIFIED\",\"routes\":[{\"prefix\":\"/\",\"workspace\":\"blue\"},"
            + "{\"prefix\":\"/api\",\"workspace\":\"blue\",\"split\":{\"canary\":\"green\",\"basisPoints\":1250}}]}",
        new String(stored, UTF_8));
    assertEquals(state, WIRE.decodeHost(WIRE.hostKey("t1", SHOP), SHOP, stored));
    // Without a split, the value stays readable by a release that reads only format 1.
    RoutingTable ended = t.toBuilder().removeSplits(SHOP).describe(2, ChangeReason.SPLIT, "end").build();
    assertTrue(new String(WIRE.encodeHost(HostState.of(ended, SHOP)), UTF_8).startsWith("{\"format\":1,"));
    // The reason SPLIT is format 2 too; other reasons stay format 1.
    assertTrue(new String(WIRE.encodeMeta(Meta.of("t2", ended, "w-1")), UTF_8).startsWith("{\"format\":2,"));
    assertEquals(Meta.of("t2", ended, "w-1"), WIRE.decodeMeta("/p/meta", WIRE.encodeMeta(Meta.of("t2", ended, "w-1"))));
    assertTrue(new String(WIRE.encodeMeta(Meta.of("t1", t, "w-1")), UTF_8).startsWith("{\"format\":1,"));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "not json at all | not the JSON Switchover writes",
        "[1,2] | expected a JSON object",
        "{\"routes\":[]} | no format version",
        "{\"format\":3,\"routes\":[]} | written in format 3 by a newer release; this release reads formats 1 to 2",
        "{\"format\":2,\"routes\":[{\"prefix\":\"/\",\"workspace\":\"blue\",\"split\":{\"canary\":\"blue\",\"basisPoints\":10}}]} | cannot split to its own workspace blue",
        "{\"format\":2,\"routes\":[{\"prefix\":\"/\",\"workspace\":\"blue\",\"split\":{\"canary\":\"green\",\"basisPoints\":10001}}]} | 0 to 10000 basis points",
        "{\"format\":2,\"routes\":[{\"prefix\":\"/\",\"workspace\":\"blue\",\"split\":{\"canary\":\"green\",\"basisPoints\":\"10\"}}]} | a split's \"basisPoints\" must be a whole number",
        "{\"format\":2,\"routes\":[{\"prefix\":\"/\",\"workspace\":\"blue\",\"split\":{\"basisPoints\":10}}]} | a split's \"canary\"",
        "{\"format\":1,\"routes\":[{\"prefix\":\"/\",\"workspace\":\"blue\",\"split\":{\"canary\":\"green\",\"basisPoints\":10}}]} | splits are format 2",
        "{\"format\":0,\"routes\":[]} | unknown format 0",
        "{\"format\":1} | expected an array \"routes\"",
        "{\"format\":1,\"status\":\"SURE\",\"routes\":[]} | unreadable host",
        "{\"format\":1,\"routes\":[{\"prefix\":\"api\",\"workspace\":\"blue\"}]} | unreadable host",
        "{\"format\":1,\"routes\":[]} | stored as no key at all",
      })
  void host_thatCannotBeRead_isNamed(String value, String problem) {
    StoreDataException e =
        assertThrows(StoreDataException.class, () -> WIRE.decodeHost("/p/tables/t1/shop.example.com", SHOP, value.getBytes(UTF_8)));
    assertEquals("/p/tables/t1/shop.example.com", e.key());
    assertTrue(e.getMessage().startsWith("etcd key /p/tables/t1/shop.example.com: "), e.getMessage());
    assertTrue(e.getMessage().contains(problem), e.getMessage());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"format\":1,\"table\":\"t\",\"revision\":0,\"reason\":\"EDIT\",\"description\":\"d\",\"workspaces\":[]} | at least 1",
        "{\"format\":1,\"table\":\"t\",\"revision\":3,\"reason\":\"GUESS\",\"description\":\"d\",\"workspaces\":[]} | unreadable state",
        "{\"format\":1,\"revision\":3,\"reason\":\"EDIT\",\"description\":\"d\",\"workspaces\":[]} | expected text for \"table\"",
        "{\"format\":1,\"table\":\"t\",\"revision\":3,\"reason\":\"EDIT\",\"description\":\"d\"} | expected an array \"workspaces\"",
      })
  void meta_thatCannotBeRead_isNamed(String value, String problem) {
    StoreDataException e = assertThrows(StoreDataException.class, () -> WIRE.decodeMeta("/p/meta", value.getBytes(UTF_8)));
    assertEquals("/p/meta", e.key());
    assertTrue(e.getMessage().contains(problem), e.getMessage());
  }

  @Test
  void meta_actor_readsBackAndARebuiltTableCarriesIt() {
    RoutingTable t = RoutingTable.builder().workspace("blue").build();
    RoutingTable byAlice = t.toBuilder().describe(2, ChangeReason.EDIT, "edit", "alice").build();
    Meta meta = Meta.of("t1", byAlice, "w-1");
    byte[] stored = WIRE.encodeMeta(meta);
    assertTrue(new String(stored, UTF_8).contains("\"actor\":\"alice\""), new String(stored, UTF_8));
    assertEquals(meta, WIRE.decodeMeta("/p/meta", stored));
    assertEquals(java.util.Optional.of("alice"), TableChanges.apply(t, meta, Map.of(), "/p/meta").actor());
  }

  @Test
  void meta_writtenWithoutActor_stillLoads_andNamesNoOne() {
    // what a release that stored no actor wrote
    String old = "{\"format\":1,\"table\":\"t1\",\"revision\":2,\"reason\":\"PROMOTE\",\"description\":\"d\","
        + "\"workspaces\":[\"blue\"],\"writer\":\"w-1\"}";
    Meta meta = WIRE.decodeMeta("/p/meta", old.getBytes(UTF_8));
    assertEquals(null, meta.actor());
    RoutingTable t = RoutingTable.builder().workspace("blue").build();
    assertEquals(java.util.Optional.empty(), TableChanges.apply(t, meta, Map.of(), "/p/meta").actor());
  }

  /** An actor this release cannot take is left out: an informational field never makes the state unreadable. */
  @ParameterizedTest
  @ValueSource(strings = {"7", "\"line\\nbreak\"", "\"\"", "{\"name\":\"x\"}"})
  void meta_actorThisReleaseCannotShow_isLeftOut_andTheStateStillLoads(String actor) {
    String value = "{\"format\":1,\"table\":\"t1\",\"revision\":2,\"reason\":\"EDIT\",\"description\":\"d\","
        + "\"workspaces\":[],\"actor\":" + actor + "}";
    Meta meta = WIRE.decodeMeta("/p/meta", value.getBytes(UTF_8));
    assertEquals(null, meta.actor());
    RoutingTable t = TableChanges.apply(RoutingTable.builder().build(), meta, Map.of(), "/p/meta");
    assertEquals(2, t.revision());
    assertEquals(java.util.Optional.empty(), t.actor());
  }

  @Test
  void meta_anActorLongerThanATableTakes_isLeftOut() {
    String value = "{\"format\":1,\"table\":\"t1\",\"revision\":2,\"reason\":\"EDIT\",\"description\":\"d\","
        + "\"workspaces\":[],\"actor\":\"" + "a".repeat(257) + "\"}";
    assertEquals(null, WIRE.decodeMeta("/p/meta", value.getBytes(UTF_8)).actor());
  }

  @Test
  void trackedDomain_readsBackAsWritten() {
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    Challenge c = Challenge.of(SHOP, "a".repeat(26), "b".repeat(32), t0);
    for (TrackedDomain tracked : List.of(
        TrackedDomain.of(c, null, Verification.of(SHOP, DomainStatus.PENDING, t0, null, null, "waiting for the record")),
        TrackedDomain.of(c, Challenge.Method.DNS_TXT,
            Verification.of(SHOP, DomainStatus.VERIFIED, t0.plusSeconds(5), t0.plusSeconds(5), t0.plus(Duration.ofDays(7)), "proved")),
        TrackedDomain.of(c, Challenge.Method.HTTP_TOKEN,
            Verification.of(SHOP, DomainStatus.EXPIRED, t0.plusSeconds(9), t0, t0.plusSeconds(8), "expired: \"quoted\" ünïcode")))) {
      String key = WIRE.verificationKey(SHOP);
      assertEquals("/p/verification/shop.example.com", key);
      byte[] stored = WIRE.encodeTracked(tracked);
      assertTrue(new String(stored, UTF_8).startsWith("{\"format\":1,\"domain\":\"shop.example.com\","), new String(stored, UTF_8));
      assertEquals(tracked, WIRE.decodeTracked(key, SHOP, stored));
      assertEquals(SHOP, WIRE.verifiedDomainOf(key));
    }
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"format\":1} | expected text for \"domain\"",
        "{\"format\":9,\"domain\":\"shop.example.com\"} | written in format 9 by a newer release",
        "{\"format\":1,\"domain\":\"cart.example.com\"} | the value is about cart.example.com, not shop.example.com",
        "{\"format\":1,\"domain\":\"shop.example.com\"} | expected an object \"challenge\"",
        "{\"format\":1,\"domain\":\"shop.example.com\",\"challenge\":{\"id\":\"short\",\"token\":\"bbbbbbbbbbbbbbbbbbbbbbbbbb\",\"issuedAt\":\"2026-01-01T00:00:00Z\"},\"status\":\"PENDING\",\"at\":\"2026-01-01T00:00:00Z\",\"reason\":\"r\"} | unreadable verification: a challenge id must have 26 to 64 characters",
        "{\"format\":1,\"domain\":\"shop.example.com\",\"challenge\":{\"id\":\"aaaaaaaaaaaaaaaaaaaaaaaaaa\",\"token\":\"bbbbbbbbbbbbbbbbbbbbbbbbbb\",\"issuedAt\":\"yesterday\"},\"status\":\"PENDING\",\"at\":\"2026-01-01T00:00:00Z\",\"reason\":\"r\"} | expected an instant such as 2026-01-01T00:00:00Z for the challenge's \"issuedAt\", found \"yesterday\"",
        "{\"format\":1,\"domain\":\"shop.example.com\",\"challenge\":{\"id\":\"aaaaaaaaaaaaaaaaaaaaaaaaaa\",\"token\":\"bbbbbbbbbbbbbbbbbbbbbbbbbb\",\"issuedAt\":\"2026-01-01T00:00:00Z\"},\"status\":\"VERIFIED\",\"at\":\"2026-01-01T00:00:00Z\",\"reason\":\"r\"} | unreadable verification: a VERIFIED verification needs verifiedAt",
        "{\"format\":1,\"domain\":\"shop.example.com\",\"challenge\":{\"id\":\"aaaaaaaaaaaaaaaaaaaaaaaaaa\",\"token\":\"bbbbbbbbbbbbbbbbbbbbbbbbbb\",\"issuedAt\":\"2026-01-01T00:00:00Z\"},\"method\":\"CARRIER_PIGEON\",\"status\":\"PENDING\",\"at\":\"2026-01-01T00:00:00Z\",\"reason\":\"r\"} | unreadable verification",
      })
  void trackedDomain_thatCannotBeRead_isNamed(String value, String problem) {
    String key = "/p/verification/shop.example.com";
    StoreDataException e = assertThrows(StoreDataException.class, () -> WIRE.decodeTracked(key, SHOP, value.getBytes(UTF_8)));
    assertEquals(key, e.key());
    assertTrue(e.getMessage().contains(problem), e.getMessage());
  }

  @Test
  void verificationKey_notNormalized_isNamed() {
    StoreDataException e = assertThrows(StoreDataException.class, () -> WIRE.verifiedDomainOf("/p/verification/Shop.example.com"));
    assertTrue(e.getMessage().contains("not in its normalized form shop.example.com"), e.getMessage());
  }

  @Test
  void hostKey_notNormalized_isNamed() {
    StoreDataException e = assertThrows(StoreDataException.class, () -> WIRE.hostOf("/p/tables/t1/SHOP.example.com", "t1"));
    assertTrue(e.getMessage().contains("not in its normalized form shop.example.com"), e.getMessage());
    assertThrows(StoreDataException.class, () -> WIRE.hostOf("/p/tables/t1/-bad-", "t1"));
  }

  @Test
  void builder_refusesNullsAndBadValues() {
    new NullPointerTester().testAllPublicInstanceMethods(EtcdTableStore.builder());
    assertThrows(IllegalArgumentException.class, () -> EtcdTableStore.builder().keyPrefix("/"));
    assertThrows(IllegalArgumentException.class, () -> EtcdTableStore.builder().writeTimeout(Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> EtcdTableStore.builder().endpoints());
    assertThrows(IllegalStateException.class, () -> EtcdTableStore.builder().keyPrefix("/a").keyPrefix("/b"));
    assertThrows(IllegalStateException.class, () -> EtcdTableStore.builder().build());
  }
}
