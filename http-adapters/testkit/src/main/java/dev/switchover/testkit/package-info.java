/**
 * The adapter conformance suite ({@link dev.switchover.testkit.AdapterConformanceSuite}) and its
 * parts: workspace applications, loopback upstream servers, the zero-downtime load generator, and
 * a polling helper ({@link dev.switchover.testkit.Await}). The raw HTTP/1.1 client the suite
 * sends its requests with is in {@code dev.switchover.rawhttp}, which this module requires
 * transitively.
 */
@NullMarked
package dev.switchover.testkit;

import org.jspecify.annotations.NullMarked;
