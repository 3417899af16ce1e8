/**
 * Runnable examples: {@link dev.switchover.examples.BlueGreenDemo}, {@link
 * dev.switchover.examples.PathRoutingExample} and {@link
 * dev.switchover.examples.DomainVerificationExample}. Every server they start listens on
 * 127.0.0.1 only, and every request they send goes there.
 */
@NullMarked
package dev.switchover.examples;

import org.jspecify.annotations.NullMarked;
