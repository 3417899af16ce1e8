package dev.switchover.servlet;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Executor;

/**
 * At most {@code max} upstream calls under way at once, where no thread waits for them (async
 * exchanges with {@code sendAsync}): a call takes a permit when it is sent and gives it back when
 * its answer's head is in, it fails, or its exchange is abandoned; calls beyond the bound wait in
 * turn, holding no thread, and the permit a call gives back passes straight to the next, which is
 * then sent on {@code handOff} (never on the thread giving the permit back, so a run of abandoned
 * calls cannot nest). This is the bound the waiting threads' pool sets where exchanges wait on
 * threads. Thread-safe.
 */
final class SendLimit {
  private final int max;
  private final Executor handOff;
  private int inUse; // guarded by this
  private final Deque<Runnable> waiting = new ArrayDeque<>(); // guarded by this

  SendLimit(int max, Executor handOff) {
    if (max < 1) {
      throw new IllegalArgumentException("max must be at least 1, but was " + max);
    }
    this.max = max;
    this.handOff = handOff;
  }

  /**
   * Runs {@code send} now, on this thread, if a permit is free, or later, once one is. {@code
   * send} must see to it that {@link #release} is called exactly once, whatever becomes of the
   * call.
   */
  void submit(Runnable send) {
    synchronized (this) {
      if (inUse >= max) {
        waiting.addLast(send);
        return;
      }
      inUse++;
    }
    send.run();
  }

  /** Gives a permit back: to the next call waiting, if any. */
  void release() {
    Runnable next;
    synchronized (this) {
      next = waiting.pollFirst();
      if (next == null) {
        inUse--;
        return;
      }
    }
    handOff.execute(next);
  }

  /** Calls under way, holding a permit. */
  synchronized int inUse() {
    return inUse;
  }

  /** Calls waiting for a permit. */
  synchronized int waiting() {
    return waiting.size();
  }
}
