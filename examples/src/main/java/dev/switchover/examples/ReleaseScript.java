package dev.switchover.examples;

import static dev.switchover.examples.ShopDeployment.GREEN_PREVIEW;
import static dev.switchover.examples.ShopDeployment.SHOP;
import static dev.switchover.examples.ShopDeployment.STAGING;

import dev.switchover.rawhttp.RawResponse;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The scripted release: load on {@code shop.localhost}; check green on its preview host; promote
 * production to green; roll back; swap production with staging (green again); stop the load. A
 * progress line updates in place while it runs; a summary follows.
 */
final class ReleaseScript {
  private static final long TICK_MILLIS = 250;

  private final ShopDeployment shop;
  private final Switchboard switchboard;
  private final PrintStream out;
  private final Duration phase;
  private final int clients;
  private final int requestsPerSecond;
  private final long start = System.nanoTime();
  private final Deque<long[]> samples = new ArrayDeque<>(); // {nanoTime, sent}, for the rate
  private int progressWidth;
  private volatile String step = "starting";

  ReleaseScript(
      ShopDeployment shop, Switchboard switchboard, PrintStream out, Duration phase, int clients, int requestsPerSecond) {
    this.shop = shop;
    this.switchboard = switchboard;
    this.out = out;
    this.phase = phase;
    this.clients = clients;
    this.requestsPerSecond = requestsPerSecond;
  }

  /** Runs the release; 0 if every request succeeded, 1 otherwise. */
  int run() throws InterruptedException {
    Load load = new Load(shop.port(), SHOP, clients, requestsPerSecond, switchboard);
    ScheduledExecutorService ticker =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "demo-progress");
              t.setDaemon(true);
              return t;
            });
    boolean released;
    try {
      event(String.format(Locale.ROOT,
          "load: %d keep-alive clients send GET / with Host: %s, at most %,d requests/s in all",
          load.clients(), SHOP, requestsPerSecond));
      step = SHOP + " on blue";
      load.start();
      var unused =
          ticker.scheduleAtFixedRate(() -> progress(load), 0, TICK_MILLIS, TimeUnit.MILLISECONDS);
      Thread.sleep(phase.toMillis());
      released = greenPreviewIsReady();
      if (released) {
        switchAndRun(() -> switchboard.promote(SHOP, "green"));
        switchAndRun(switchboard::rollback);
        switchAndRun(() -> switchboard.swap(SHOP, STAGING));
      }
    } finally {
      load.stop();
      ticker.shutdownNow();
      if (!ticker.awaitTermination(10, TimeUnit.SECONDS)) {
        event("the progress line did not stop");
      }
    }
    progress(load);
    event("load stopped");
    summary(load);
    return released && load.failed() == 0 ? 0 : 1;
  }

  /** Step 2: a release goes ahead only if the new version answers on its preview host. */
  private boolean greenPreviewIsReady() {
    step = "checking green";
    try {
      RawResponse reply = ShopRequests.getOnce(shop.port(), GREEN_PREVIEW, "/");
      String workspace = ShopRequests.workspace(reply);
      boolean ready = reply.status() == 200 && workspace.equals("green");
      event(GREEN_PREVIEW + " answers " + reply.status() + " from " + workspace + ": \""
          + ShopRequests.firstLine(reply) + "\"" + (ready ? "" : " -- not releasing"));
      return ready;
    } catch (IOException e) {
      event(GREEN_PREVIEW + " does not answer (" + e + ") -- not releasing");
      return false;
    }
  }

  private void switchAndRun(Supplier<Switchboard.Switch> change) throws InterruptedException {
    Switchboard.Switch made = change.get();
    step = made.description();
    event(String.format(Locale.ROOT, "%s: revision %d, published in %s (CPU %s); %s is on %s",
        made.description(), made.revision(), made.micros(), made.cpuMicros(), SHOP, made.watchedHostOn()));
    Thread.sleep(phase.toMillis());
  }

  private void summary(Load load) {
    long elapsed = System.nanoTime() - start;
    out.printf(Locale.ROOT, "%nSummary (%.1f s)%n", elapsed / 1e9);
    out.printf(Locale.ROOT, "  requests sent   %,d%n", load.sent());
    out.printf(Locale.ROOT, "  failed          %,d%n", load.failed());
    for (String failure : load.failures()) {
      out.println("    " + failure);
    }
    out.println("  served by       " + perWorkspace(load.servedBy()));
    out.println("  switches        time to publish, measured around the router call (wall-clock, CPU):");
    for (Switchboard.Switch s : switchboard.switches()) {
      out.printf(Locale.ROOT, "    revision %d  %-50s %12s %12s%n", s.revision(), s.description(), s.micros(), s.cpuMicros());
    }
    if (load.failed() == 0) {
      out.println("  every request got 200 from the workspace its host pointed at when it was sent");
    }
    out.println();
    out.println("To switch by hand while you send requests with curl, run it with --interactive.");
    out.flush();
  }

  private static String perWorkspace(Map<String, Long> counts) {
    StringBuilder text = new StringBuilder();
    counts.forEach(
        (ws, n) -> text.append(text.length() == 0 ? "" : "   ").append(String.format(Locale.ROOT, "%s %,d", ws, n)));
    return text.length() == 0 ? "nobody" : text.toString();
  }

  /** Prints a line above the progress line. */
  private synchronized void event(String line) {
    clearProgress();
    out.printf(Locale.ROOT, "[%5.1fs] %s%n", (System.nanoTime() - start) / 1e9, line);
    out.flush();
  }

  /** Rewrites the progress line in place. */
  private synchronized void progress(Load load) {
    long now = System.nanoTime();
    long sent = load.sent();
    samples.addLast(new long[] {now, sent});
    while (samples.size() > 1 && now - samples.getFirst()[0] > TimeUnit.SECONDS.toNanos(1)) {
      samples.removeFirst();
    }
    long[] oldest = samples.getFirst();
    double seconds = (now - oldest[0]) / 1e9;
    long rate = seconds > 0 ? Math.round((sent - oldest[1]) / seconds) : 0;
    String line = String.format(Locale.ROOT, "[%5.1fs] %,6d req/s | %s | failed %d | %s",
        (now - start) / 1e9, rate, perWorkspace(load.servedBy()), load.failed(), step);
    clearProgress();
    out.print(line);
    out.flush();
    progressWidth = line.length();
  }

  private void clearProgress() {
    if (progressWidth > 0) {
      out.print("\r" + " ".repeat(progressWidth) + "\r");
      progressWidth = 0;
    }
  }
}
