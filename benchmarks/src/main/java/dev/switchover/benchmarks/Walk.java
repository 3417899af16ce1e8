package dev.switchover.benchmarks;

/**
 * One thread's walk through a workload's requests, by index, wrapping around: what a benchmark
 * method reads per operation costs an array load, and threads start at different places. Not
 * thread-safe; one per thread.
 */
final class Walk {
  final String[] hosts;
  final String[] paths;
  final String[] baselineKeys;
  private final int mask;
  private int index;

  Walk(Workload workload) {
    hosts = workload.hosts;
    paths = workload.paths;
    baselineKeys = workload.baselineKeys;
    mask = workload.requests() - 1;
    index = Long.hashCode(Thread.currentThread().getId() * 0x9E3779B97F4A7C15L) & mask;
  }

  /** The index of the next request. */
  int next() {
    return next(0);
  }

  /** The index of the next request, moved on by {@code skip} more. */
  int next(int skip) {
    int i = (index + 1 + skip) & mask;
    index = i;
    return i;
  }
}
