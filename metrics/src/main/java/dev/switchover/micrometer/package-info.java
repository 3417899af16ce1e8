/**
 * Switchover metrics: {@link dev.switchover.micrometer.SwitchoverMetrics}, a Micrometer binder, and
 * {@link dev.switchover.micrometer.PrometheusScrapeServlet}.
 */
@NullMarked
package dev.switchover.micrometer;

import org.jspecify.annotations.NullMarked;
