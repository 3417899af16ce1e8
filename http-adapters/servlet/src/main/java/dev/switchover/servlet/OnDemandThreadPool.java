package dev.switchover.servlet;

import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A pool of named daemon threads that starts a thread only when no thread is idle, never more
 * than {@code maxThreads}, and ends a thread after a minute idle; past the bound, tasks wait in an
 * unbounded queue for the next free thread. So the threads started follow the peak number of tasks
 * running at once, not the number of tasks.
 *
 * <p>A plain {@link ThreadPoolExecutor} cannot do this alone: below its core size it starts a
 * thread for every task even when others are idle, and above it it queues instead of starting
 * threads. Here the core size is 0, the queue takes a task only if an idle thread is waiting for
 * it (so the pool starts a thread instead), and a task refused at the bound is queued by the
 * rejection handler.
 */
final class OnDemandThreadPool extends ThreadPoolExecutor {
  private static final long KEEP_ALIVE_SECONDS = 60;

  OnDemandThreadPool(String name, int maxThreads) {
    super(0, maxThreads, KEEP_ALIVE_SECONDS, TimeUnit.SECONDS, new HandOff(), new Named(name), OnDemandThreadPool::queue);
  }

  /** At the bound: the task waits for a thread, unless the pool is shut down. */
  private static void queue(Runnable task, ThreadPoolExecutor pool) {
    if (pool.isShutdown()) {
      throw new RejectedExecutionException("the pool is shut down");
    }
    pool.getQueue().add(task);
    // The last thread may have timed out between the refusal and the line above, and looked at
    // the queue before it left: then none would take the task. Hand it to a new thread instead.
    if (pool.getPoolSize() == 0 && pool.remove(task)) {
      pool.execute(task);
    }
  }

  /** Takes a task only if a thread is waiting for one; {@code add} queues it regardless. */
  private static final class HandOff extends LinkedTransferQueue<Runnable> {
    private static final long serialVersionUID = 1L;

    @Override
    public boolean offer(Runnable task) {
      return tryTransfer(task);
    }
  }

  /** Daemon threads named {@code <prefix>-<n>}. */
  private static final class Named implements ThreadFactory {
    private final String prefix;
    private final AtomicInteger count = new AtomicInteger();

    Named(String prefix) {
      this.prefix = prefix;
    }

    @Override
    public Thread newThread(Runnable task) {
      Thread t = new Thread(task, prefix + "-" + count.incrementAndGet());
      t.setDaemon(true);
      return t;
    }
  }
}
