package dev.switchover.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchover.Admission;
import dev.switchover.DomainStatus;
import dev.switchover.Router;
import dev.switchover.RoutingTable;
import dev.switchover.testkit.Await;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.context.SmartLifecycle;

/** The shutdown step waits for the workspaces' requests in flight, up to its timeout. */
final class SwitchoverDrainTest {
  private final Router router =
      Router.create(
          RoutingTable.builder()
              .workspace("blue")
              .domain(Shop.DOMAIN, DomainStatus.VERIFIED)
              .route(Shop.DOMAIN, "/", "blue")
              .build());

  @Test
  void stop_waitsForTheRequestInFlight() throws Exception {
    SwitchoverDrain drain = new SwitchoverDrain(router, Duration.ofMinutes(5));
    drain.start();
    Admission request = router.admit(Shop.DOMAIN, "/");
    Thread stopping = new Thread(drain::stop, "stopping");
    stopping.start();
    Await.until("the drain waits", drain::isWaiting, () -> "in flight: " + drain.inFlight());
    assertThat(stopping.isAlive()).isTrue();
    assertThat(drain.isRunning()).isTrue();

    request.close();
    stopping.join(TimeUnit.SECONDS.toMillis(30));
    assertThat(stopping.isAlive()).isFalse();
    assertThat(drain.isRunning()).isFalse();
  }

  @Test
  void stop_withNothingInFlight_returnsAtOnce() {
    SwitchoverDrain drain = new SwitchoverDrain(router, Duration.ofMinutes(5));
    drain.start();
    drain.stop();
    assertThat(drain.isRunning()).isFalse();
  }

  @Test
  void stop_givesUpAfterItsTimeout() {
    SwitchoverDrain drain = new SwitchoverDrain(router, Duration.ZERO);
    drain.start();
    try (Admission request = router.admit(Shop.DOMAIN, "/")) {
      drain.stop();
      assertThat(drain.isRunning()).isFalse();
      assertThat(drain.inFlight()).isEqualTo(1);
      assertThat(request.isRouted()).isTrue();
    }
  }

  @Test
  void phase_isBetweenGracefulShutdownAndTheWebServersStop() {
    // Spring Boot's phases: graceful shutdown at DEFAULT_PHASE - 1024, the web server's stop at - 2048.
    assertThat(SwitchoverDrain.PHASE)
        .isLessThan(SmartLifecycle.DEFAULT_PHASE - 1024)
        .isGreaterThan(SmartLifecycle.DEFAULT_PHASE - 2048);
  }
}
