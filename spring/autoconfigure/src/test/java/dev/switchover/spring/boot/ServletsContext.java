package dev.switchover.spring.boot;

import jakarta.servlet.ServletRegistration;
import java.lang.reflect.Proxy;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.mock.web.MockServletContext;

/**
 * A mock servlet context in which servlets of given names are registered, as a container's would
 * be once the application's registration beans ran.
 */
final class ServletsContext extends MockServletContext {
  private final Map<String, ServletRegistration> registrations = new LinkedHashMap<>();

  ServletsContext(String... servletNames) {
    for (String name : servletNames) {
      registrations.put(
          name,
          (ServletRegistration)
              Proxy.newProxyInstance(
                  ServletRegistration.class.getClassLoader(),
                  new Class<?>[] {ServletRegistration.class},
                  (proxy, method, args) -> method.getName().equals("getName") ? name : null));
    }
  }

  /** A web context runner whose servlet context has the shop's servlets, blue-app and green-app. */
  static WebApplicationContextRunner shopRunner() {
    return new WebApplicationContextRunner()
        .withInitializer(context -> context.setServletContext(new ServletsContext("blue-app", "green-app")));
  }

  @Override
  public @Nullable ServletRegistration getServletRegistration(String servletName) {
    return registrations.get(servletName);
  }

  @Override
  public Map<String, ? extends ServletRegistration> getServletRegistrations() {
    return registrations;
  }
}
