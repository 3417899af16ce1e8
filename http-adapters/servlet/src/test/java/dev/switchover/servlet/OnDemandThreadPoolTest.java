package dev.switchover.servlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchover.testkit.Await;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The pool the filter proxies on: threads on demand up to a bound, then a queue. */
final class OnDemandThreadPoolTest {
  private final OnDemandThreadPool pool = new OnDemandThreadPool("test-pool", 2);

  @AfterEach
  void close() throws InterruptedException {
    pool.shutdownNow();
    assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS), "the pool ended");
  }

  @Test
  void execute_moreBlockedTasksThanTheBound_queuesTheRestAndRunsThemAll() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger done = new AtomicInteger();
    for (int i = 0; i < 5; i++) {
      pool.execute(() -> {
        try {
          release.await();
          done.incrementAndGet();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
    }
    assertEquals(2, pool.getPoolSize(), "threads: the bound, no more");
    assertEquals(3, pool.getQueue().size(), "tasks waiting for a thread");

    release.countDown();

    Await.until("all five tasks to run", () -> done.get() == 5, () -> done.get() + " ran");
    assertEquals(2, pool.getLargestPoolSize());
  }

  @Test
  void execute_oneTaskAfterAnother_reusesTheIdleThread() throws Exception {
    OnDemandThreadPool roomy = new OnDemandThreadPool("test-roomy", 8);
    try {
      LinkedTransferQueue<Runnable> queue = (LinkedTransferQueue<Runnable>) roomy.getQueue();
      for (int i = 0; i < 20; i++) {
        CountDownLatch ran = new CountDownLatch(1);
        roomy.execute(ran::countDown);
        assertTrue(ran.await(30, TimeUnit.SECONDS));
        // Once the thread waits for work again, the next task is handed to it.
        Await.until("the thread to wait for work", queue::hasWaitingConsumer, roomy::toString);
      }
      assertEquals(1, roomy.getLargestPoolSize(), roomy::toString);
    } finally {
      roomy.shutdownNow();
    }
  }

  @Test
  void execute_afterShutdown_isRejected() {
    pool.shutdown();
    assertThrows(RejectedExecutionException.class, () -> pool.execute(() -> {}));
  }

  @Test
  void threads_areNamedDaemons() throws Exception {
    Thread[] seen = new Thread[1];
    CountDownLatch ran = new CountDownLatch(1);
    pool.execute(() -> {
      seen[0] = Thread.currentThread();
      ran.countDown();
    });
    assertTrue(ran.await(30, TimeUnit.SECONDS));
    assertTrue(seen[0].isDaemon());
    assertTrue(seen[0].getName().startsWith("test-pool-"), seen[0].getName());
  }
}
