package dev.switchover.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchover.Admission;
import dev.switchover.DomainStatus;
import dev.switchover.HostName;
import dev.switchover.PathPrefix;
import dev.switchover.RevisionConflictException;
import dev.switchover.Router;
import dev.switchover.RoutingTable;
import dev.switchover.Subscription;
import dev.switchover.WorkspaceId;
import dev.switchover.jetty.SwitchoverHandler;
import dev.switchover.rawhttp.RawConnection;
import dev.switchover.rawhttp.RawResponse;
import dev.switchover.spi.TableStore;
import dev.switchover.testkit.Await;
import dev.switchover.testkit.WorkspaceApp;
import dev.switchover.testkit.WorkspaceServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Guarded releases through a Jetty router in front of real upstreams on loopback. */
final class GuardedReleaseTest {
  static final String SHOP = "shop.example.com";
  static final String OTHER = "other.example.com";
  static final WorkspaceId BLUE = WorkspaceId.of("blue");
  static final WorkspaceId GREEN = WorkspaceId.of("green");
  /** How many requests the failure rate is counted over before it may roll back. */
  private static final int MIN_REQUESTS = 20;
  /**
   * The failed requests allowed beyond the threshold: those the paced load (at most 800 a second)
   * sends while the watch, checking every millisecond, notices and the rollback publishes, and
   * those in flight then; generous for a busy machine.
   */
  private static final int NOTICE_ALLOWANCE = 200;

  private WorkspaceServer blue;
  private WorkspaceServer green;
  private Router router;
  private Server server;
  private int port;

  @BeforeEach
  void start() throws Exception {
    blue = WorkspaceServer.start(WorkspaceApp.named("blue"));
    green = WorkspaceServer.start(WorkspaceApp.named("green"));
    router =
        Router.create(
            RoutingTable.builder()
                .workspace(BLUE)
                .workspace(GREEN)
                .domain(HostName.parse(SHOP), DomainStatus.VERIFIED)
                .domain(HostName.parse(OTHER), DomainStatus.VERIFIED)
                .route(HostName.parse(SHOP), PathPrefix.ROOT, BLUE)
                .route(HostName.parse(OTHER), PathPrefix.ROOT, BLUE)
                .build());
    server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    server.setHandler(
        SwitchoverHandler.builder(router)
            .upstream("blue", blue.baseUri())
            .upstream("green", green.baseUri())
            .build());
    server.start();
    port = connector.getLocalPort();
  }

  @AfterEach
  void stop() throws Exception {
    server.stop();
    blue.close();
    green.close();
    router.close();
  }

  private Probe.Builder greenProbe(String target) {
    return Probe.http("health", URI.create(green.baseUri() + target)).interval(Duration.ZERO);
  }

  private String servedBy(String host) throws IOException {
    RawResponse r = RawConnection.getOnce(port, host, "/");
    assertEquals(200, r.status(), r::toString);
    return String.valueOf(r.workspace());
  }

  @Test
  void start_whenAProbeFails_publishesNothingAndSaysWhichProbeAndHow() throws Exception {
    long before = router.current().revision();
    GuardedRelease release =
        GuardedRelease.builder(router)
            .promote(SHOP, "green")
            .probe(greenProbe("/ready").build())
            .probe(greenProbe("/health?status=500").consecutiveSuccesses(2).build())
            .build();
    ProbeFailedException e = assertThrows(ProbeFailedException.class, release::start);
    assertEquals("health", e.probe());
    assertEquals("answered 500, expected 200", e.failure());
    assertTrue(e.getMessage().startsWith("probe health (GET " + green.baseUri() + "/health?status=500) failed: answered 500"), e::getMessage);
    assertTrue(e.getMessage().endsWith("nothing was published"), e::getMessage);
    assertEquals(before, router.current().revision(), "nothing was published");
    assertEquals("blue", servedBy(SHOP));
  }

  @Test
  void start_whenTheTargetRefusesConnections_isRefused() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    Probe probe = Probe.http("ping", URI.create("http://127.0.0.1:" + closed + "/")).build();
    GuardedRelease release = GuardedRelease.builder(router).promote(SHOP, "green").probe(probe).build();
    ProbeFailedException e = assertThrows(ProbeFailedException.class, release::start);
    assertEquals("ping", e.probe());
    assertTrue(e.failure().startsWith("could not connect"), e::failure);
    assertEquals(1, router.current().revision());
  }

  @Test
  void start_whenTheTargetIsSilentPastTheTimeout_isRefused() throws Exception {
    Probe probe = greenProbe("/slow?delay=5000").timeout(Duration.ofMillis(100)).build();
    GuardedRelease release = GuardedRelease.builder(router).promote(SHOP, "green").probe(probe).build();
    ProbeFailedException e = assertThrows(ProbeFailedException.class, release::start);
    assertEquals("no answer within 100 ms", e.failure());
    assertEquals(1, router.current().revision());
  }

  @Test
  void start_whenProbesPass_switchesAndTheWatchHoldsThroughAQuietWindow() throws Exception {
    List<ReleaseOutcome> heard = new CopyOnWriteArrayList<>();
    List<Long> switched = new CopyOnWriteArrayList<>();
    GuardedRelease release =
        GuardedRelease.builder(router)
            .promote(SHOP, "green")
            .probe(greenProbe("/health").consecutiveSuccesses(3).expectStatus(200, 204).build())
            // long enough for the one request below to end inside it, on a loaded machine too
            .watchFor(Duration.ofSeconds(3))
            .listener(
                new ReleaseListener() {
                  @Override
                  public void switched(RoutingTable table) {
                    switched.add(table.revision());
                  }

                  @Override
                  public void ended(ReleaseOutcome outcome) {
                    heard.add(outcome);
                  }
                })
            .build();
    try (ReleaseWatch watch = release.start()) {
      assertEquals(2, watch.switched().revision());
      assertEquals("green", servedBy(SHOP));
      ReleaseOutcome outcome = watch.outcome().get(30, TimeUnit.SECONDS);
      assertEquals(ReleaseOutcome.Verdict.HELD, outcome.verdict(), outcome::toString);
      assertEquals(1, outcome.requests(), "the one request sent during the watch");
      assertEquals(0, outcome.failures());
      assertEquals(2, outcome.endRevision());
      assertEquals(List.of(2L), switched);
      assertEquals(List.of(outcome), heard);
    }
    assertEquals("green", servedBy(SHOP), "a held release stands");
    assertThrows(IllegalStateException.class, release::start, "a release runs once");
  }

  @Test
  void probe_needsItsSuccessesInARow_withinItsAttempts() throws Exception {
    AtomicBoolean healthy = new AtomicBoolean();
    try (Flapping flapping = Flapping.start(healthy)) {
      Probe strict = Probe.http("flap", flapping.uri()).consecutiveSuccesses(2).maxAttempts(3).interval(Duration.ZERO).build();
      healthy.set(false);
      ProbeFailedException e = assertThrows(ProbeFailedException.class, strict::check);
      assertEquals("answered 503, expected 200", e.failure());
      assertEquals(2, flapping.requests(), "after two failures, two successes in a row no longer fit in three attempts");
      healthy.set(true);
      strict.check();
    }
  }

  @Test
  void workspaceAnswering500AfterTheSwitch_isRolledBackWithFailuresBoundedByTheThreshold() throws Exception {
    try (Load load = Load.start(port, SHOP, 4)) {
      load.awaitRequests(50);
      ReleaseWatch watch =
          GuardedRelease.builder(router)
              .promote(SHOP, "green")
              .probe(greenProbe("/health").build())
              .watchFor(Duration.ofSeconds(60))
              .rollBackAboveFailureRate(0.5, MIN_REQUESTS)
              .checkEvery(Duration.ofMillis(1))
              .build()
              .start();
      green.app().stop(); // the new version starts answering 500
      ReleaseOutcome outcome = watch.outcome().get(30, TimeUnit.SECONDS);
      assertEquals(ReleaseOutcome.Verdict.ROLLED_BACK, outcome.verdict(), outcome::toString);
      assertEquals(3, outcome.endRevision(), "the rollback is the next revision");
      assertTrue(outcome.reason().startsWith("green failed "), outcome::reason);
      assertTrue(outcome.reason().contains("above the 50% allowed over at least 20"), outcome::reason);
      assertEquals(BLUE, router.resolve(SHOP, "/").workspace(), "production is back on blue");
      assertEquals(
          "rollback to the routing of revision 1: release guard: " + outcome.reason(),
          router.current().description(),
          "the table, and so its history, says why");
      long failedAtRollback = load.failed();
      load.awaitRequests(load.requests() + 50);
      assertTrue(
          load.failed() - failedAtRollback <= 4,
          () -> "after the rollback returned, only requests already in flight may fail: " + (load.failed() - failedAtRollback));
      assertTrue(
          load.failed() <= MIN_REQUESTS + NOTICE_ALLOWANCE,
          () -> load.failed() + " user requests failed; the watch counted " + outcome);
      assertTrue(load.failed() >= 1, "green did fail some requests");
    }
  }

  @Test
  void canary_healthySteps_rampToThePromoteWithoutAFailedRequest() throws Exception {
    List<RoutingTable> steps = new CopyOnWriteArrayList<>();
    try (Load load = Load.start(port, SHOP, 4)) {
      load.awaitRequests(20);
      ReleaseWatch watch =
          GuardedRelease.builder(router)
              .canary(SHOP, "green", 10, 50, 100)
              .probe(greenProbe("/health").build())
              .watchFor(Duration.ofMillis(300))
              .rollBackAboveFailureRate(0.01, 5)
              .checkEvery(Duration.ofMillis(1))
              .listener(
                  new ReleaseListener() {
                    @Override
                    public void switched(RoutingTable table) {
                      steps.add(table);
                    }

                    @Override
                    public void ended(ReleaseOutcome outcome) {}
                  })
              .build()
              .start();
      ReleaseOutcome outcome = watch.outcome().get(30, TimeUnit.SECONDS);
      assertEquals(ReleaseOutcome.Verdict.HELD, outcome.verdict(), outcome::toString);
      assertTrue(outcome.reason().startsWith("green held at 10%, 50%, 100%: 0 of "), outcome::reason);
      assertTrue(outcome.reason().endsWith("; promoted"), outcome::reason);
      assertEquals(
          List.of("split shop.example.com: 10% to green", "split shop.example.com: 50% to green", "split shop.example.com: 100% to green"),
          steps.stream().map(RoutingTable::description).toList());
      assertEquals(2, outcome.switchedRevision());
      assertEquals(5, outcome.endRevision(), "three steps, then the promote");
      RoutingTable now = router.current();
      assertEquals(dev.switchover.ChangeReason.PROMOTE, now.reason());
      assertFalse(now.hasSplits());
      assertEquals(GREEN, router.resolve(SHOP, "/").workspace());
      load.awaitRequests(load.requests() + 20);
      assertEquals(0, load.failed(), "no request failed across the ramp");
      assertTrue(outcome.requests() > 0, () -> "green served some of the load: " + outcome);
    }
  }

  @Test
  void canary_failingCanary_endsTheSplitWithFailuresBoundedByTheThreshold() throws Exception {
    try (Load load = Load.start(port, SHOP, 4)) {
      load.awaitRequests(50);
      green.app().stop(); // the new version answers 500 from the start
      ReleaseWatch watch =
          GuardedRelease.builder(router)
              .canary(SHOP, "green", 25, 50, 100)
              .watchFor(Duration.ofSeconds(60))
              .rollBackAboveFailureRate(0.5, MIN_REQUESTS)
              .checkEvery(Duration.ofMillis(1))
              .build()
              .start();
      ReleaseOutcome outcome = watch.outcome().get(30, TimeUnit.SECONDS);
      assertEquals(ReleaseOutcome.Verdict.ROLLED_BACK, outcome.verdict(), outcome::toString);
      assertEquals(3, outcome.endRevision(), "the end of the split is the next revision");
      assertFalse(router.current().hasSplits());
      assertEquals(dev.switchover.ChangeReason.SPLIT, router.current().reason());
      assertEquals(
          "end the split of shop.example.com: release guard: " + outcome.reason(),
          router.current().description(),
          "the table, and so its history, says why");
      assertEquals(BLUE, router.resolve(SHOP, "/").workspace());
      long failedAtRollback = load.failed();
      load.awaitRequests(load.requests() + 50);
      assertTrue(load.failed() - failedAtRollback <= 4, () -> "after the rollback, only requests in flight may fail: " + (load.failed() - failedAtRollback));
      assertTrue(load.failed() <= MIN_REQUESTS + NOTICE_ALLOWANCE, () -> load.failed() + " user requests failed; the watch counted " + outcome);
      assertTrue(load.failed() >= 1, "green did fail some requests");
    }
  }

  @Test
  void canary_aWriteDuringAStep_stopsTheRampWithoutOverwritingIt() throws Exception {
    ReleaseWatch watch =
        GuardedRelease.builder(router)
            .canary(SHOP, "green", 50, 100)
            .watchFor(Duration.ofMillis(500))
            .rollBackAboveFailureRate(0.5, 1)
            .build()
            .start();
    RoutingTable operator = router.promote(OTHER, "green"); // someone else's write, revision 3
    for (int i = 0; i < 40; i++) {
      assertEquals(200, RawConnection.getOnce(port, SHOP, "/").status()); // evidence for the step
    }
    ReleaseOutcome outcome = watch.outcome().get(30, TimeUnit.SECONDS);
    assertEquals(ReleaseOutcome.Verdict.STEP_REFUSED, outcome.verdict(), outcome::toString);
    assertEquals(3, outcome.endRevision());
    assertTrue(outcome.reason().contains("another write came in after revision 2"), outcome::reason);
    assertTrue(outcome.reason().endsWith("the table is now revision 3: promote other.example.com -> green"), outcome::reason);
    assertEquals(operator.revision(), router.current().revision(), "nothing was written over the operator's change");
    assertTrue(router.current().hasSplits(), "the split is left for an operator to decide");
  }

  @Test
  void canary_stoppingShortOf100_leavesItsLastSplitRunning() throws Exception {
    try (Load load = Load.start(port, SHOP, 4)) {
      load.awaitRequests(20);
      ReleaseOutcome outcome =
          GuardedRelease.builder(router)
              .canary(SHOP, "green", 20, 50)
              .watchFor(Duration.ofMillis(300))
              .rollBackAboveFailureRate(0.5, 1)
              .build()
              .start()
              .outcome()
              .get(30, TimeUnit.SECONDS);
      assertEquals(ReleaseOutcome.Verdict.HELD, outcome.verdict(), outcome::toString);
      assertTrue(outcome.reason().endsWith("its split stays at the last step"), outcome::reason);
      assertEquals("split shop.example.com: 50% to green", router.current().description());
    }
  }

  @Test
  void canary_withoutTheRequestsAStepNeeds_staysWhereItIs() throws Exception {
    ReleaseOutcome outcome =
        GuardedRelease.builder(router)
            .canary(SHOP, "green", 10, 100)
            .watchFor(Duration.ofMillis(200))
            .build()
            .start()
            .outcome()
            .get(30, TimeUnit.SECONDS);
    assertEquals(ReleaseOutcome.Verdict.HELD, outcome.verdict(), outcome::toString);
    assertEquals(
        "green served only 0 requests at this step, fewer than the 20 a step needs to go on; its split stays:"
            + " split shop.example.com: 10% to green",
        outcome.reason());
    assertEquals(2, router.current().revision(), "not one step further");
  }

  /** Failures that cross the threshold after the last check are seen at the window's end, before a step. */
  @Test
  void canary_failuresSinceTheLastCheck_rollBackInsteadOfSteppingUp() throws Exception {
    green.app().stop();
    ReleaseWatch watch =
        GuardedRelease.builder(router)
            .canary(SHOP, "green", 50, 100)
            .watchFor(Duration.ofMillis(500))
            .rollBackAboveFailureRate(0.5, 5)
            .checkEvery(Duration.ofSeconds(30)) // never checks within the window
            .build()
            .start();
    for (int i = 0; i < 40; i++) {
      RawConnection.getOnce(port, SHOP, "/");
    }
    ReleaseOutcome outcome = watch.outcome().get(30, TimeUnit.SECONDS);
    assertEquals(ReleaseOutcome.Verdict.ROLLED_BACK, outcome.verdict(), outcome::toString);
    assertFalse(router.current().hasSplits());
  }

  @Test
  void canary_overASplitThatRuns_isRefused() throws Exception {
    router.split(HostName.parse(SHOP), dev.switchover.Split.ofPercent(GREEN, 20));
    long before = router.current().revision();
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, GuardedRelease.builder(router).canary(SHOP, "green", 10, 100).build()::start);
    assertTrue(String.valueOf(e.getMessage()).contains("already splits its traffic; end or promote that split first"), e.getMessage());
    assertEquals(before, router.current().revision());
  }

  /** A step whose write timed out but was made is the guard's: it goes on from there. */
  @Test
  void canary_aStepThatFailedButWasMadeAfterAll_goesOn() throws Exception {
    AtomicBoolean timeOutNextWrite = new AtomicBoolean();
    TableStore late = new FlakyStore(router.current(), timeOutNextWrite, true);
    try (Router fleetRouter = Router.builder().store(late).build()) {
      ReleaseWatch watch =
          GuardedRelease.builder(fleetRouter)
              .canary(SHOP, "green", 50, 100)
              .watchFor(Duration.ofMillis(300))
              .rollBackAboveFailureRate(0.5, 1)
              .checkEvery(Duration.ofMillis(5))
              .build()
              .start();
      timeOutNextWrite.set(true); // the next step's write
      java.util.concurrent.CompletableFuture<ReleaseOutcome> outcome = watch.outcome();
      for (int i = 0; !outcome.isDone() && i < 3000; i++) {
        try (Admission a = fleetRouter.admit(SHOP, "/", "client-" + i)) {
          a.answered(200);
        }
        LockSupport.parkNanos(1_000_000); // a request a millisecond, while the ramp runs
      }
      ReleaseOutcome o = outcome.get(30, TimeUnit.SECONDS);
      assertEquals(ReleaseOutcome.Verdict.HELD, o.verdict(), o::toString);
      assertTrue(o.reason().endsWith("; promoted"), o::reason);
      assertEquals(4, o.endRevision(), "50%, 100% (made after all, not again), then the promote");
      assertEquals(GREEN, fleetRouter.resolve(SHOP, "/").workspace());
    }
  }

  @Test
  void canary_thatCannotBe_isRefusedBeforeProbingOrAtOnce() throws Exception {
    long before = router.current().revision();
    GuardedRelease undeclared =
        GuardedRelease.builder(router).canary(SHOP, "red", 10).probe(greenProbe("/health?status=500").build()).build();
    assertThrows(dev.switchover.InvalidTableException.class, undeclared::start);
    GuardedRelease toItself = GuardedRelease.builder(router).canary(SHOP, "blue", 10).build();
    assertThrows(IllegalArgumentException.class, toItself::start);
    assertThrows(IllegalArgumentException.class, () -> GuardedRelease.builder(router).canary(SHOP, "green"));
    assertThrows(IllegalArgumentException.class, () -> GuardedRelease.builder(router).canary(SHOP, "green", 50, 10));
    assertThrows(IllegalArgumentException.class, () -> GuardedRelease.builder(router).canary(SHOP, "green", 0, 10));
    assertThrows(IllegalArgumentException.class, () -> GuardedRelease.builder(router).canary(SHOP, "green", 10, 101));
    assertEquals(before, router.current().revision(), "nothing was published");
  }

  @Test
  void failedProbesDuringTheWatch_rollBack() throws Exception {
    ReleaseWatch watch =
        GuardedRelease.builder(router)
            .promote(SHOP, "green")
            .probe(Probe.http("health", URI.create(green.baseUri() + "/health")).interval(Duration.ofMillis(5)).build())
            .watchFor(Duration.ofSeconds(60))
            .rollBackAfterFailedProbes(2)
            .build()
            .start();
    green.app().stop();
    ReleaseOutcome outcome = watch.outcome().get(30, TimeUnit.SECONDS);
    assertEquals(ReleaseOutcome.Verdict.ROLLED_BACK, outcome.verdict(), outcome::toString);
    assertEquals("probe health failed 2 time(s) in a row: answered 500, expected 200", outcome.reason());
    assertEquals(BLUE, router.resolve(SHOP, "/").workspace());
  }

  @Test
  void aWriteDuringTheWindow_isNeverOverwritten() throws Exception {
    ReleaseWatch watch =
        GuardedRelease.builder(router)
            .promote(SHOP, "green")
            .watchFor(Duration.ofSeconds(60))
            .rollBackAboveFailureRate(0.5, 5)
            .checkEvery(Duration.ofMillis(1))
            .build()
            .start();
    RoutingTable operator = router.promote(OTHER, "green"); // someone else's write, revision 3
    green.app().stop();
    for (int i = 0; i < 5; i++) {
      assertEquals(500, RawConnection.getOnce(port, SHOP, "/").status());
    }
    ReleaseOutcome outcome = watch.outcome().get(30, TimeUnit.SECONDS);
    assertEquals(ReleaseOutcome.Verdict.ROLLBACK_REFUSED, outcome.verdict(), outcome::toString);
    assertEquals(3, outcome.endRevision(), "the revision that refused the rollback");
    assertTrue(outcome.reason().contains("another write came in after the switch"), outcome::reason);
    assertEquals(operator.revision(), router.current().revision(), "nothing was written over the operator's change");
    assertEquals(GREEN, router.resolve(OTHER, "/").workspace());
    assertEquals(GREEN, router.resolve(SHOP, "/").workspace(), "left for an operator to decide");
  }

  @Test
  void aRollbackTheStoreRefusesUntilTheWindowEnds_isReportedNotHeld() throws Exception {
    AtomicBoolean storeAway = new AtomicBoolean();
    TableStore flaky = new FlakyStore(router.current(), storeAway, false);
    try (Router fleetRouter = Router.builder().store(flaky).build()) {
      ReleaseWatch watch =
          GuardedRelease.builder(fleetRouter)
              .promote(SHOP, "green")
              .watchFor(Duration.ofMillis(500))
              .rollBackAboveFailureRate(0.5, 2)
              .checkEvery(Duration.ofMillis(1))
              .build()
              .start();
      storeAway.set(true);
      for (int i = 0; i < 2; i++) {
        try (Admission a = fleetRouter.admit(SHOP, "/")) {
          a.answered(500);
        }
      }
      ReleaseOutcome outcome = watch.outcome().get(30, TimeUnit.SECONDS);
      assertEquals(ReleaseOutcome.Verdict.ROLLBACK_REFUSED, outcome.verdict(), outcome::toString);
      assertTrue(outcome.reason().contains("the rollback failed: the store is away"), outcome::reason);
      assertTrue(outcome.reason().endsWith("the window ended before a rollback could be published"), outcome::reason);
      assertEquals(GREEN, fleetRouter.resolve(SHOP, "/").workspace());
    }
  }

  /** A store whose write timed out may still have made it: the guard's own late rollback is not a conflict. */
  @Test
  void aRollbackThatFailedButWasMadeAfterAll_isReportedRolledBack() throws Exception {
    AtomicBoolean timeOutNextWrite = new AtomicBoolean();
    TableStore late = new FlakyStore(router.current(), timeOutNextWrite, true);
    try (Router fleetRouter = Router.builder().store(late).build()) {
      ReleaseWatch watch =
          GuardedRelease.builder(fleetRouter)
              .promote(SHOP, "green")
              .watchFor(Duration.ofSeconds(30))
              .rollBackAboveFailureRate(0.5, 2)
              .checkEvery(Duration.ofMillis(1))
              .build()
              .start();
      timeOutNextWrite.set(true);
      for (int i = 0; i < 2; i++) {
        try (Admission a = fleetRouter.admit(SHOP, "/")) {
          a.answered(500);
        }
      }
      ReleaseOutcome outcome = watch.outcome().get(30, TimeUnit.SECONDS);
      assertEquals(ReleaseOutcome.Verdict.ROLLED_BACK, outcome.verdict(), outcome::toString);
      assertEquals(3, outcome.endRevision(), outcome::toString);
      assertEquals(BLUE, fleetRouter.resolve(SHOP, "/").workspace());
    }
  }

  @Test
  void close_stopsTheWatch() throws Exception {
    ReleaseWatch watch =
        GuardedRelease.builder(router).promote(SHOP, "green").watchFor(Duration.ofSeconds(60)).build().start();
    watch.close();
    ReleaseOutcome outcome = watch.outcome().get(30, TimeUnit.SECONDS);
    assertEquals(ReleaseOutcome.Verdict.STOPPED, outcome.verdict());
    assertEquals(GREEN, router.resolve(SHOP, "/").workspace());
  }

  @Test
  void start_ofAnInvalidRelease_isRefusedBeforeProbing() throws Exception {
    AtomicBoolean healthy = new AtomicBoolean(true);
    try (Flapping flapping = Flapping.start(healthy)) {
      Probe probe = Probe.http("flap", flapping.uri()).build();
      GuardedRelease unknown = GuardedRelease.builder(router).promote("nowhere.example.com", "green").probe(probe).build();
      assertThrows(IllegalArgumentException.class, unknown::start);
      assertEquals(0, flapping.requests(), "refused before any probe ran");
      assertEquals(1, router.current().revision());
    }
  }

  @Test
  void prefixRelease_switchesOnlyThatPrefix() throws Exception {
    router.update(1, b -> b.route(HostName.parse(SHOP), PathPrefix.of("/api"), BLUE));
    try (ReleaseWatch watch =
        GuardedRelease.builder(router)
            .promote(HostName.parse(SHOP), PathPrefix.of("/api"), GREEN)
            .build()
            .start()) {
      assertEquals(GREEN, router.resolve(SHOP, "/api/x").workspace());
      assertEquals(BLUE, router.resolve(SHOP, "/").workspace());
      assertFalse(watch.outcome().isDone());
    }
  }

  @Test
  void rollback_conflict_isTheRoutersOwn() {
    // The guard relies on the router refusing a rollback of a revision that is no longer current.
    RoutingTable switched = router.promote(SHOP, "green");
    router.promote(OTHER, "green");
    assertThrows(RevisionConflictException.class, () -> router.rollback(switched.revision()));
  }

  /** Keep-alive clients sending requests to one host, each at most one every 5 milliseconds. */
  static final class Load implements AutoCloseable {
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final LongAdder requests = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final List<Thread> threads = new ArrayList<>();

    static Load start(int port, String host, int clients) {
      Load load = new Load();
      for (int i = 0; i < clients; i++) {
        Thread t = new Thread(() -> load.run(port, host), "load-" + i);
        t.setDaemon(true);
        load.threads.add(t);
        t.start();
      }
      return load;
    }

    private void run(int port, String host) {
      RawConnection c = null;
      while (running.get()) {
        long next = System.nanoTime() + 5_000_000;
        try {
          if (c == null) {
            c = RawConnection.open(port);
          }
          RawResponse r = c.get(host, "/");
          if (r.status() != 200) {
            failed.increment();
          }
        } catch (IOException e) {
          failed.increment();
          c = null;
        }
        requests.increment();
        long wait = next - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait); // pacing the load, not waiting for another thread
        }
      }
      if (c != null) {
        try {
          c.close();
        } catch (IOException e) {
          // closing at the end of a test: nothing to do
        }
      }
    }

    long requests() {
      return requests.sum();
    }

    long failed() {
      return failed.sum();
    }

    void awaitRequests(long n) {
      Await.until(n + " requests sent", () -> requests() >= n, () -> requests() + " sent");
    }

    @Override
    public void close() {
      running.set(false);
      for (Thread t : threads) {
        Await.until(t.getName() + " to end", () -> !t.isAlive(), t::toString);
      }
    }
  }

  /**
   * A store in memory whose writes fail while {@code failing} is set: before they are made (the
   * store is away), or, {@code madeAnyway}, after (a write that timed out but was made, once).
   */
  private static final class FlakyStore implements TableStore {
    private final TableStore memory;
    private final AtomicBoolean failing;
    private final boolean madeAnyway;

    FlakyStore(RoutingTable initial, AtomicBoolean failing, boolean madeAnyway) {
      this.memory = TableStore.inMemory(initial);
      this.failing = failing;
      this.madeAnyway = madeAnyway;
    }

    @Override
    public RoutingTable load() {
      return memory.load();
    }

    @Override
    public boolean compareAndSet(long expectedRevision, RoutingTable next) {
      if (!madeAnyway) {
        if (failing.get()) {
          throw new IllegalArgumentException("the store is away");
        }
        return memory.compareAndSet(expectedRevision, next);
      }
      boolean made = memory.compareAndSet(expectedRevision, next);
      if (failing.getAndSet(false)) {
        throw new IllegalArgumentException("the write timed out; it may still be made");
      }
      return made;
    }

    @Override
    public Subscription watch(Consumer<RoutingTable> watcher) {
      return memory.watch(watcher);
    }
  }
}
