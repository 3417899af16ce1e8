package dev.switchover.spring.boot;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;

/**
 * A two-version shop as a Spring Boot application: the servlets {@code blue-app} (v1) and {@code
 * green-app} (v2), named and mapped to no path, so that only the Switchover filter reaches them.
 * {@code /slow} waits for {@link #release} (counted in {@link #slowEntered}).
 */
@SpringBootConfiguration
@EnableAutoConfiguration
class ShopApplication {
  static volatile CountDownLatch slowEntered = new CountDownLatch(1);
  static volatile CountDownLatch release = new CountDownLatch(1);

  @Bean
  ServletRegistrationBean<ShopServlet> blueApp() {
    return named("blue-app", new ShopServlet("blue", 1));
  }

  @Bean
  ServletRegistrationBean<ShopServlet> greenApp() {
    return named("green-app", new ShopServlet("green", 2));
  }

  private static ServletRegistrationBean<ShopServlet> named(String name, ShopServlet servlet) {
    ServletRegistrationBean<ShopServlet> registration = new ServletRegistrationBean<>(servlet, false);
    registration.setName(name);
    return registration;
  }

  /** One version of the shop; names its workspace in {@code X-Workspace}. */
  static final class ShopServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    private final String workspace;
    private final int version;

    ShopServlet(String workspace, int version) {
      this.workspace = workspace;
      this.version = version;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      if (req.getRequestURI().endsWith("/slow")) {
        slowEntered.countDown();
        try {
          if (!release.await(1, TimeUnit.MINUTES)) {
            resp.sendError(500, "never released");
            return;
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          resp.sendError(500, "interrupted");
          return;
        }
      }
      resp.setHeader("X-Workspace", workspace);
      resp.setContentType("text/plain; charset=utf-8");
      resp.getWriter().print("shop v" + version + " from " + workspace + ": " + req.getRequestURI());
    }
  }
}
