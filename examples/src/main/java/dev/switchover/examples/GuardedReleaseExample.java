package dev.switchover.examples;

import dev.switchover.CanaryKey;
import dev.switchover.DomainStatus;
import dev.switchover.PreviewTokens;
import dev.switchover.Router;
import dev.switchover.RoutingTable;
import dev.switchover.guard.GuardedRelease;
import dev.switchover.guard.Probe;
import dev.switchover.guard.ProbeFailedException;
import dev.switchover.guard.ReleaseListener;
import dev.switchover.guard.ReleaseOutcome;
import dev.switchover.guard.ReleaseWatch;
import dev.switchover.jetty.SwitchoverHandler;
import dev.switchover.rawhttp.RawConnection;
import dev.switchover.rawhttp.RawResponse;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;

/**
 * Guarded releases under load: three versions of the shop run on 127.0.0.1 ({@code blue} = v1,
 * {@code green} = v2, {@code red} = v3, which answers its health check but fails every real
 * request with 500) behind a Jetty router, while keep-alive clients send requests to {@code
 * shop.localhost}. It previews green on the production domain with a signed token, releases green
 * as a guarded canary (probe, then 10%, 50% and 100% of the traffic, each step watched, then the
 * promote; after each step, new visitors land on green in about its share and returning ones,
 * kept by their canary cookie, move only from blue to green), tries to release red with a probe of its home page
 * (refused: nothing is published), then releases red with a probe of its health check only, and
 * the watch rolls it back by itself. The summary says how many requests failed before the
 * rollback. Exits with 0 if each step went as described, 1 otherwise.
 *
 * <p>Option: {@code --port N} (the router's port, default a free one).
 */
public final class GuardedReleaseExample {
  private static final String SHOP = ExampleRun.SHOP;
  private static final int CLIENTS = 4;
  private static final int REQUESTS_PER_SECOND = 400;
  private static final Duration WINDOW = Duration.ofSeconds(2);
  private static final double MAX_FAILURE_RATE = 0.05;
  private static final int MIN_REQUESTS = 20;
  /** New visitors sampled after each step of the canary. */
  private static final int VISITORS = 300;

  private GuardedReleaseExample() {}

  /** Runs the example on standard output and exits with its status. */
  public static void main(String[] args) {
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    System.exit(run(args, out));
  }

  /** Runs the example; 0 if every step went as described, 1 if not, 2 for bad arguments. */
  public static int run(String[] args, PrintStream out) {
    int port = ExampleRun.port("GuardedReleaseExample", args, out);
    if (port < 0) {
      return 2;
    }
    Router router =
        Router.create(
            RoutingTable.builder()
                .workspace("blue")
                .workspace("green")
                .workspace("red")
                .domain(SHOP, DomainStatus.VERIFIED)
                .route(SHOP, "/", "blue")
                .build());
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    PreviewTokens previews = PreviewTokens.builder().signingKey("demo", key).build();
    try (LoopbackServer blue = LoopbackServer.start("shop-blue", new ShopApp("blue", 1), 0);
        LoopbackServer green = LoopbackServer.start("shop-green", new ShopApp("green", 2), 0);
        LoopbackServer red = LoopbackServer.start("shop-red", new BrokenShop("red"), 0);
        LoopbackServer routerServer =
            LoopbackServer.start(
                "router",
                SwitchoverHandler.builder(router)
                    .upstream("blue", blue.uri())
                    .upstream("green", green.uri())
                    .upstream("red", red.uri())
                    .previewTokens(previews)
                    .build(),
                port)) {
      out.println("Switchover guarded release example");
      out.println("  blue (shop v1) at " + blue.uri() + ", green (v2) at " + green.uri()
          + ", red (v3: healthy on /health, 500 on everything else) at " + red.uri()
          + ", router at " + routerServer.uri());
      return new Script(router, routerServer.port(), previews, green.uri(), red.uri(), out).run();
    } catch (Exception e) {
      out.println("the example failed: " + e);
      return 1;
    } finally {
      router.close();
      out.flush();
    }
  }

  /** The steps, under load. */
  private static final class Script {
    private final Router router;
    private final int port;
    private final PreviewTokens previews;
    private final URI green;
    private final URI red;
    private final PrintStream out;
    private final long start = System.nanoTime();

    Script(Router router, int port, PreviewTokens previews, URI green, URI red, PrintStream out) {
      this.router = router;
      this.port = port;
      this.previews = previews;
      this.green = green;
      this.red = red;
      this.out = out;
    }

    int run() throws IOException, InterruptedException, ExecutionException, TimeoutException {
      Load load = new Load(port, SHOP, CLIENTS, REQUESTS_PER_SECOND, null);
      event(String.format(Locale.ROOT, "load: %d keep-alive clients send GET / to %s, %,d requests/s in all",
          CLIENTS, SHOP, REQUESTS_PER_SECOND));
      load.start();
      boolean ok;
      ReleaseOutcome bad;
      long failedBeforeRed;
      long failedAtRollback;
      try {
        ok = preview();
        ok &= releaseGreen();
        ok &= redRefusedByItsProbe();
        failedBeforeRed = load.failed();
        bad = releaseRed();
        failedAtRollback = load.failed();
        ok &= bad.rolledBack();
        Thread.sleep(WINDOW.toMillis() / 2); // the load goes on, on blue again
      } finally {
        load.stop();
      }
      long failedWithRed = load.failed() - failedBeforeRed;
      out.println();
      out.println("Summary");
      out.printf(Locale.ROOT, "  requests sent   %,d%n", load.sent());
      out.printf(Locale.ROOT, "  failed          %,d, all while red served, before the guard rolled it back%n", load.failed());
      out.printf(Locale.ROOT, "  the guard       counted %d of %d requests to red failed; threshold: more than %.0f%% of at least %d%n",
          bad.failures(), bad.requests(), MAX_FAILURE_RATE * 100, MIN_REQUESTS);
      out.println("  served by       " + perWorkspace(load.servedBy()));
      out.println("  revisions       " + router.current().revision() + " (now: " + router.current().description() + ")");
      // Once the rollback is published, only requests already in flight on red may still fail: one
      // per client at most. (How many fail before it depends on how soon the guard's thread runs.)
      ok &= failedBeforeRed == 0 && failedWithRed >= 1 && load.failed() - failedAtRollback <= CLIENTS;
      out.println(ok ? "  every step went as described" : "  a step did not go as described");
      return ok ? 0 : 1;
    }

    /** A tester sees green on the production domain with a signed token; everyone else blue. */
    private boolean preview() throws IOException {
      String token = previews.mint(SHOP, "green", Duration.ofHours(1));
      RawResponse with;
      try (RawConnection c = ShopRequests.open(port)) {
        with = c.exchange("GET / HTTP/1.1\r\nHost: " + SHOP + "\r\nSwitchover-Preview: " + token + "\r\nConnection: close\r\n\r\n");
      }
      RawResponse without = ShopRequests.getOnce(port, SHOP, "/");
      String previewed = ShopRequests.workspace(with);
      event("preview: with a signed token " + SHOP + " answers " + with.status() + " from " + previewed
          + ", without it from " + ShopRequests.workspace(without));
      return previewed.equals("green") && ShopRequests.workspace(without).equals("blue");
    }

    /**
     * Green as a canary: 10%, 50%, 100% of the shop, each step watched, then the promote. After each
     * step, new visitors (no cookie yet) land on green in about the step's share, and returning
     * visitors (with the cookie an earlier step gave them) move only from blue to green.
     */
    private boolean releaseGreen() throws IOException, InterruptedException, ExecutionException, TimeoutException {
      BlockingQueue<RoutingTable> steps = new LinkedBlockingQueue<>();
      ReleaseWatch watch =
          guarded()
              .canary(SHOP, "green", 10, 50, 100)
              .probe(Probe.http("home", green.resolve("/")).consecutiveSuccesses(3).interval(Duration.ofMillis(100)).build())
              .listener(
                  new ReleaseListener() {
                    @Override
                    public void switched(RoutingTable table) {
                      steps.add(table); // sampled on the script's thread: the guard's own keep watching
                    }

                    @Override
                    public void ended(ReleaseOutcome outcome) {}
                  })
              .build()
              .start();
      event("canary " + SHOP + " -> green in steps of 10%, 50%, 100%: probe home passed 3 times, each step watched for "
          + WINDOW.toSeconds() + " s");
      Map<String, String> returning = new LinkedHashMap<>(); // canary cookie -> the side it was on
      boolean ok = true;
      for (int step = 0; step < 3; step++) {
        RoutingTable table = steps.poll(60, TimeUnit.SECONDS);
        if (table == null) {
          event("  the canary's step " + (step + 1) + " was not published");
          return false;
        }
        int movedToGreen = 0;
        int movedBack = 0;
        for (Map.Entry<String, String> visitor : returning.entrySet()) {
          String side = visit(visitor.getKey()).workspace();
          movedToGreen += visitor.getValue().equals("blue") && side.equals("green") ? 1 : 0;
          movedBack += visitor.getValue().equals("green") && side.equals("blue") ? 1 : 0;
          visitor.setValue(side);
        }
        int onGreen = 0;
        for (int i = 0; i < VISITORS; i++) {
          Visit v = visit(null);
          if (v.cookie() != null) {
            returning.put(v.cookie(), v.workspace());
          }
          onGreen += v.workspace().equals("green") ? 1 : 0;
        }
        event(String.format(Locale.ROOT, "  %s (revision %d): %d of %d new visitors on green; of %d returning, %d moved to green, %d back to blue",
            table.description(), table.revision(), onGreen, VISITORS, returning.size() - VISITORS, movedToGreen, movedBack));
        ok &= movedBack == 0;
      }
      ReleaseOutcome outcome = watch.outcome().get(60, TimeUnit.SECONDS);
      event("  " + outcome.verdict() + ": " + outcome.reason() + " (revision " + outcome.endRevision() + ": "
          + router.current().description() + ")");
      return ok && outcome.verdict() == ReleaseOutcome.Verdict.HELD && router.resolve(SHOP, "/").workspace().name().equals("green");
    }

    /** One visitor's request, with its canary cookie if it has one; the cookie it was given, if any. */
    private Visit visit(@Nullable String cookie) throws IOException {
      RawResponse r;
      try (RawConnection c = ShopRequests.open(port)) {
        r = c.exchange("GET / HTTP/1.1\r\nHost: " + SHOP + "\r\n"
            + (cookie == null ? "" : "Cookie: " + CanaryKey.DEFAULT_COOKIE + "=" + cookie + "\r\n")
            + "Connection: close\r\n\r\n");
      }
      String given = null;
      for (String field : r.headers("Set-Cookie")) {
        if (field.startsWith(CanaryKey.DEFAULT_COOKIE + "=")) {
          given = field.substring(CanaryKey.DEFAULT_COOKIE.length() + 1, field.indexOf(';'));
        }
      }
      return new Visit(ShopRequests.workspace(r), given);
    }

    private record Visit(String workspace, @Nullable String cookie) {}

    private boolean redRefusedByItsProbe() throws InterruptedException {
      long before = router.current().revision();
      try {
        guarded().promote(SHOP, "red").probe(Probe.http("home", red.resolve("/")).build()).build().start();
        event("release " + SHOP + " -> red was NOT refused");
        return false;
      } catch (ProbeFailedException e) {
        event("release " + SHOP + " -> red refused: " + e.getMessage() + " (still revision " + router.current().revision() + ")");
        return router.current().revision() == before;
      }
    }

    private ReleaseOutcome releaseRed() throws InterruptedException, ExecutionException, TimeoutException {
      ReleaseWatch watch =
          guarded().promote(SHOP, "red").probe(Probe.http("health", red.resolve("/health")).build()).build().start();
      event("release " + SHOP + " -> red, probing only /health: passed, revision " + watch.switched().revision());
      ReleaseOutcome outcome = watch.outcome().get(60, TimeUnit.SECONDS);
      event("  " + outcome.verdict() + " (revision " + outcome.endRevision() + "): " + outcome.reason());
      return outcome;
    }

    private GuardedRelease.Builder guarded() {
      return GuardedRelease.builder(router)
          .watchFor(WINDOW)
          .rollBackAboveFailureRate(MAX_FAILURE_RATE, MIN_REQUESTS)
          .checkEvery(Duration.ofMillis(10));
    }

    private void event(String line) {
      out.printf(Locale.ROOT, "[%5.1fs] %s%n", (System.nanoTime() - start) / 1e9, line);
      out.flush();
    }

    private static String perWorkspace(Map<String, Long> counts) {
      StringBuilder text = new StringBuilder();
      counts.forEach((ws, n) -> text.append(text.length() == 0 ? "" : "   ").append(String.format(Locale.ROOT, "%s %,d", ws, n)));
      return text.length() == 0 ? "nobody" : text.toString();
    }
  }

  /** A version that passes its health check and fails everything else: the bad release. */
  static final class BrokenShop extends Handler.Abstract.NonBlocking {
    private final String workspace;

    BrokenShop(String workspace) {
      this.workspace = workspace;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      boolean health = Request.getPathInContext(request).equals("/health");
      response.setStatus(health ? 200 : 500);
      response.getHeaders().put(ShopApp.WORKSPACE_HEADER, workspace);
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
      Content.Sink.write(response, true, health ? "ok\n" : "shop v3 (" + workspace + ") is broken\n", callback);
      return true;
    }
  }
}
