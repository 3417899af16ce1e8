package dev.switchover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

final class BuilderBatchTest {
  @Test
  void build_twice_tablesIndependentOfLaterChanges() {
    RoutingTable.Builder b = RoutingTable.builder().workspace("blue").workspace("green")
        .domain("a.example.com", DomainStatus.VERIFIED).route("a.example.com", "/", "blue");
    RoutingTable t1 = b.build();
    b.route("a.example.com", "/api", "green").domain("b.example.com", DomainStatus.VERIFIED)
        .route("b.example.com", "/", "green");
    RoutingTable t2 = b.build();
    b.removeDomain(HostName.parse("a.example.com"));
    RoutingTable t3 = b.build();
    assertEquals("blue", t1.resolve("a.example.com", "/api").workspace().name());
    assertEquals(Resolution.Outcome.UNKNOWN_HOST, t1.resolve("b.example.com", "/").outcome());
    assertEquals("green", t2.resolve("a.example.com", "/api").workspace().name());
    assertEquals("green", t2.resolve("b.example.com", "/").workspace().name());
    assertEquals(Resolution.Outcome.UNKNOWN_HOST, t3.resolve("a.example.com", "/").outcome());
    assertEquals(1, t1.routes().size());
    assertEquals(3, t2.routes().size());
    assertEquals(1, t3.routes().size());
  }

  @Test
  void toBuilder_manyChanges_baseUnchanged_andPendingSeenByValidation() {
    RoutingTable.Builder b = RoutingTable.builder().workspace("blue").workspace("green");
    for (int i = 0; i < 3000; i++) {
      b.domain("h" + i + ".example.com", DomainStatus.VERIFIED).route("h" + i + ".example.com", "/", "blue");
    }
    RoutingTable base = b.build();
    RoutingTable.Builder nb = base.toBuilder();
    for (int i = 0; i < 3000; i += 2) {
      nb.removeDomain(HostName.parse("h" + i + ".example.com"));
    }
    for (int i = 3000; i < 6000; i++) {
      nb.domain("h" + i + ".example.com", DomainStatus.VERIFIED).route("h" + i + ".example.com", "/", "green");
    }
    // put then removed in the same builder, absent from base
    nb.domain("gone.example.com", DomainStatus.VERIFIED).route("gone.example.com", "/x", "blue");
    nb.removeDomain(HostName.parse("gone.example.com"));
    nb.removeRoutes(HostName.parse("never.example.com"));
    RoutingTable next = nb.build();
    for (int i = 0; i < 6000; i++) {
      Resolution rb = base.resolve("h" + i + ".example.com", "/");
      Resolution rn = next.resolve("h" + i + ".example.com", "/");
      assertEquals(i < 3000, rb.isRouted(), "base " + i);
      assertEquals(i >= 3000 || i % 2 == 1, rn.isRouted(), "next " + i);
    }
    assertEquals(Resolution.Outcome.UNKNOWN_HOST, next.resolve("gone.example.com", "/x").outcome());
    assertEquals(3000 + 1500, next.routes().size());
    assertEquals(3000, base.routes().size());
    // validation sees pending changes
    RoutingTable.Builder bad = next.toBuilder().domain("h1.example.com", DomainStatus.PENDING);
    assertThrows(InvalidTableException.class, bad::build);
    RoutingTable.Builder bad2 = next.toBuilder().domain("n.example.com", DomainStatus.VERIFIED)
        .route("n.example.com", "/", "blue").domain("n.example.com", DomainStatus.FAILED);
    assertThrows(InvalidTableException.class, bad2::build);
    RoutingTable.Builder bad3 = next.toBuilder().route("h1.example.com", "/a", "blue").removeWorkspace(WorkspaceId.of("blue"));
    assertThrows(InvalidTableException.class, bad3::build);
  }

  private static long allocated() {
    try {
      Object mx = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
      java.lang.reflect.Method m = Class.forName("com.sun.management.ThreadMXBean").getMethod("getCurrentThreadAllocatedBytes");
      return (Long) m.invoke(mx);
    } catch (ReflectiveOperationException e) {
      throw new LinkageError("mx", e);
    }
  }

  @Test
  void resolve_oddInput_neverThrowsAndAllocatesNothing() {
    RoutingTable.Builder b = RoutingTable.builder().workspace("blue")
        .domain("shop.example.com", DomainStatus.VERIFIED).route("shop.example.com", "/", "blue")
        .route("shop.example.com", "/api", "blue")
        .domain("*.example.com", DomainStatus.VERIFIED).route("*.example.com", "/w", "blue");
    String label = "a".repeat(63);
    String longName = label + "." + label + "." + label + "." + "b".repeat(57) + ".com";
    b.domain(longName, DomainStatus.VERIFIED).route(longName, "/", "blue");
    RoutingTable t = b.build();
    List<String> hosts = new ArrayList<>(List.of("", ":", "::", ":80", "shop.example.com:", "shop.example.com:99999",
        "shop.example.com:80:80", "shop.example.com.:443", "shop.example.com..", ".", "..", "[::1]", "[", "x:",
        "SHOP.EXAMPLE.COM", "\u0130.example.com", "s\u0000.example.com", "-a.example.com", "a-.example.com",
        "x.example.com.", ".example.com", longName, longName + ".", longName + ".:1", longName + "a",
        "\uffff".repeat(300), "a".repeat(10_000), "a".repeat(300) + ":80", "\ud800.example.com",
        "shop.ex\u00e1mple.com", "\u212a.example.com"));
    Random r = new Random(1);
    for (int i = 0; i < 2000; i++) {
      StringBuilder sb = new StringBuilder();
      int n = r.nextInt(300);
      for (int k = 0; k < n; k++) {
        sb.append(r.nextInt(4) == 0 ? (char) r.nextInt(0x10000) : ".:a-Z0["
            .charAt(r.nextInt(7)));
      }
      hosts.add(sb.toString());
    }
    List<String> paths = List.of("", "/", "/api", "/api/", "api", "*", "/w/x", "\u00e9", "/\uffff", "/".repeat(5000),
        "/api".repeat(1000));
    for (String h : hosts) {
      for (String p : paths) {
        t.resolve(h, p);
      }
    }
    for (int warm = 0; warm < 20; warm++) {
      for (String h : hosts) {
        for (String p : paths) {
          t.resolve(h, p);
        }
      }
    }
    String[] ha = hosts.toArray(new String[0]);
    String[] pa = paths.toArray(new String[0]);
    long base0 = allocated();
    long base1 = allocated();
    long before = allocated();
    int routed = 0;
    for (int round = 0; round < 5; round++) {
      for (int hi = 0; hi < ha.length; hi++) {
        for (int pi = 0; pi < pa.length; pi++) {
          if (t.resolve(ha[hi], pa[pi]).isRouted()) {
            routed++;
          }
        }
      }
    }
    long after = allocated();
    assertTrue(routed > 0);
    assertTrue(after - before - (base1 - base0) < 4096, "allocated " + (after - before) + " baseline " + (base1 - base0));
  }
}
