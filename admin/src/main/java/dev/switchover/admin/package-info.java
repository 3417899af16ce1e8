/**
 * The admin API and the Domains page: {@link dev.switchover.admin.AdminApi} holds the router, the
 * tokens and the audit trail; {@link dev.switchover.admin.AdminServlet} serves them in a Jakarta
 * servlet container; {@link dev.switchover.admin.AdminServer} serves them on a listener of its own.
 */
@NullMarked
package dev.switchover.admin;

import org.jspecify.annotations.NullMarked;
