package dev.switchover.etcd;

import static dev.switchover.etcd.Fleet.await;
import static dev.switchover.etcd.Fleet.shop;
import static dev.switchover.etcd.Fleet.workspaceOf;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchover.etcd.local.LocalEtcd;
import dev.switchover.DomainStatus;
import dev.switchover.HostName;
import dev.switchover.Router;
import dev.switchover.RoutingTable;
import dev.switchover.RevisionConflictException;
import dev.switchover.verification.Challenge;
import dev.switchover.verification.TrackedDomain;
import dev.switchover.verification.Verification;
import dev.switchover.jetty.SwitchoverHandler;
import dev.switchover.rawhttp.RawConnection;
import dev.switchover.rawhttp.RawResponse;
import io.etcd.jetcd.Client;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The store on a real 3-member etcd cluster, with members stopped, killed and compacted under it. */
final class EtcdClusterTest {
  private static LocalEtcd etcd;

  @BeforeAll
  static void startEtcd() throws Exception {
    etcd = LocalEtcd.start(3);
  }

  @AfterAll
  static void stopEtcd() {
    if (etcd != null) {
      etcd.close();
    }
  }

  @AfterEach
  void everyMemberRunsAgain() throws Exception {
    etcd.restartAll();
  }

  @Test
  void threeRouters_twoHereAndOneInAnotherProcess_serveOnePromote_andNeverHalfASwap() throws Exception {
    try (Fleet fleet = new Fleet(etcd.endpoints())) {
      Router a = fleet.router(shop(20));
      Router b = fleet.router(fleet.keep(fleet.storeBuilder().build()));
      Process child =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-cp",
                  System.getProperty("java.class.path"),
                  FleetMember.class.getName(),
                  String.join(",", etcd.endpoints()),
                  fleet.prefix)
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      try {
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> readLines(child, lines));
        reader.setDaemon(true);
        reader.start();
        expect(lines, l -> l.startsWith("READY "));

        // swaps on one router, while the other process checks every table it is given
        RoutingTable last = a.current();
        for (int i = 0; i < 50; i++) {
          last = b.swap("shop.example.com", "staging.example.com");
        }
        long end = last.revision();
        String seen = expect(lines, l -> l.startsWith("HALF ") || l.startsWith("TABLE " + end + " "));
        assertTrue(seen.startsWith("TABLE "), seen);
        assertFalse(lines.stream().anyMatch(l -> l.startsWith("HALF ")), lines.toString());

        // a hears of b's swaps through etcd's watch: a promote from a table it has not caught up
        // with yet would be refused (rightly) as a conflict
        await(() -> a.current().revision() == end, () -> "a at " + a.current());
        RoutingTable promoted = a.promote("shop.example.com", "green");
        expect(lines, l -> l.equals("TABLE " + promoted.revision() + " green"));
        await(() -> b.current().revision() == promoted.revision(), () -> "b at " + b.current());
        assertEquals("green", workspaceOf(b, "shop.example.com"));

        // and a promote from the other process is served here
        Writer toChild = new OutputStreamWriter(child.getOutputStream(), UTF_8);
        toChild.write("promote shop.example.com blue\n");
        toChild.flush();
        String done = expect(lines, l -> l.startsWith("DONE ") || l.startsWith("ERROR "));
        long revision = Long.parseLong(done.substring("DONE ".length()));
        await(() -> a.current().revision() == revision && b.current().revision() == revision, () -> "a at " + a.current());
        assertEquals("blue", workspaceOf(a, "shop.example.com"));
        toChild.write("quit\n");
        toChild.flush();
        assertTrue(child.waitFor(20, TimeUnit.SECONDS));
      } finally {
        child.destroyForcibly();
      }
    }
  }

  private static void readLines(Process child, BlockingQueue<String> lines) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        lines.add(line);
      }
    } catch (IOException e) {
      lines.add("CLOSED " + e);
    }
  }

  /** Takes lines until one matches, within 30 s. */
  private static String expect(BlockingQueue<String> lines, Predicate<String> wanted) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    List<String> skipped = new ArrayList<>();
    while (true) {
      String line = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (line == null) {
        throw new AssertionError("no such line from the other router within 30 s; it said " + skipped);
      }
      if (wanted.test(line)) {
        return line;
      }
      if (line.startsWith("HALF ")) {
        throw new AssertionError("the other router saw a swap half done: " + line);
      }
      skipped.add(line);
    }
  }

  @Test
  void leaderKilled_duringPromotesFromTwoRouters_everyAcknowledgedWriteIsThereOnce() throws Exception {
    int promotes = Integer.getInteger("switchover.etcd.promotes", 500);
    try (Fleet fleet = new Fleet(etcd.endpoints())) {
      Router a = fleet.router(shop(promotes));
      Router b = fleet.router(fleet.keep(fleet.storeBuilder().build()));
      long first = a.current().revision();
      AtomicInteger done = new AtomicInteger();
      AtomicInteger acknowledged = new AtomicInteger();
      ExecutorService two = Executors.newFixedThreadPool(2);
      List<Future<?>> writers = new ArrayList<>();
      try {
        for (int w = 0; w < 2; w++) {
          Router r = w == 0 ? a : b;
          int parity = w;
          writers.add(two.submit(() -> {
            for (int i = parity; i < promotes; i += 2) {
              String host = "d" + i + ".example.com";
              long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
              // a write whose outcome was unknown may have been made: never make it twice
              while (!workspaceOf(r, host).equals("green")) {
                assertTrue(System.nanoTime() < deadline, "could not promote " + host + " in 60 s");
                try {
                  r.promote(host, "green");
                  acknowledged.incrementAndGet();
                } catch (RevisionConflictException | StoreUnavailableException e) {
                  // the router caught up (conflict), or etcd is electing a leader: look again
                }
              }
              done.incrementAndGet();
            }
            return null;
          }));
        }
        await(() -> done.get() >= promotes / 4, () -> done.get() + " promotes done");
        int leader = etcd.awaitLeader();
        etcd.kill(leader);
        for (Future<?> f : writers) {
          f.get(120, TimeUnit.SECONDS);
        }
      } finally {
        two.shutdownNow();
      }
      long end = first + promotes;
      await(() -> a.current().revision() == end && b.current().revision() == end,
          () -> "a at " + a.current() + ", b at " + b.current() + ", expected revision " + end);
      assertEquals(a.current().routes(), b.current().routes());
      for (int i = 0; i < promotes; i++) {
        assertEquals("green", workspaceOf(b, "d" + i + ".example.com"));
      }
      assertTrue(acknowledged.get() <= promotes, acknowledged.get() + " acknowledged");
      // a router started now reads the same
      Router c = fleet.router(fleet.keep(fleet.storeBuilder().build()));
      assertEquals(end, c.current().revision());
      assertEquals(a.current().routes(), c.current().routes());
    }
  }

  @Test
  void everyMemberStopped_whileAnAdapterServesKeepAliveLoad_noRequestFails_andWritesFailFast() throws Exception {
    try (Fleet fleet = new Fleet(etcd.endpoints())) {
      Router a = fleet.router(fleet.keep(fleet.storeBuilder().initialTable(shop(5)).build()));
      EtcdTableStore bStore =
          fleet.keep(EtcdTableStore.builder().endpoints(etcd.endpoints()).keyPrefix(fleet.prefix).writeTimeout(Duration.ofSeconds(1)).build());
      Router b = fleet.router(bStore);
      Server server = new Server();
      ServerConnector connector = new ServerConnector(server);
      connector.setHost("127.0.0.1");
      server.addConnector(connector);
      server.setHandler(SwitchoverHandler.builder(b).handler("blue", app("blue")).handler("green", app("green")).build());
      server.start();
      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong served = new AtomicLong();
      List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
      ExecutorService clients = Executors.newFixedThreadPool(4);
      try {
        for (int c = 0; c < 4; c++) {
          var unused = clients.submit(() -> load(connector.getLocalPort(), stop, served, failures));
        }
        await(() -> served.get() > 200, () -> served.get() + " served");
        RoutingTable green = a.promote("shop.example.com", "green");
        await(() -> b.current().revision() == green.revision(), () -> "b at " + b.current());

        etcd.stopAll();
        long before = served.get();
        long start = System.nanoTime();
        StoreUnavailableException e = assertThrows(StoreUnavailableException.class, () -> b.promote("shop.example.com", "blue"));
        long tookMillis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(tookMillis < 3_000, "the write took " + tookMillis + " ms to fail");
        assertTrue(e.getMessage().contains("keep serving revision " + green.revision()), e.getMessage());
        await(() -> served.get() > before + 500, () -> served.get() + " served with etcd down");
        assertEquals("green", workspaceOf(b, "shop.example.com"));

        etcd.restartAll();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        RoutingTable blue = null;
        while (blue == null) {
          try {
            blue = b.promote("shop.example.com", "blue");
          } catch (StoreUnavailableException | RevisionConflictException again) {
            assertTrue(System.nanoTime() < deadline, "no write accepted 30 s after etcd came back: " + again.getMessage());
          }
        }
        long revision = blue.revision();
        await(() -> a.current().revision() == revision, () -> "a at " + a.current());
        await(() -> served.get() > before + 1_000, () -> served.get() + " served");
      } finally {
        stop.set(true);
        clients.shutdown();
        assertTrue(clients.awaitTermination(20, TimeUnit.SECONDS));
        server.stop();
      }
      assertEquals(List.of(), failures);
    }
  }

  private static Handler app(String workspace) {
    return new Handler.Abstract.NonBlocking() {
      @Override
      public boolean handle(Request request, Response response, Callback callback) {
        response.getHeaders().put("X-Workspace", workspace);
        Content.Sink.write(response, true, workspace, callback);
        return true;
      }
    };
  }

  /** One keep-alive client: GET / for the shop until told to stop, noting every failure. */
  private static void load(int port, AtomicBoolean stop, AtomicLong served, List<String> failures) {
    RawConnection c = null;
    try {
      while (!stop.get()) {
        if (c == null || c.isClosedByPeer()) {
          if (c != null) {
            c.close();
          }
          c = RawConnection.open(port);
        }
        RawResponse r = c.get("shop.example.com", "/");
        if (r.status() != 200) {
          failures.add("status " + r.status());
        }
        served.incrementAndGet();
      }
    } catch (IOException e) {
      failures.add(e.toString());
    } finally {
      try {
        if (c != null) {
          c.close();
        }
      } catch (IOException e) {
        failures.add(e.toString());
      }
    }
  }

  private static TrackedDomain tracked(String domain) {
    HostName d = HostName.parse(domain);
    Instant at = Instant.parse("2026-12-01T10:00:00Z");
    return TrackedDomain.of(
        Challenge.of(d, "a".repeat(26), "b".repeat(26), at), null,
        Verification.of(d, DomainStatus.PENDING, at, null, null, "waiting"));
  }

  @Test
  void routerDisconnectedPastACompaction_readsTheWholeState_andConverges() throws Exception {
    try (Fleet fleet = new Fleet(etcd.endpoints());
        Client admin = Client.builder().endpoints(etcd.endpoints()[0], etcd.endpoints()[1]).build()) {
      EtcdTableStore storeA = fleet.keep(EtcdTableStore.builder().endpoints(etcd.endpoints()[0], etcd.endpoints()[1]).keyPrefix(fleet.prefix).initialTable(shop(10)).build());
      EtcdTableStore storeB = fleet.keep(EtcdTableStore.builder().endpoints(etcd.endpoints()[2]).keyPrefix(fleet.prefix).build());
      Router a = fleet.router(storeA);
      Router b = fleet.router(storeB);
      TrackedDomain gone = tracked("gone.example.com");
      assertTrue(storeA.compareAndSet(gone.domain(), null, gone));
      await(() -> storeB.load(gone.domain()).isPresent(), () -> "b never saw " + gone.domain());
      etcd.stop(2);
      for (int i = 0; i < 10; i++) {
        a.promote("d" + i + ".example.com", "green");
      }
      // verification keys changed while b is away: one removed, one added
      assertTrue(storeA.compareAndSet(gone.domain(), gone, null));
      TrackedDomain added = tracked("added.example.com");
      assertTrue(storeA.compareAndSet(added.domain(), null, added));
      RoutingTable last = a.actingAs("alice", () -> a.swap("shop.example.com", "staging.example.com"));
      long latest = admin.getKVClient().get(io.etcd.jetcd.ByteSequence.from(fleet.prefix + "meta", UTF_8)).get(10, TimeUnit.SECONDS).getHeader().getRevision();
      admin.getKVClient().compact(latest).get(10, TimeUnit.SECONDS);
      assertTrue(b.current().revision() < last.revision());
      etcd.restart(2);
      await(() -> b.current().revision() == last.revision(), () -> "b at " + b.current() + ", a at " + a.current());
      assertEquals(a.current().routes(), b.current().routes());
      assertEquals(java.util.Optional.of("alice"), b.current().actor());
      await(() -> storeB.loadAll().equals(java.util.Map.of(added.domain(), added)), () -> "b tracks " + storeB.loadAll());
      // and it watches again: the next write reaches it
      RoutingTable next = a.promote("shop.example.com", "blue");
      await(() -> b.current().revision() == next.revision(), () -> "b at " + b.current());
    }
  }
}
