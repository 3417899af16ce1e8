package dev.switchover.spring.boot;

import org.springframework.boot.jetty.servlet.JettyServletWebServerFactory;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The embedded server of a test, chosen by a factory bean: with Tomcat and Jetty both on the test
 * class path, Spring Boot's own choice between them is not to be relied on.
 */
final class Servers {
  private Servers() {}

  @Configuration(proxyBeanMethods = false)
  static class Tomcat {
    @Bean
    TomcatServletWebServerFactory tomcat() {
      return new TomcatServletWebServerFactory();
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class Jetty {
    @Bean
    JettyServletWebServerFactory jetty() {
      return new JettyServletWebServerFactory();
    }
  }
}
