/**
 * The routing model and the router: {@link dev.switchover.RoutingTable}, {@link
 * dev.switchover.Router} and the values they are made of.
 */
@NullMarked
package dev.switchover;

import org.jspecify.annotations.NullMarked;
