package dev.switchover;

/** Why a {@link RoutingTable} revision was made. */
public enum ChangeReason {
  /** The first table, built by the host application. */
  INITIAL,
  /** A general edit through {@link Router#update}. */
  EDIT,
  /** A domain, or one path prefix of it, was pointed at a workspace. */
  PROMOTE,
  /** The routing of two hosts traded places. */
  SWAP,
  /** The routing of the revision before the last change was published again. */
  ROLLBACK,
  /** A share of a route's traffic was sent to a canary, its weight changed, or the split ended. */
  SPLIT,
  /** A domain's verification status changed (routes of a domain that lost it are removed). */
  DOMAIN_STATUS
}
