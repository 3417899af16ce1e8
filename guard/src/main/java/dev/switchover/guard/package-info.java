/**
 * Guarded releases: {@link dev.switchover.guard.GuardedRelease} runs {@link
 * dev.switchover.guard.Probe}s against the target workspace, switches, watches the workspace's
 * request counts and probes for a window, and rolls back when they fail.
 */
@NullMarked
package dev.switchover.guard;

import org.jspecify.annotations.NullMarked;
