package dev.switchover;

/**
 * A write expected one revision of the routing table but found another; nothing was changed.
 * Read the current table and try again if the change still makes sense.
 */
public final class RevisionConflictException extends SwitchoverException {
  private static final long serialVersionUID = 1L;

  private final long expectedRevision;
  private final long actualRevision;

  /** A conflict between the revision a writer expected and the one it found. */
  public RevisionConflictException(long expectedRevision, long actualRevision) {
    super(
        "revision conflict: expected revision "
            + expectedRevision
            + " but the current revision is "
            + actualRevision
            + "; nothing was changed");
    this.expectedRevision = expectedRevision;
    this.actualRevision = actualRevision;
  }

  /** The revision the writer expected to replace. */
  public long expectedRevision() {
    return expectedRevision;
  }

  /** The revision that was current instead. */
  public long actualRevision() {
    return actualRevision;
  }
}
