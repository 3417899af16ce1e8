package dev.switchover.verification;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

final class UntrustedTextTest {
  @Test
  void quote_controlCharactersAndQuotes_areEscaped() {
    assertEquals("\"a\\\"b\\\\c\\u000a\\u001bd\"", UntrustedText.quote("a\"b\\c\n\u001bd"));
  }

  @Test
  void quote_longText_isCutShort() {
    String quoted = UntrustedText.quote("x".repeat(1000));

    assertEquals("\"" + "x".repeat(UntrustedText.MAX_QUOTED) + "\"… (1000 characters)", quoted);
  }

  @Test
  void address_ipv6_isBracketed() throws UnknownHostException {
    assertEquals("[0:0:0:0:0:0:0:1]:53", UntrustedText.address(new InetSocketAddress(InetAddress.getByAddress(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}), 53)));
    assertEquals("127.0.0.1:53", UntrustedText.address(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 53)));
  }

  @Test
  void duration_isReadable() {
    assertEquals("300 ms", UntrustedText.duration(Duration.ofMillis(300)));
    assertEquals("5 s", UntrustedText.duration(Duration.ofSeconds(5)));
  }
}
