package dev.switchover.spring.boot;

import dev.switchover.CanaryKey;
import dev.switchover.Router;
import dev.switchover.WorkspaceId;
import dev.switchover.admin.AdminApi;
import dev.switchover.admin.AdminServlet;
import dev.switchover.admin.Role;
import dev.switchover.servlet.SwitchoverFilter;
import jakarta.servlet.ServletContext;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;

/**
 * The servlet side, in a servlet web application: the {@link SwitchoverFilter} registered on
 * {@code /*} at {@code switchover.filter.order}, each workspace bound to a named servlet of the
 * application or to upstream servers; and, when admin tokens are configured, the admin API and the
 * Domains page ({@link AdminServlet}) under {@code switchover.admin.path}. An application's own
 * {@link SwitchoverFilter} bean (or its registration bean) replaces the filter registered here,
 * and its own {@link AdminApi} bean is served in place of the one made from the properties.
 */
@AutoConfiguration(after = SwitchoverAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(name = "jakarta.servlet.Filter")
@ConditionalOnBean(Router.class)
@ConditionalOnProperty(prefix = SwitchoverProperties.PREFIX, name = "enabled", havingValue = "true", matchIfMissing = true)
public class SwitchoverServletAutoConfiguration {
  /** The name of the filter's registration, and of the filter in the container. */
  public static final String FILTER_NAME = "switchoverFilter";

  /** The name of the admin servlet's registration, and of the servlet in the container. */
  public static final String ADMIN_SERVLET_NAME = "switchoverAdminServlet";

  /** For Spring. */
  public SwitchoverServletAutoConfiguration() {}

  /** The filter, with switchover-servlet on the class path. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(SwitchoverFilter.class)
  @ConditionalOnProperty(prefix = SwitchoverProperties.PREFIX, name = "filter.enabled", havingValue = "true", matchIfMissing = true)
  static class FilterConfiguration {
    @Bean(FILTER_NAME)
    @ConditionalOnMissingBean(value = SwitchoverFilter.class, parameterizedContainer = FilterRegistrationBean.class)
    FilterRegistrationBean<SwitchoverFilter> switchoverFilter(Router router, SwitchoverProperties properties) {
      SwitchoverProperties.Filter f = properties.getFilter();
      SwitchoverFilter filter = filter(router, properties);
      List<String> patterns = f.getUrlPatterns();
      if (patterns.isEmpty()) {
        throw InvalidProperty.of("filter.url-patterns", "", "expected at least one URL pattern, such as /*");
      }
      FilterRegistrationBean<SwitchoverFilter> registration = new FilterRegistrationBean<>(filter);
      registration.setName(FILTER_NAME);
      registration.setOrder(f.getOrder());
      registration.setUrlPatterns(patterns);
      // Upstream exchanges go asynchronous; a forward to a named servlet is a FORWARD dispatch,
      // which the filter, mapped to REQUEST only, does not see again.
      registration.setAsyncSupported(true);
      return registration;
    }

    @Bean
    @ConditionalOnBean(name = FILTER_NAME)
    NamedServletsCheck switchoverNamedServletsCheck(SwitchoverProperties properties, ObjectProvider<ServletContext> servletContext) {
      return new NamedServletsCheck(properties, servletContext);
    }

    private static SwitchoverFilter filter(Router router, SwitchoverProperties properties) {
      SwitchoverFilter.Builder b = SwitchoverFilter.builder(router);
      for (Map.Entry<String, SwitchoverProperties.Workspace> e : properties.getWorkspaces().entrySet()) {
        String name = e.getKey();
        String servlet = e.getValue().getServlet();
        List<URI> upstream = e.getValue().getUpstream();
        String at = InvalidProperty.key("workspaces", name, "");
        if (servlet != null && !upstream.isEmpty()) {
          throw InvalidProperty.of(at, servlet + ", " + upstream, "bind a workspace to a servlet or to upstream servers, not both");
        }
        try {
          if (servlet != null) {
            b.servlet(name, servlet);
          } else if (!upstream.isEmpty()) {
            b.upstream(WorkspaceId.of(name), upstream);
          }
        } catch (IllegalArgumentException | IllegalStateException ex) {
          String property = servlet != null ? at + ".servlet" : at + ".upstream";
          throw InvalidProperty.of(property, servlet != null ? servlet : upstream, ex.getMessage() + "");
        }
      }
      SwitchoverProperties.Filter f = properties.getFilter();
      if (f.getUnknownHost() == SwitchoverProperties.UnknownHost.CHAIN) {
        b.unknownHostToChain();
      }
      set("filter.retry-after", f.getRetryAfter(), () -> b.retryAfter(f.getRetryAfter()));
      set("filter.upstream-timeout", f.getUpstreamTimeout(), () -> b.upstreamTimeout(f.getUpstreamTimeout()));
      set("filter.upstream-threads", f.getUpstreamThreads(), () -> b.upstreamThreads(f.getUpstreamThreads()));
      b.decodeEncodedSeparators(f.getEncodedSeparators() == SwitchoverProperties.EncodedSeparators.DECODE);
      set("filter.canary-key", f.getCanaryKey(), () -> b.canaryKey(CanaryKey.parse(f.getCanaryKey())));
      return b.build();
    }
  }

  /** The admin API and page, with switchover-admin on the class path. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(AdminServlet.class)
  @ConditionalOnProperty(prefix = SwitchoverProperties.PREFIX, name = "admin.enabled", havingValue = "true", matchIfMissing = true)
  static class AdminConfiguration {
    @Bean
    @ConditionalOnMissingBean
    @Conditional(AdminTokensCondition.class)
    AdminApi switchoverAdminApi(Router router, SwitchoverProperties properties) {
      AdminApi.Builder b = AdminApi.builder().router(router);
      for (Map.Entry<String, SwitchoverProperties.Token> e : properties.getAdmin().getTokens().entrySet()) {
        String at = InvalidProperty.key("admin.tokens", e.getKey(), "");
        SwitchoverProperties.Token t = e.getValue();
        String secret = t.getSecret();
        if (secret == null) {
          throw InvalidProperty.of(at + ".secret", null, "every token needs a secret of at least 24 visible ASCII characters");
        }
        Role role = t.getRole() == SwitchoverProperties.TokenRole.OPERATOR ? Role.OPERATOR : Role.READ_ONLY;
        try {
          b.token(e.getKey(), role, secret);
        } catch (IllegalArgumentException ex) {
          // The secret is never echoed: the failure message ends up in logs.
          throw InvalidProperty.of(at + ".secret", "(hidden)", ex.getMessage() + "");
        }
      }
      return b.build();
    }

    @Bean(ADMIN_SERVLET_NAME)
    @ConditionalOnBean(AdminApi.class)
    @ConditionalOnMissingBean(name = ADMIN_SERVLET_NAME)
    ServletRegistrationBean<AdminServlet> switchoverAdminServlet(AdminApi api, SwitchoverProperties properties) {
      String path = properties.getAdmin().getPath();
      if (!path.startsWith("/") || path.endsWith("/") || path.contains("*") || path.contains("//") || path.chars().anyMatch(c -> c <= ' ' || c >= 0x7f)) {
        throw InvalidProperty.of(
            "admin.path", path, "expected a path such as /switchover: starting with /, without a trailing /, *, // or spaces, and not the root");
      }
      ServletRegistrationBean<AdminServlet> registration = new ServletRegistrationBean<>(new AdminServlet(api), path + "/*");
      registration.setName(ADMIN_SERVLET_NAME);
      return registration;
    }
  }

  private static void set(String property, Object value, Runnable setter) {
    try {
      setter.run();
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw InvalidProperty.of(property, value, e.getMessage() + "");
    }
  }
}
