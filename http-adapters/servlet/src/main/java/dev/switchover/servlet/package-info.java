/**
 * The Jakarta Servlet adapter: {@link dev.switchover.servlet.SwitchoverFilter}.
 */
@NullMarked
package dev.switchover.servlet;

import org.jspecify.annotations.NullMarked;
