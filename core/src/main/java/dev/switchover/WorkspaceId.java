package dev.switchover;

import static com.google.common.base.Preconditions.checkNotNull;

import org.jspecify.annotations.Nullable;

/**
 * The name of a workspace: one running version of an application, such as {@code blue}, {@code
 * green} or {@code shop-v42}.
 *
 * <p>Core never talks to a workspace; an adapter binds the id to a handler or to upstream
 * addresses. A name is 1 to 64 characters of ASCII lower-case letters, digits, {@code -}, {@code
 * _} and {@code .}, and starts with a letter or a digit. Instances are immutable and thread-safe.
 *
 * <pre>{@code
 * WorkspaceId green = WorkspaceId.of("green");
 * }</pre>
 */
public final class WorkspaceId implements Comparable<WorkspaceId> {
  static final int MAX_LENGTH = 64;

  private final String name;

  private WorkspaceId(String name) {
    this.name = name;
  }

  /**
   * Returns the workspace id with this name.
   *
   * @throws IllegalArgumentException if the name breaks the rules above; the message names the
   *     value and the rule
   */
  public static WorkspaceId of(String name) {
    checkNotNull(name, "name");
    if (name.isEmpty() || name.length() > MAX_LENGTH) {
      throw new IllegalArgumentException(
          "workspace id \""
              + name
              + "\" must be 1 to "
              + MAX_LENGTH
              + " characters long, but has "
              + name.length());
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
      if (!alnum && (i == 0 || (c != '-' && c != '_' && c != '.'))) {
        throw new IllegalArgumentException(
            "workspace id \""
                + name
                + "\" may contain only a-z, 0-9, '-', '_' and '.', and must start with a-z or 0-9;"
                + " found '"
                + c
                + "' at index "
                + i);
      }
    }
    return new WorkspaceId(name);
  }

  /** The name, as given to {@link #of}. */
  public String name() {
    return name;
  }

  @Override
  public int compareTo(WorkspaceId other) {
    return name.compareTo(other.name);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof WorkspaceId other && other.name.equals(name);
  }

  @Override
  public int hashCode() {
    return name.hashCode();
  }

  /** The name. */
  @Override
  public String toString() {
    return name;
  }
}
