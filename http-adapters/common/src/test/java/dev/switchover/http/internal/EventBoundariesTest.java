package dev.switchover.http.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

final class EventBoundariesTest {
  private static EventBoundaries after(String passedOn) {
    EventBoundaries b = new EventBoundaries();
    for (byte x : passedOn.getBytes(UTF_8)) {
      b.step(x);
    }
    return b;
  }

  @Test
  void atBoundary_beforeAnythingAndAfterABlankLine_only() {
    assertTrue(new EventBoundaries().atBoundary());
    assertFalse(after("data: a").atBoundary());
    assertFalse(after("data: a\n").atBoundary(), "one line end is inside an event");
    assertTrue(after("data: a\n\n").atBoundary());
    assertTrue(after("data: a\r\n\r\n").atBoundary());
    assertTrue(after("data: a\r\r").atBoundary());
    assertFalse(after("data: a\r\n").atBoundary(), "CR LF is one line end, not two");
    assertFalse(after("data: a\n\ndata: b").atBoundary());
  }

  /**
   * The next event ends at the first byte that completes its blank line: with CR LF line ends,
   * that is the second CR (a CR alone ends a line), and what follows it may be left out of a
   * stream that ends there.
   */
  @ParameterizedTest
  @ValueSource(strings = {"\n\n", "\r\n\r\n", "\r\r", "\n\r\n", "\r\n\n"})
  void afterNextEvent_findsTheFirstByteThatCompletesTheEvent(String blank) {
    String next = "data: a" + blank + "data: b";
    byte[] bytes = next.getBytes(UTF_8);
    EventBoundaries b = after("id: 1\n\n");
    int cut = b.afterNextEvent(ByteBuffer.wrap(bytes));
    assertEquals(cut, b.afterNextEvent(bytes, 0, bytes.length));
    assertTrue(after(next.substring(0, cut)).atBoundary(), () -> "the bytes up to " + cut + " end the event");
    assertFalse(after(next.substring(0, cut - 1)).atBoundary(), "and no fewer do");
    assertTrue(cut <= ("data: a" + blank).length());
    assertEquals(-1, b.afterNextEvent(bytes, 0, 7), "no end within the bytes asked about");
  }

  @Test
  void afterNextEvent_continuesFromWhatWasPassedOn_andMovesNothing() {
    EventBoundaries b = after("data: a\n"); // one line end already passed on
    ByteBuffer rest = ByteBuffer.wrap("\ndata: b\n\n".getBytes(UTF_8));
    assertEquals(1, b.afterNextEvent(rest), "the blank line completes the event passed on");
    assertEquals(0, rest.position());
    assertFalse(b.atBoundary(), "looking ahead changes nothing");
  }
}
