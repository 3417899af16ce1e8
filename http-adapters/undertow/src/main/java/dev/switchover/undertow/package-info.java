/**
 * The Undertow adapter: {@link dev.switchover.undertow.SwitchoverHttpHandler}.
 */
@NullMarked
package dev.switchover.undertow;

import org.jspecify.annotations.NullMarked;
