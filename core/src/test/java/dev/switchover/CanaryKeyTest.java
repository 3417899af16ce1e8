package dev.switchover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.testing.EqualsTester;
import com.google.common.testing.NullPointerTester;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

final class CanaryKeyTest {
  @Test
  void factories_sayWhereTheKeyComesFrom() {
    assertEquals(CanaryKey.Source.COOKIE, CanaryKey.cookie().source());
    assertEquals("switchover-canary", CanaryKey.cookie().name());
    assertEquals("x-user-id", CanaryKey.header("X-User-Id").name());
    assertEquals(CanaryKey.Source.CLIENT_ADDRESS, CanaryKey.clientAddress().source());
    assertEquals("header x-user-id", CanaryKey.header("X-User-Id").toString());
    assertEquals("client address", CanaryKey.clientAddress().toString());
  }

  @Test
  void equals_followsSourceAndName() {
    new EqualsTester()
        .addEqualityGroup(CanaryKey.cookie(), CanaryKey.cookie("switchover-canary"))
        .addEqualityGroup(CanaryKey.cookie("other"))
        .addEqualityGroup(CanaryKey.header("X-User-Id"), CanaryKey.header("x-user-id"))
        .addEqualityGroup(CanaryKey.clientAddress())
        .testEquals();
    new NullPointerTester().testAllPublicStaticMethods(CanaryKey.class);
    new NullPointerTester().testAllPublicInstanceMethods(CanaryKey.cookie());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "a b", "a;b", "a=b", "a,b", "caf\u00e9", "a\r\nSet-Cookie: x", "(x)"})
  void names_thatAreNotTokens_areRefusedNamingTheCharacter(String name) {
    IllegalArgumentException cookie = assertThrows(IllegalArgumentException.class, () -> CanaryKey.cookie(name));
    assertTrue(String.valueOf(cookie.getMessage()).startsWith("a cookie name"), cookie.getMessage());
    assertThrows(IllegalArgumentException.class, () -> CanaryKey.header(name));
  }

  @Test
  void parse_readsEachSpelling_andRefusesOthers() {
    assertEquals(CanaryKey.cookie(), CanaryKey.parse("cookie"));
    assertEquals(CanaryKey.cookie("beta"), CanaryKey.parse(" cookie:beta "));
    assertEquals(CanaryKey.header("X-User-Id"), CanaryKey.parse("header:X-User-Id"));
    assertEquals(CanaryKey.clientAddress(), CanaryKey.parse("client-address"));
    for (String bad : new String[] {"", "header", "header:", "cookie:a b", "address", "Cookie"}) {
      assertThrows(IllegalArgumentException.class, () -> CanaryKey.parse(bad), bad);
    }
  }

  @Test
  void addressKey_isTheCanonicalTextOfTheAddress_howeverTheServerWroteIt() throws Exception {
    assertEquals("::1", CanaryKey.addressKey("[0:0:0:0:0:0:0:1]"));
    assertEquals("::1", CanaryKey.addressKey("0:0:0:0:0:0:0:1"));
    assertEquals("::1", CanaryKey.addressKey(java.net.InetAddress.getByAddress(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})));
    assertEquals("fe80::1", CanaryKey.addressKey("fe80:0:0:0:0:0:0:1%eth0"));
    assertEquals("10.0.0.7", CanaryKey.addressKey("10.0.0.7"));
    assertEquals("not-an-address", CanaryKey.addressKey("not-an-address"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "a b", "a;b", "a,b", "a\"b", "a\\b", "k\r\nSet-Cookie: x", "caf\u00e9"})
  void setCookie_ofAValueACookieCannotHold_isRefused(String key) {
    assertThrows(IllegalArgumentException.class, () -> CanaryKey.cookie().setCookie(key, false));
  }

  @Test
  void setCookie_isHostOnlyHttpOnlyAndSecureOverTls() {
    assertEquals(
        "switchover-canary=k1; Path=/; Max-Age=2592000; HttpOnly; SameSite=Lax", CanaryKey.cookie().setCookie("k1", false));
    assertEquals(
        "c=k1; Path=/; Max-Age=2592000; HttpOnly; SameSite=Lax; Secure", CanaryKey.cookie("c").setCookie("k1", true));
    assertThrows(IllegalStateException.class, () -> CanaryKey.header("x").setCookie("k1", false));
  }
}
