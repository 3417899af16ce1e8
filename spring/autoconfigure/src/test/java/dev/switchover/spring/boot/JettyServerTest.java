package dev.switchover.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.jetty.servlet.JettyServletWebServerFactory;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.web.server.servlet.ServletWebServerFactory;

/** The scenarios with Jetty as the embedded server. */
@SpringBootTest(classes = {ShopApplication.class, Servers.Jetty.class}, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
final class JettyServerTest extends ServerScenarios {
  @Autowired ServletWebServerFactory factory;

  @Test
  void theServerIsJetty() {
    assertThat(factory).isInstanceOf(JettyServletWebServerFactory.class);
  }
}
