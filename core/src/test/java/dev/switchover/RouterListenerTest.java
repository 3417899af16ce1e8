package dev.switchover;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

final class RouterListenerTest {
  private static Router router() {
    return Router.create(
        RoutingTable.builder()
            .workspace("blue")
            .workspace("green")
            .domain("shop.example.com", DomainStatus.VERIFIED)
            .domain("staging.example.com", DomainStatus.VERIFIED)
            .route("shop.example.com", "/", "blue")
            .route("staging.example.com", "/", "green")
            .build());
  }

  @Test
  void namedWrites_eachPublishedTable_isDeliveredOnReturn() {
    Router router = router();
    List<Long> heard = new ArrayList<>();
    router.addListener(table -> heard.add(table.revision()));

    router.promote("shop.example.com", "green");
    assertEquals(List.of(2L), heard);
    router.promote(HostName.parse("shop.example.com"), PathPrefix.ROOT, WorkspaceId.of("blue"));
    assertEquals(List.of(2L, 3L), heard);
    router.swap("shop.example.com", "staging.example.com");
    assertEquals(List.of(2L, 3L, 4L), heard);
    router.setDomainStatus(HostName.parse("staging.example.com"), DomainStatus.VERIFIED);
    assertEquals(List.of(2L, 3L, 4L, 5L), heard);
    router.rollback();
    assertEquals(List.of(2L, 3L, 4L, 5L, 6L), heard);
    router.update(6, b -> b.pointHost(HostName.parse("shop.example.com"), WorkspaceId.of("green")));
    assertEquals(List.of(2L, 3L, 4L, 5L, 6L, 7L), heard);
  }
}
