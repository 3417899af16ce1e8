/**
 * Spring Boot auto-configuration for Switchover: {@link
 * dev.switchover.spring.boot.SwitchoverProperties} binds the {@code switchover.*} properties;
 * {@link dev.switchover.spring.boot.SwitchoverAutoConfiguration} makes the router and its store,
 * {@link dev.switchover.spring.boot.SwitchoverServletAutoConfiguration} the servlet filter and the
 * admin servlet, {@link dev.switchover.spring.boot.SwitchoverMetricsAutoConfiguration} the
 * Micrometer binder. Each bean gives way to one of the application's own.
 */
@NullMarked
package dev.switchover.spring.boot;

import org.jspecify.annotations.NullMarked;
