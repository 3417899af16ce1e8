package dev.switchover;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

final class SmokeTest {
  @Test
  void smoke() {
    RoutingTable t = RoutingTable.builder()
        .workspace("blue").workspace("green")
        .domain("shop.example.com", DomainStatus.VERIFIED)
        .domain("*.example.org", DomainStatus.VERIFIED)
        .route("shop.example.com", "/", "blue")
        .route("shop.example.com", "/api", "green")
        .route("*.example.org", "/", "green")
        .build();
    assertEquals("green", t.resolve("SHOP.example.com.:443", "/api/x").workspace().name());
    assertEquals("blue", t.resolve("SHOP.example.com", "/apix").workspace().name());
    assertEquals("green", t.resolve("a.example.org", "/").workspace().name());
    assertEquals(Resolution.Outcome.UNKNOWN_HOST, t.resolve("*.example.org", "/").outcome());
    assertEquals(Resolution.Outcome.UNKNOWN_HOST, t.resolve("a.b.example.org", "/").outcome());
    Router r = Router.create(t);
    r.promote("shop.example.com", "green");
    assertEquals("green", r.resolve("shop.example.com", "/").workspace().name());
    r.rollback();
    assertEquals("blue", r.resolve("shop.example.com", "/").workspace().name());
    assertEquals(3, r.current().revision());
  }
}
