package dev.switchover;

import com.google.common.collect.ImmutableList;
import java.util.List;

/**
 * A routing table failed validation and was not built (so it was never published): a route for a
 * domain that is not verified, a route to an undeclared workspace, a preview host outside the
 * preview suffix. The message lists every problem found.
 */
public final class InvalidTableException extends SwitchoverException {
  private static final long serialVersionUID = 1L;

  private final ImmutableList<String> problems;

  /** An exception listing these problems, one sentence each. */
  public InvalidTableException(List<String> problems) {
    super("invalid routing table: " + String.join("; ", problems));
    this.problems = ImmutableList.copyOf(problems);
  }

  /** The problems found, one sentence each. */
  public List<String> problems() {
    return problems;
  }
}
