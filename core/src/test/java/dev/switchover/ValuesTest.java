package dev.switchover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.testing.EqualsTester;
import com.google.common.testing.NullPointerTester;
import dev.switchover.spi.TableStore;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Equality, null checks and validation of the public value types. */
final class ValuesTest {
  private static final HostName SHOP = HostName.parse("shop.example.com");
  private static final WorkspaceId BLUE = WorkspaceId.of("blue");

  @Test
  void equals_valueTypes_followTheirValues() {
    new EqualsTester()
        .addEqualityGroup(WorkspaceId.of("blue"), WorkspaceId.of("blue"))
        .addEqualityGroup(WorkspaceId.of("green"))
        .addEqualityGroup(HostName.parse("shop.example.com"), HostName.parse("SHOP.example.com.:80"))
        .addEqualityGroup(HostName.parse("*.example.com"), HostName.parse("*.EXAMPLE.com"))
        .addEqualityGroup(PathPrefix.of("/api"), PathPrefix.of("/api"))
        .addEqualityGroup(PathPrefix.ROOT, PathPrefix.of("/"))
        .addEqualityGroup(Route.of(SHOP, PathPrefix.ROOT, BLUE), Route.of(SHOP, PathPrefix.of("/"), WorkspaceId.of("blue")))
        .addEqualityGroup(Route.of(SHOP, PathPrefix.ROOT, WorkspaceId.of("green")))
        .addEqualityGroup(Route.of(SHOP, PathPrefix.of("/api"), BLUE))
        .addEqualityGroup(
            Route.of(SHOP, PathPrefix.of("/api"), BLUE).withSplit(Split.of(WorkspaceId.of("green"), 10)),
            Route.of(SHOP, PathPrefix.of("/api"), BLUE).withSplit(Split.ofPercent(WorkspaceId.of("green"), 0.1)))
        .addEqualityGroup(Route.of(SHOP, PathPrefix.of("/api"), BLUE).withSplit(Split.of(WorkspaceId.of("green"), 11)))
        .addEqualityGroup(Split.of(WorkspaceId.of("green"), 10), Split.of(WorkspaceId.of("green"), 10))
        .addEqualityGroup(Split.of(WorkspaceId.of("purple"), 10))
        .testEquals();
  }

  @Test
  void nulls_publicMethods_refuseNullArguments() {
    NullPointerTester tester = new NullPointerTester()
        .setDefault(HostName.class, SHOP)
        .setDefault(WorkspaceId.class, BLUE)
        .setDefault(PathPrefix.class, PathPrefix.ROOT)
        .setDefault(DomainStatus.class, DomainStatus.VERIFIED)
        .setDefault(Split.class, Split.of(WorkspaceId.of("green"), 10))
        .setDefault(PreviewTokens.class, PreviewTokens.builder().signingKey("k", new byte[32]).build());
    for (Class<?> type : List.of(PreviewTokens.class, PreviewToken.class, WorkspaceId.class, HostName.class, PathPrefix.class, Route.class, Split.class, RoutingTable.class, Router.class, TableStore.class)) {
      tester.testAllPublicStaticMethods(type);
    }
    RoutingTable table = RoutingTable.builder().workspace("blue").domain(SHOP, DomainStatus.VERIFIED).route(SHOP, PathPrefix.ROOT, BLUE).build();
    tester.setDefault(RoutingTable.class, table);
    tester.testAllPublicInstanceMethods(WorkspaceId.of("blue"));
    tester.testAllPublicInstanceMethods(SHOP);
    tester.testAllPublicInstanceMethods(PathPrefix.of("/api"));
    tester.testAllPublicInstanceMethods(Route.of(SHOP, PathPrefix.ROOT, BLUE));
    tester.testAllPublicInstanceMethods(Split.of(WorkspaceId.of("green"), 10));
    tester.testAllPublicInstanceMethods(table);
    tester.testAllPublicInstanceMethods(table.toBuilder());
    tester.testAllPublicInstanceMethods(Router.create(table));
    tester.testAllPublicInstanceMethods(Router.builder());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "Blue", "-blue", ".x", "blue green", "blü", "a/b"})
  void workspaceId_invalid_isRefusedNamingTheValue(String name) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WorkspaceId.of(name));
    assertTrue(String.valueOf(e.getMessage()).contains("\"" + name + "\""), e.getMessage());
  }

  @Test
  void workspaceId_tooLong_isRefused() {
    assertThrows(IllegalArgumentException.class, () -> WorkspaceId.of("a".repeat(65)));
    assertEquals("a".repeat(64), WorkspaceId.of("a".repeat(64)).name());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "api", "/api/", "//", "/api//v2", "/./x", "/a/..", "/a?b", "/a#b", "/a%2f", "/a b", "/ü"})
  void pathPrefix_invalid_isRefusedNamingTheValue(String text) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PathPrefix.of(text));
    assertTrue(String.valueOf(e.getMessage()).contains("\"" + text + "\""), e.getMessage());
  }

  @Test
  void pathPrefix_matches_onSegmentBoundariesOnly() {
    PathPrefix api = PathPrefix.of("/api");
    assertTrue(api.matches("/api"));
    assertTrue(api.matches("/api/"));
    assertTrue(api.matches("/api/orders/7"));
    assertFalse(api.matches("/apix"));
    assertFalse(api.matches("/ap"));
    assertFalse(api.matches("/API"));
    assertTrue(PathPrefix.ROOT.matches("/anything"));
    assertTrue(PathPrefix.ROOT.matches(""));
    assertFalse(PathPrefix.ROOT.matches("*"));
    assertEquals(2, PathPrefix.of("/api/v2").depth());
    assertEquals(0, PathPrefix.ROOT.depth());
  }

  @Test
  void route_toString_readsAsARule() {
    assertEquals("shop.example.com/api -> blue", Route.of(SHOP, PathPrefix.of("/api"), BLUE).toString());
    assertEquals("shop.example.com/ -> blue", Route.of(SHOP, PathPrefix.ROOT, BLUE).toString());
  }

  @Test
  void resolution_equalWhenItSaysTheSame_andSharedByRoutesThatAnswerAlike() {
    HostName shop = HostName.parse("shop.example.com");
    HostName other = HostName.parse("other.example.com");
    HostName wildcard = HostName.parse("*.example.com");
    WorkspaceId blue = WorkspaceId.of("blue");
    WorkspaceId green = WorkspaceId.of("green");
    PathPrefix api = PathPrefix.of("/api");
    Route split = Route.of(shop, api, blue).withSplit(Split.of(green, 1000));
    Resolution splitSide = Resolution.of(split);
    Resolution canarySide = splitSide.choose(canaryKeyOf(split));
    new EqualsTester()
        .addEqualityGroup(Resolution.of(Route.of(shop, api, blue)), Resolution.of(Route.of(other, api, blue)))
        .addEqualityGroup(Resolution.of(Route.of(shop, PathPrefix.ROOT, blue)))
        .addEqualityGroup(Resolution.of(Route.of(shop, api, green)))
        .addEqualityGroup(Resolution.of(Route.of(wildcard, api, blue)))
        .addEqualityGroup(splitSide, Resolution.of(Route.of(other, api, blue).withSplit(Split.of(green, 1000))))
        .addEqualityGroup(canarySide)
        .addEqualityGroup(Resolution.of(Route.of(shop, api, blue)).previewOn(green), Resolution.of(Route.of(other, api, blue)).previewOn(green))
        .addEqualityGroup(Resolution.UNKNOWN_HOST)
        .addEqualityGroup(Resolution.NO_ROUTE)
        .testEquals();
    assertSame(Resolution.of(Route.of(shop, api, blue)), Resolution.of(Route.of(other, api, blue)), "shared, not copied");
    assertEquals("ROUTED /api -> blue, 10% to green, on green", canarySide.toString());
    assertEquals("ROUTED /api -> blue (wildcard)", Resolution.of(Route.of(wildcard, api, blue)).toString());
  }

  /** A sticky key the split sends to its canary. */
  private static String canaryKeyOf(Route route) {
    Split split = route.split().orElseThrow();
    for (int i = 0; ; i++) {
      String key = "client-" + i;
      if (split.choosesCanary(key)) {
        return key;
      }
    }
  }
}
