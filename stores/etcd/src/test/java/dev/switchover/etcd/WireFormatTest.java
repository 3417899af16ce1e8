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
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
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

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "not json at all | not the JSON Switchover writes",
        "[1,2] | expected a JSON object",
        "{\"routes\":[]} | no format version",
        "{\"format\":2,\"routes\":[]} | written in format 2 by a newer release; this release reads formats 1 to 1",
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
