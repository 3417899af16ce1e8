/**
 * JMH benchmarks of Switchover's hot path ({@code resolve}) and write path ({@code promote},
 * {@code swap}), with the structures users would otherwise route with: Jetty's, Undertow's, a list
 * of predicates as Spring Cloud Gateway scans it, and a bare {@code HashMap} as the floor. Every
 * contender is built from one {@link dev.switchover.benchmarks.Workload} and checked to give
 * Switchover's answers before it is timed.
 */
@NullMarked
package dev.switchover.benchmarks;

import org.jspecify.annotations.NullMarked;
