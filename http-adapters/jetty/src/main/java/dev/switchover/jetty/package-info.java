/**
 * The Jetty 12 adapter: {@link dev.switchover.jetty.SwitchoverHandler}.
 */
@NullMarked
package dev.switchover.jetty;

import org.jspecify.annotations.NullMarked;
