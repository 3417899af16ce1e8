/**
 * The adapter conformance suite ({@link dev.switchover.testkit.AdapterConformanceSuite}) and its
 * parts: workspace applications, loopback upstream servers, a raw HTTP/1.1 client and the
 * zero-downtime load generator.
 */
@NullMarked
package dev.switchover.testkit;

import org.jspecify.annotations.NullMarked;
