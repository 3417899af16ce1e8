package dev.switchover.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.servlet.ServletWebServerFactory;

/** The scenarios on Spring Boot's default embedded server, Tomcat. */
@SpringBootTest(classes = {ShopApplication.class, Servers.Tomcat.class}, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
final class TomcatServerTest extends ServerScenarios {
  @Autowired ServletWebServerFactory factory;

  @Test
  void theServerIsTomcat() {
    assertThat(factory).isInstanceOf(TomcatServletWebServerFactory.class);
  }
}
