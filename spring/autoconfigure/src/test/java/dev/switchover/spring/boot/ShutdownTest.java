package dev.switchover.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchover.rawhttp.RawConnection;
import dev.switchover.rawhttp.RawResponse;
import dev.switchover.testkit.Await;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** Closing the application waits, within Spring's shutdown, for a workspace's request in flight. */
final class ShutdownTest {
  @Test
  void close_waitsForAWorkspacesRequestInFlight() throws Exception {
    ShopApplication.slowEntered = new CountDownLatch(1);
    ShopApplication.release = new CountDownLatch(1);
    // Without the container's graceful shutdown, only the drain keeps the server up for the request.
    ConfigurableApplicationContext app =
        new SpringApplicationBuilder(ShopApplication.class, Servers.Tomcat.class)
            .properties(
                "spring.config.import=classpath:shop-server.properties",
                "server.port=0",
                "server.shutdown=immediate",
                "spring.main.banner-mode=off")
            .run();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      int port = Integer.parseInt(app.getEnvironment().getProperty("local.server.port", "0"));
      SwitchoverDrain drain = app.getBean(SwitchoverDrain.class);
      Future<RawResponse> slow = pool.submit(() -> RawConnection.getOnce(port, Shop.DOMAIN, "/slow"));
      assertThat(ShopApplication.slowEntered.await(30, TimeUnit.SECONDS)).isTrue();

      Future<?> closing = pool.submit(app::close);
      Await.until("the shutdown waits for the request", drain::isWaiting, () -> "in flight: " + drain.inFlight());
      assertThat(closing.isDone()).isFalse();

      ShopApplication.release.countDown();
      closing.get(30, TimeUnit.SECONDS);
      RawResponse response = slow.get(30, TimeUnit.SECONDS);
      assertThat(response.status()).isEqualTo(200);
      assertThat(response.workspace()).isEqualTo("blue");
      assertThat(app.isActive()).isFalse();
    } finally {
      ShopApplication.release.countDown();
      app.close();
      pool.shutdownNow();
    }
  }
}
