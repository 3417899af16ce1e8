package dev.switchover.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchover.DomainStatus;
import dev.switchover.Router;
import dev.switchover.RoutingTable;
import dev.switchover.WorkspaceId;
import dev.switchover.admin.AdminApi;
import dev.switchover.admin.AdminServlet;
import dev.switchover.admin.Role;
import dev.switchover.etcd.EtcdTableStore;
import dev.switchover.micrometer.SwitchoverMetrics;
import dev.switchover.servlet.SwitchoverFilter;
import dev.switchover.spi.TableStore;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Every condition and every override of the auto-configuration, on contexts without a server. */
final class SwitchoverAutoConfigurationTest {
  private static final AutoConfigurations ALL =
      AutoConfigurations.of(
          SwitchoverAutoConfiguration.class,
          SwitchoverServletAutoConfiguration.class,
          SwitchoverMetricsAutoConfiguration.class);

  private final WebApplicationContextRunner web =
      ServletsContext.shopRunner().withConfiguration(ALL).withPropertyValues(Shop.PROPERTIES);

  @Test
  void properties_makeTheRouterOverAnInMemoryStore() {
    web.run(
        context -> {
          assertThat(context).hasNotFailed().hasSingleBean(Router.class).hasSingleBean(TableStore.class);
          assertThat(context.getBean(TableStore.class)).isNotInstanceOf(EtcdTableStore.class);
          Router router = context.getBean(Router.class);
          assertThat(router.resolve("Shop.Localhost:8080", "/cart").workspace()).isEqualTo(WorkspaceId.of("blue"));
          assertThat(router.resolve(Shop.DOMAIN, "/api/products").workspace()).isEqualTo(WorkspaceId.of("green"));
          assertThat(router.resolve(Shop.GREEN_PREVIEW, "/").workspace()).isEqualTo(WorkspaceId.of("green"));
          assertThat(router.current().domainStatus(dev.switchover.HostName.parse(Shop.DOMAIN))).contains(DomainStatus.VERIFIED);
          assertThat(context).hasSingleBean(SwitchoverDrain.class);
        });
  }

  @Test
  void historySize_isTheRoutersHistory() {
    web.withPropertyValues("switchover.history-size=2")
        .run(
            context -> {
              Router router = context.getBean(Router.class);
              router.promote(Shop.DOMAIN, "green");
              router.promote(Shop.DOMAIN, "blue");
              router.promote(Shop.DOMAIN, "green");
              assertThat(router.history()).hasSize(2);
            });
  }

  @Test
  void filter_isRegisteredOnEveryPathAtTheDefaultOrder() {
    web.run(
        context -> {
          FilterRegistrationBean<?> registration = filterRegistration(context.getBean(SwitchoverServletAutoConfiguration.FILTER_NAME));
          assertThat(registration.getFilter()).isInstanceOf(SwitchoverFilter.class);
          assertThat(registration.getOrder()).isEqualTo(SwitchoverProperties.DEFAULT_FILTER_ORDER);
          assertThat(registration.getUrlPatterns()).containsExactly("/*");
          assertThat(registration.isAsyncSupported()).isTrue();
        });
  }

  @Test
  void filterOrderAndPatterns_comeFromProperties() {
    web.withPropertyValues("switchover.filter.order=7", "switchover.filter.url-patterns=/shop/*,/api/*")
        .run(
            context -> {
              FilterRegistrationBean<?> registration = filterRegistration(context.getBean(SwitchoverServletAutoConfiguration.FILTER_NAME));
              assertThat(registration.getOrder()).isEqualTo(7);
              assertThat(registration.getUrlPatterns()).containsExactly("/shop/*", "/api/*");
            });
  }

  @Test
  void filterDisabled_registersNoFilter() {
    web.withPropertyValues("switchover.filter.enabled=false")
        .run(context -> assertThat(context).hasNotFailed().hasSingleBean(Router.class).doesNotHaveBean(SwitchoverServletAutoConfiguration.FILTER_NAME));
  }

  @Test
  void switchoverDisabled_configuresNothing() {
    web.withPropertyValues("switchover.enabled=false")
        .run(
            context ->
                assertThat(context)
                    .hasNotFailed()
                    .doesNotHaveBean(Router.class)
                    .doesNotHaveBean(TableStore.class)
                    .doesNotHaveBean(SwitchoverServletAutoConfiguration.FILTER_NAME)
                    .doesNotHaveBean(SwitchoverMetrics.class));
  }

  @Test
  void notAWebApplication_getsTheRouterButNoFilter() {
    new ApplicationContextRunner()
        .withConfiguration(ALL)
        .withPropertyValues(Shop.PROPERTIES)
        .run(
            context ->
                assertThat(context)
                    .hasNotFailed()
                    .hasSingleBean(Router.class)
                    .doesNotHaveBean(SwitchoverServletAutoConfiguration.FILTER_NAME)
                    .doesNotHaveBean(FilterRegistrationBean.class));
  }

  @Test
  void withoutTheServletModule_registersNoFilter() {
    web.withClassLoader(new FilteredClassLoader(SwitchoverFilter.class))
        .run(context -> assertThat(context).hasNotFailed().hasSingleBean(Router.class).doesNotHaveBean(SwitchoverServletAutoConfiguration.FILTER_NAME));
  }

  @Test
  void applicationsRouter_replacesTheAutoConfiguredOne_andNoStoreIsMade() {
    web.withUserConfiguration(OwnRouter.class)
        .run(
            context -> {
              assertThat(context).hasSingleBean(Router.class).doesNotHaveBean(TableStore.class);
              assertThat(context.getBean(Router.class)).isSameAs(context.getBean(OwnRouter.class).router);
              // The filter and the binder are built on the application's router.
              assertThat(context).hasBean(SwitchoverServletAutoConfiguration.FILTER_NAME).hasSingleBean(SwitchoverMetrics.class);
            });
  }

  @Test
  void applicationsStore_isTheRoutersStore() {
    web.withUserConfiguration(OwnStore.class)
        .run(
            context -> {
              assertThat(context).hasSingleBean(TableStore.class);
              assertThat(context.getBean(Router.class).current()).isEqualTo(OwnStore.TABLE);
            });
  }

  @Test
  void applicationsFilterBean_replacesTheRegistration() {
    web.withUserConfiguration(OwnFilter.class)
        .run(
            context ->
                assertThat(context)
                    .hasNotFailed()
                    .hasSingleBean(SwitchoverFilter.class)
                    .doesNotHaveBean(SwitchoverServletAutoConfiguration.FILTER_NAME));
  }

  @Test
  void applicationsFilterRegistration_replacesTheRegistration() {
    web.withUserConfiguration(OwnFilterRegistration.class)
        .run(
            context -> {
              assertThat(context).hasNotFailed().doesNotHaveBean(SwitchoverServletAutoConfiguration.FILTER_NAME);
              assertThat(context.getBeansOfType(FilterRegistrationBean.class)).containsOnlyKeys("ownRegistration");
            });
  }

  @Test
  void withoutTokens_noAdminServlet() {
    web.run(
        context ->
            assertThat(context)
                .hasNotFailed()
                .doesNotHaveBean(AdminApi.class)
                .doesNotHaveBean(SwitchoverServletAutoConfiguration.ADMIN_SERVLET_NAME));
  }

  @Test
  void withTokens_theAdminServletIsMountedAtItsPath() {
    web.withPropertyValues(Shop.ADMIN_TOKENS)
        .withPropertyValues("switchover.admin.path=/ops/switchover")
        .run(
            context -> {
              assertThat(context).hasNotFailed().hasSingleBean(AdminApi.class);
              assertThat(context.getBean(AdminApi.class).requiresTokens()).isTrue();
              ServletRegistrationBean<?> registration = servletRegistration(context.getBean(SwitchoverServletAutoConfiguration.ADMIN_SERVLET_NAME));
              assertThat(registration.getServlet()).isInstanceOf(AdminServlet.class);
              assertThat(registration.getUrlMappings()).containsExactly("/ops/switchover/*");
            });
  }

  @Test
  void adminDisabled_mountsNothing() {
    web.withPropertyValues(Shop.ADMIN_TOKENS)
        .withPropertyValues("switchover.admin.enabled=false")
        .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(AdminApi.class).doesNotHaveBean(SwitchoverServletAutoConfiguration.ADMIN_SERVLET_NAME));
  }

  @Test
  void withoutTheAdminModule_mountsNothing() {
    web.withPropertyValues(Shop.ADMIN_TOKENS)
        .withClassLoader(new FilteredClassLoader(AdminServlet.class))
        .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(SwitchoverServletAutoConfiguration.ADMIN_SERVLET_NAME));
  }

  @Test
  void applicationsAdminApi_isServed() {
    web.withUserConfiguration(OwnAdminApi.class)
        .run(
            context -> {
              assertThat(context).hasSingleBean(AdminApi.class);
              assertThat(context.getBean(AdminApi.class)).isSameAs(context.getBean(OwnAdminApi.class).api);
              assertThat(context).hasBean(SwitchoverServletAutoConfiguration.ADMIN_SERVLET_NAME);
            });
  }

  @Test
  void applicationsAdminServletRegistration_replacesTheMount() {
    web.withPropertyValues(Shop.ADMIN_TOKENS)
        .withUserConfiguration(OwnAdminServletRegistration.class)
        .run(
            context ->
                assertThat(servletRegistration(context.getBean(SwitchoverServletAutoConfiguration.ADMIN_SERVLET_NAME)).getUrlMappings())
                    .containsExactly("/elsewhere/*"));
  }

  @Test
  void metricsBinder_isMade_unlessDisabledOrMissing() {
    web.run(context -> assertThat(context).hasSingleBean(SwitchoverMetrics.class));
    web.withPropertyValues("switchover.metrics.enabled=false").run(context -> assertThat(context).doesNotHaveBean(SwitchoverMetrics.class));
    web.withClassLoader(new FilteredClassLoader(SwitchoverMetrics.class)).run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(SwitchoverMetrics.class));
  }

  @Test
  void applicationsMetricsBinder_replacesTheAutoConfiguredOne() {
    web.withUserConfiguration(OwnMetrics.class)
        .run(context -> assertThat(context.getBean(SwitchoverMetrics.class)).isSameAs(context.getBean(OwnMetrics.class).metrics));
  }

  @Test
  void etcdEndpointsWithoutTheEtcdModule_failStartupNamingTheProperty() {
    web.withPropertyValues("switchover.store.etcd.endpoints=http://127.0.0.1:1")
        .withClassLoader(new FilteredClassLoader(EtcdTableStore.class))
        .run(
            context ->
                StartupFailures.assertNames(
                    context, "switchover.store.etcd.endpoints", "switchover-etcd on the class path"));
  }

  private static FilterRegistrationBean<?> filterRegistration(Object bean) {
    assertThat(bean).isInstanceOf(FilterRegistrationBean.class);
    return (FilterRegistrationBean<?>) bean;
  }

  private static ServletRegistrationBean<?> servletRegistration(Object bean) {
    assertThat(bean).isInstanceOf(ServletRegistrationBean.class);
    return (ServletRegistrationBean<?>) bean;
  }

  static RoutingTable ownTable() {
    return RoutingTable.builder()
        .workspace("own")
        .domain("own.localhost", DomainStatus.VERIFIED)
        .route("own.localhost", "/", "own")
        .build();
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnRouter {
    final Router router = Router.create(ownTable());

    @Bean
    Router router() {
      return router;
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnStore {
    static final RoutingTable TABLE = ownTable();

    @Bean
    TableStore store() {
      return TableStore.inMemory(TABLE);
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnFilter {
    @Bean
    SwitchoverFilter ownFilter(Router router) {
      return SwitchoverFilter.builder(router).build();
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnFilterRegistration {
    @Bean
    FilterRegistrationBean<SwitchoverFilter> ownRegistration(Router router) {
      return new FilterRegistrationBean<>(SwitchoverFilter.builder(router).build());
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnAdminApi {
    final AdminApi api = AdminApi.builder().router(Router.create(ownTable())).token("own", Role.OPERATOR, Shop.OPERATOR_SECRET).build();

    @Bean
    AdminApi adminApi() {
      return api;
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnAdminServletRegistration {
    @Bean(SwitchoverServletAutoConfiguration.ADMIN_SERVLET_NAME)
    ServletRegistrationBean<AdminServlet> adminServlet(AdminApi api) {
      return new ServletRegistrationBean<>(new AdminServlet(api), "/elsewhere/*");
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnMetrics {
    final SwitchoverMetrics metrics = SwitchoverMetrics.of(Router.create(ownTable()));

    @Bean
    SwitchoverMetrics metrics() {
      return metrics;
    }
  }
}
