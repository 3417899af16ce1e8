package dev.switchover.servlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;

final class SendLimitTest {
  private final Deque<Runnable> handedOff = new ArrayDeque<>();
  private final SendLimit limit = new SendLimit(2, handedOff::addLast);
  private final List<String> sent = new ArrayList<>();

  @Test
  void submit_belowTheBound_sendsAtOnceOnThisThread() {
    limit.submit(() -> sent.add("a"));
    limit.submit(() -> sent.add("b"));

    assertEquals(List.of("a", "b"), sent);
    assertEquals(2, limit.inUse());
    assertEquals(0, limit.waiting());
  }

  @Test
  void submit_atTheBound_waitsWithoutSending() {
    limit.submit(() -> sent.add("a"));
    limit.submit(() -> sent.add("b"));
    limit.submit(() -> sent.add("c"));

    assertEquals(List.of("a", "b"), sent);
    assertEquals(1, limit.waiting());
  }

  @Test
  void release_withCallsWaiting_passesThePermitToTheFirst_onTheHandOff() {
    limit.submit(() -> sent.add("a"));
    limit.submit(() -> sent.add("b"));
    limit.submit(() -> sent.add("c"));
    limit.submit(() -> sent.add("d"));

    limit.release();

    assertEquals(List.of("a", "b"), sent, "not on the releasing thread");
    assertEquals(1, handedOff.size());
    handedOff.removeFirst().run();
    assertEquals(List.of("a", "b", "c"), sent);
    assertEquals(2, limit.inUse(), "the permit passed on");
    assertEquals(1, limit.waiting());
  }

  @Test
  void release_withNoneWaiting_freesAPermit() {
    limit.submit(() -> sent.add("a"));
    limit.submit(() -> sent.add("b"));

    limit.release();
    limit.submit(() -> sent.add("c"));

    assertEquals(List.of("a", "b", "c"), sent);
    assertEquals(2, limit.inUse());
    assertEquals(0, handedOff.size());
  }

  @Test
  void newLimit_boundBelowOne_isRefused() {
    assertThrows(IllegalArgumentException.class, () -> new SendLimit(0, Runnable::run));
  }
}
