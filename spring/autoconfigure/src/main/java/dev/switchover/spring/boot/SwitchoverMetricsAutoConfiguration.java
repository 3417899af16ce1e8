package dev.switchover.spring.boot;

import dev.switchover.Router;
import dev.switchover.micrometer.SwitchoverMetrics;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;

/**
 * The router's counts in Micrometer, with switchover-micrometer on the class path: a {@link
 * SwitchoverMetrics} binder, which Spring Boot's metrics support binds to every meter registry it
 * configures (with Actuator: under {@code /actuator/metrics} and in the Prometheus endpoint). An
 * application's own {@link SwitchoverMetrics} bean replaces it; off with {@code
 * switchover.metrics.enabled=false}.
 */
@AutoConfiguration(after = SwitchoverAutoConfiguration.class)
@ConditionalOnClass({SwitchoverMetrics.class, io.micrometer.core.instrument.binder.MeterBinder.class})
@ConditionalOnBean(Router.class)
@ConditionalOnProperty(prefix = SwitchoverProperties.PREFIX, name = "enabled", havingValue = "true", matchIfMissing = true)
public class SwitchoverMetricsAutoConfiguration {
  /** For Spring. */
  public SwitchoverMetricsAutoConfiguration() {}

  /** The binder; closed with the application. */
  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnProperty(prefix = SwitchoverProperties.PREFIX, name = "metrics.enabled", havingValue = "true", matchIfMissing = true)
  public SwitchoverMetrics switchoverMetrics(Router router) {
    return SwitchoverMetrics.of(router);
  }
}
