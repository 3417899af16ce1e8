package dev.switchover.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchover.Router;
import dev.switchover.WorkspaceId;
import dev.switchover.etcd.EtcdTableStore;
import dev.switchover.etcd.local.LocalEtcd;
import dev.switchover.spi.TableStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

/** With etcd endpoints set, the table lives in a real etcd member, shared by every application on it. */
final class EtcdStoreTest {
  private static LocalEtcd etcd;

  private final WebApplicationContextRunner web =
      ServletsContext.shopRunner()
          .withConfiguration(AutoConfigurations.of(SwitchoverAutoConfiguration.class, SwitchoverServletAutoConfiguration.class))
          .withPropertyValues(Shop.PROPERTIES);

  @BeforeAll
  static void startEtcd() throws Exception {
    etcd = LocalEtcd.start(1);
  }

  @AfterAll
  static void stopEtcd() {
    etcd.close();
  }

  @Test
  void endpoints_selectTheEtcdStore_andItsStateOutlivesTheApplication() {
    String endpoints = String.join(",", etcd.endpoints());
    web.withPropertyValues("switchover.store.etcd.endpoints=" + endpoints, "switchover.store.etcd.key-prefix=/spring/outlives/")
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context.getBean(TableStore.class)).isInstanceOf(EtcdTableStore.class);
              assertThat(((EtcdTableStore) context.getBean(TableStore.class)).keyPrefix()).isEqualTo("/spring/outlives/");
              Router router = context.getBean(Router.class);
              assertThat(router.resolve(Shop.DOMAIN, "/").workspace()).isEqualTo(WorkspaceId.of("blue"));
              router.promote(Shop.DOMAIN, "green");
            });
    // A second application on the same prefix reads etcd's state; its properties' table is not written over it.
    web.withPropertyValues("switchover.store.etcd.endpoints[0]=" + etcd.endpoints()[0], "switchover.store.etcd.key-prefix=/spring/outlives/")
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context.getBean(Router.class).resolve(Shop.DOMAIN, "/").workspace()).isEqualTo(WorkspaceId.of("green"));
            });
  }

  @Test
  void userWithoutPassword_failsStartupNamingTheProperty() {
    web.withPropertyValues("switchover.store.etcd.endpoints=" + String.join(",", etcd.endpoints()), "switchover.store.etcd.user=root")
        .run(context -> StartupFailures.assertNames(context, "switchover.store.etcd.password", "give both the etcd user and its password"));
  }

  @Test
  void badKeyPrefix_failsStartupNamingTheProperty() {
    web.withPropertyValues("switchover.store.etcd.endpoints=" + String.join(",", etcd.endpoints()), "switchover.store.etcd.key-prefix=/")
        .run(context -> StartupFailures.assertNames(context, "switchover.store.etcd.key-prefix", "not all of them"));
  }
}
