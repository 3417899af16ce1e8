package dev.switchover.bench.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchover.Router;
import dev.switchover.WorkspaceId;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The admin endpoint's answers, without a server: {@link SwitchAdmin#answer}. */
final class SwitchAdminTest {
  private final Router router = SwitchAdmin.newRouter();
  private final SwitchAdmin.Releases releases = new SwitchAdmin.Releases(router);

  @Test
  void switch_promotesAndSaysWhen() {
    SwitchAdmin.Answer answer = SwitchAdmin.answer("to=green", releases);
    assertEquals(200, answer.status(), answer.body());
    assertTrue(answer.body().startsWith("revision=2 promote_ns="), answer.body());
    assertTrue(answer.body().contains(" started_ns="), answer.body());
    assertTrue(answer.body().endsWith(" prepared=0"), answer.body());
    assertEquals(WorkspaceId.of("green"), router.resolve(SwitchAdmin.HOST, "/").workspace());
  }

  @Test
  void preparedSwitches_commitWhatWasPreparedAfterTheSwitchBefore() throws Exception {
    // Nothing is prepared before the first switch: it promotes directly, then prepares the way back.
    SwitchAdmin.Answer first = SwitchAdmin.answer("to=green&prepared", releases);
    assertTrue(first.body().endsWith(" prepared=0"), first.body());
    awaitPrepared("blue");

    SwitchAdmin.Answer second = SwitchAdmin.answer("to=blue&prepared", releases);
    assertEquals(200, second.status(), second.body());
    assertTrue(second.body().startsWith("revision=3 "), second.body());
    assertTrue(second.body().endsWith(" prepared=1"), second.body());
    assertEquals(WorkspaceId.of("blue"), router.resolve(SwitchAdmin.HOST, "/").workspace());
    awaitPrepared("green");

    // Out of turn (green is prepared, blue is asked): promoted directly, nothing stale committed.
    SwitchAdmin.Answer outOfTurn = SwitchAdmin.answer("to=blue&prepared", releases);
    assertEquals(200, outOfTurn.status(), outOfTurn.body());
    assertTrue(outOfTurn.body().endsWith(" prepared=0"), outOfTurn.body());
    assertEquals(WorkspaceId.of("blue"), router.resolve(SwitchAdmin.HOST, "/").workspace());
  }

  @Test
  void badRequests_areRefusedAndChangeNothing() {
    assertEquals(400, SwitchAdmin.answer(null, releases).status());
    assertEquals(400, SwitchAdmin.answer("from=green", releases).status());
    SwitchAdmin.Answer unknown = SwitchAdmin.answer("to=purple", releases);
    assertEquals(409, unknown.status());
    assertTrue(unknown.body().contains("purple"), unknown.body());
    assertEquals(1, router.current().revision());
  }

  /** Waits until the endpoint's preparer, which runs a fixed delay after a switch, has prepared {@code to}. */
  private void awaitPrepared(String to) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!to.equals(releases.preparedFor())) {
      assertTrue(System.nanoTime() < deadline, "nothing prepared for " + to + " within 10 s");
      TimeUnit.MILLISECONDS.sleep(10);
    }
  }
}
