package dev.switchover.spring.boot;

import org.springframework.boot.test.context.SpringBootTest;

/** The scenarios on Spring Boot's default embedded server, Tomcat. */
@SpringBootTest(classes = ShopApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
final class TomcatServerTest extends ServerScenarios {}
