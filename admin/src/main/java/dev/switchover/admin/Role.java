package dev.switchover.admin;

/** What the holder of an admin token may do. */
public enum Role {
  /** Read the table, the domains, the workspaces and the history; write nothing. */
  READ_ONLY,
  /** Everything a read-only token may do, and every write: promote, swap, rollback, domains. */
  OPERATOR;

  /** Whether this role may change the routing or the domains. */
  boolean mayWrite() {
    return this == OPERATOR;
  }
}
