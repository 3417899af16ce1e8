package dev.switchover.spring.boot;

import jakarta.servlet.ServletContext;
import java.util.Map;
import java.util.TreeSet;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;

/**
 * Fails startup when a workspace is bound to a servlet the application does not register: the
 * filter would otherwise answer every request of that workspace with 500. It runs once every
 * singleton exists, when the embedded server has set up the servlet context (its servlets are
 * registered) but before the server takes any request.
 */
final class NamedServletsCheck implements SmartInitializingSingleton {
  private final SwitchoverProperties properties;
  private final ObjectProvider<ServletContext> servletContext;

  NamedServletsCheck(SwitchoverProperties properties, ObjectProvider<ServletContext> servletContext) {
    this.properties = properties;
    this.servletContext = servletContext;
  }

  @Override
  public void afterSingletonsInstantiated() {
    ServletContext context = servletContext.getIfAvailable();
    if (context == null) {
      return;
    }
    for (Map.Entry<String, SwitchoverProperties.Workspace> e : properties.getWorkspaces().entrySet()) {
      String servlet = e.getValue().getServlet();
      if (servlet != null && context.getServletRegistration(servlet) == null) {
        throw InvalidProperty.of(
            InvalidProperty.key("workspaces", e.getKey(), ".servlet"),
            servlet,
            "this application registers no servlet named \"" + servlet + "\"; it registers "
                + new TreeSet<>(context.getServletRegistrations().keySet())
                + " (give the workspace's ServletRegistrationBean that name)");
      }
    }
  }
}
