package dev.switchover.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Checks that a contender gives Switchover's answers on a workload, so that no contender is timed
 * doing less (or other) work than Switchover. Used by every benchmark's setup, before anything is
 * timed, and by the agreement test.
 */
final class Agreement {
  private static final int SHOWN = 10;

  private Agreement() {}

  /** Switchover's answer to every request of the workload, in request order. */
  static final class Answers {
    private final @Nullable String[] answers;

    Answers(Workload workload, SwitchoverContender switchover) {
      answers = new String[workload.requests()];
      for (int i = 0; i < answers.length; i++) {
        answers[i] = switchover.find(workload.hosts[i], workload.paths[i]);
      }
    }

    /** The workspace Switchover answers for request {@code i}, or null for none. */
    @Nullable String get(int i) {
      return answers[i];
    }
  }

  /**
   * Checks the first {@code limit} requests of the workload.
   *
   * @throws IllegalStateException naming the first disagreements, if there are any
   */
  static void check(String name, Workload workload, Answers expected, Contender contender, int limit) {
    List<String> problems = new ArrayList<>();
    int n = Math.min(limit, workload.requests());
    for (int i = 0; i < n; i++) {
      String answer = contender.find(workload.hosts[i], workload.paths[i]);
      if (!Objects.equals(answer, expected.get(i))) {
        problems.add(workload.hosts[i] + workload.paths[i] + ": switchover " + expected.get(i) + ", " + name + " " + answer);
      }
    }
    fail(name, workload, problems);
  }

  /**
   * Checks the {@code hashMapBaseline}, which answers an easier question (the host alone, from a
   * key already lower-cased): it must find exactly the requests Switchover routes.
   */
  static void checkBaseline(Workload workload, Answers expected, Map<String, String> baseline) {
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < workload.requests(); i++) {
      boolean found = baseline.get(workload.baselineKeys[i]) != null;
      if (found != (expected.get(i) != null)) {
        problems.add(workload.hosts[i] + workload.paths[i] + ": switchover " + expected.get(i) + ", baseline found "
            + workload.baselineKeys[i] + " " + found);
      }
    }
    fail("hashMapBaseline", workload, problems);
  }

  private static void fail(String name, Workload workload, List<String> problems) {
    if (!problems.isEmpty()) {
      throw new IllegalStateException(
          name + " disagrees with switchover on " + problems.size() + " requests of " + workload + ", such as "
              + problems.subList(0, Math.min(SHOWN, problems.size())));
    }
  }
}
