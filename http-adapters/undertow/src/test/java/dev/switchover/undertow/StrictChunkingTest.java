package dev.switchover.undertow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class StrictChunkingTest {
  @ParameterizedTest
  @ValueSource(
      strings = {
        "0\r\n\r\n",
        "5\r\nhello\r\n0\r\n\r\n",
        "5;name=value\r\nhello\r\n6 ; x;y=\"q\"\r\n world\r\n0;z\r\n\r\n",
        "A\r\n0123456789\r\n000\r\n\r\n",
        "a\r\n0123456789\r\n0\r\nX-Sum: 1\r\nX-Other:\t2 3\r\n\r\n",
        "fffffffffffffff\r\n", // the largest size, its data still to come
      })
  void wellFormed_passesAtEverySplit(String body) {
    for (int split = 0; split <= body.length(); split++) {
      assertNull(checkedInTwo(body, split), () -> body + " split");
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "-5\r\nhello\r\n0\r\n\r\n",
        "10000000000000005\r\nhello\r\n0\r\n\r\n",
        "ffffffffffffffff5\r\nhello\r\n0\r\n\r\n",
        "0x5\r\nhello\r\n0\r\n\r\n",
        "\r\nhello\r\n0\r\n\r\n",
        "5 \r\nhello\r\n0\r\n\r\n",
        "5\r\nhelloXX0\r\n\r\n",
        "5\r\nhelloGET /admin HTTP/1.1\r\n",
        "5\nhello\n0\n\n",
        "5\rhello\r\n0\r\n\r\n",
        "5;a=\nb\r\nhello\r\n0\r\n\r\n",
        "5;a=\u0000\r\nhello\r\n0\r\n\r\n",
        "5\r\nhello\r\n0\r\nX-Sum: 1\r\n 2\r\n\r\n",
        "5\r\nhello\r\n0\r\nX-Sum 1\r\n\r\n",
        "5\r\nhello\r\n0\r\nX-Sum: 1\n\r\n",
        "5\r\nhello\r\n0\r\n\n",
        "\u0665\r\nhello\r\n0\r\n\r\n", // an Arabic-Indic digit five is no hex digit
      })
  void malformed_failsAtEverySplit(String body) {
    for (int split = 0; split <= body.length(); split++) {
      assertNotNull(checkedInTwo(body, split), () -> body + " split");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"5\r\nhello\r\n0\r\n\r\nGET / HTTP/1.1\r\n\n\u0000junk"})
  void bytesAfterTheEnd_belongToTheNextRequestAndAreNotLookedAt(String bytes) {
    StrictChunking.Grammar grammar = new StrictChunking.Grammar();
    assertNull(check(grammar, bytes));
    assertTrue(grammar.done());
  }

  @ParameterizedTest
  @ValueSource(strings = {"5\r\nhello\r\n", "5\r\nhel", "5\r\nhello\r\n0\r\n", ""})
  void unfinished_isNotDone(String body) {
    StrictChunking.Grammar grammar = new StrictChunking.Grammar();
    assertNull(check(grammar, body));
    assertEquals(false, grammar.done());
  }

  /** The problem, if any, with the body fed to one grammar in two reads split at {@code split}. */
  private static @Nullable String checkedInTwo(String body, int split) {
    StrictChunking.Grammar grammar = new StrictChunking.Grammar();
    String first = check(grammar, body.substring(0, split));
    return first != null ? first : check(grammar, body.substring(split));
  }

  private static @Nullable String check(StrictChunking.Grammar grammar, String bytes) {
    // Bytes at an offset inside a larger buffer, as a conduit's reads land.
    byte[] raw = ("xx" + bytes + "yy").getBytes(StandardCharsets.UTF_8);
    ByteBuffer buffer = ByteBuffer.wrap(raw);
    return grammar.check(buffer, 2, raw.length - 2);
  }
}
