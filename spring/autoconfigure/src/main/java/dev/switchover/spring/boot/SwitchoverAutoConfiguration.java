package dev.switchover.spring.boot;

import dev.switchover.Router;
import dev.switchover.RoutingTable;
import dev.switchover.etcd.EtcdTableStore;
import dev.switchover.spi.TableStore;
import java.util.List;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;

/**
 * The router and its store, from {@code switchover.*} properties: a {@link TableStore} (in memory,
 * or in etcd when {@code switchover.store.etcd.endpoints} is set and switchover-etcd is on the
 * class path) holding the table the properties describe, a {@link Router} over it, and a shutdown
 * step that waits for the workspaces' requests in flight. An application's own {@link Router} or
 * {@link TableStore} bean replaces the one made here. Off with {@code switchover.enabled=false}.
 */
@AutoConfiguration
@ConditionalOnClass(Router.class)
@ConditionalOnProperty(prefix = SwitchoverProperties.PREFIX, name = "enabled", havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(SwitchoverProperties.class)
public class SwitchoverAutoConfiguration {
  /** For Spring. */
  public SwitchoverAutoConfiguration() {}

  /**
   * The router over the store; closed with the application.
   *
   * @throws org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException
   *     if {@code switchover.history-size} is less than 1
   */
  @Bean
  @ConditionalOnMissingBean
  public Router switchoverRouter(TableStore store, SwitchoverProperties properties) {
    int history = properties.getHistorySize();
    if (history < 1) {
      throw InvalidProperty.of("history-size", history, "expected at least 1 earlier table to keep");
    }
    return Router.builder().store(store).historySize(history).build();
  }

  /** Waits, when the application stops, for the workspaces' requests in flight. */
  @Bean
  SwitchoverDrain switchoverDrain(Router router, SwitchoverProperties properties) {
    return new SwitchoverDrain(router, SwitchoverDrain.checkTimeout(properties.getShutdown().getDrainTimeout()));
  }

  /** The in-memory store, unless the etcd store is configured. */
  @Configuration(proxyBeanMethods = false)
  @Conditional(InMemoryStoreCondition.class)
  static class InMemoryStoreConfiguration {
    @Bean
    @ConditionalOnMissingBean({TableStore.class, Router.class})
    TableStore switchoverTableStore(SwitchoverProperties properties) {
      List<String> endpoints = properties.getStore().getEtcd().getEndpoints();
      if (!endpoints.isEmpty()) {
        throw InvalidProperty.of(
            "store.etcd.endpoints",
            String.join(",", endpoints),
            "the etcd store needs dev.switchover:switchover-etcd on the class path; add it, or remove the endpoints to keep the table in memory");
      }
      return TableStore.inMemory(TableFromProperties.build(properties));
    }
  }

  /** The etcd store, when its endpoints are set and switchover-etcd is on the class path. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = EtcdEndpointsCondition.STORE_CLASS)
  @Conditional(EtcdEndpointsCondition.class)
  static class EtcdStoreConfiguration {
    @Bean
    @ConditionalOnMissingBean({TableStore.class, Router.class})
    EtcdTableStore switchoverTableStore(SwitchoverProperties properties) {
      RoutingTable initial = TableFromProperties.build(properties);
      SwitchoverProperties.Etcd etcd = properties.getStore().getEtcd();
      EtcdTableStore.Builder b = EtcdTableStore.builder().initialTable(initial);
      configure("store.etcd.endpoints", String.join(",", etcd.getEndpoints()), () -> b.endpoints(etcd.getEndpoints().toArray(String[]::new)));
      configure("store.etcd.key-prefix", etcd.getKeyPrefix(), () -> b.keyPrefix(etcd.getKeyPrefix()));
      configure("store.etcd.write-timeout", etcd.getWriteTimeout(), () -> b.writeTimeout(etcd.getWriteTimeout()));
      configure("store.etcd.load-timeout", etcd.getLoadTimeout(), () -> b.loadTimeout(etcd.getLoadTimeout()));
      String user = etcd.getUser();
      String password = etcd.getPassword();
      if (user != null || password != null) {
        if (user == null || password == null) {
          throw InvalidProperty.of(
              user == null ? "store.etcd.user" : "store.etcd.password", null, "give both the etcd user and its password, or neither");
        }
        configure("store.etcd.user", user, () -> b.user(user, password));
      }
      return b.build();
    }

    private static void configure(String property, Object value, Runnable setter) {
      try {
        setter.run();
      } catch (IllegalArgumentException | IllegalStateException e) {
        throw InvalidProperty.of(property, value, e.getMessage() + "");
      }
    }
  }
}
