/**
 * A raw HTTP/1.1 client connection on a loopback socket ({@link
 * dev.switchover.rawhttp.RawConnection}), the response it reads ({@link
 * dev.switchover.rawhttp.RawResponse}), and the line and header reading that the testkit's own
 * servers share with it.
 */
@NullMarked
package dev.switchover.rawhttp;

import org.jspecify.annotations.NullMarked;
