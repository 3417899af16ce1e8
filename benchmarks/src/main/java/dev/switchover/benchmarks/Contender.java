package dev.switchover.benchmarks;

import org.jspecify.annotations.Nullable;

/**
 * One way to answer "which workspace serves this request": built from a {@link Workload}, it
 * returns the workspace name of the route that matches the host and path, or null when none does
 * (an unknown host, or a known host with no matching prefix). Answers compare with {@code
 * equals}, so that every contender can be checked against Switchover before it is timed.
 */
interface Contender {
  /**
   * The workspace for one request, or null.
   *
   * @param host the request's host as the server received it: any case, maybe {@code :port},
   *     maybe a trailing dot
   * @param path the decoded, normalized path
   */
  @Nullable String find(String host, String path);
}
