package dev.switchover.guard;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import com.google.common.collect.ImmutableList;
import dev.switchover.HostName;
import dev.switchover.PathPrefix;
import dev.switchover.PreparedChange;
import dev.switchover.Router;
import dev.switchover.Route;
import dev.switchover.RoutingTable;
import dev.switchover.Split;
import dev.switchover.WorkspaceId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A release that checks its target before the switch and watches it afterwards: it runs its
 * {@link Probe}s against the target workspace and publishes the promote only if they all pass;
 * then, for a window, it watches the workspace's failures (its own 5xx answers, 502 and 504 from
 * its upstreams, 503 for being bound to nothing, as the adapters count them per workspace) and,
 * if asked, its probes. Above a threshold it rolls the switch back by compare-and-set on the
 * revision the switch published: only if no other write came in since. If one did, the rollback
 * is refused and reported ({@link ReleaseOutcome.Verdict#ROLLBACK_REFUSED}), never forced.
 *
 * <p>A release may also be a {@linkplain Builder#canary canary}: rising shares of the domain's
 * traffic, each step a compare-and-set on the step before and watched in turn; a failure ends
 * the split (all traffic back on the route's own workspace), and a last step of 100% that held is
 * made the promote.
 *
 * <p>The counts are the router's per-workspace counts ({@link Router#requests}), read every
 * {@linkplain Builder#checkEvery check interval}: the request path pays nothing for the watch.
 * They count the workspace's requests on any host, its preview host included. A release is one
 * use: {@link #start()} runs it once. Thread-safe.
 *
 * <pre>{@code
 * ReleaseWatch watch = GuardedRelease.builder(router)
 *     .promote("shop.example.com", "green")
 *     .probe(Probe.http("health", URI.create("http://10.0.0.7:8080/health")).consecutiveSuccesses(3).build())
 *     .watchFor(Duration.ofMinutes(5))
 *     .rollBackAboveFailureRate(0.05, 50)      // more than 5% of at least 50 requests failed
 *     .build()
 *     .start();                                // throws ProbeFailedException, publishing nothing
 * ReleaseOutcome outcome = watch.outcome().join();
 *
 * GuardedRelease.builder(router)
 *     .canary("shop.example.com", "green", 10, 50, 100)  // 10% -> 50% -> 100%, then the promote
 *     .watchFor(Duration.ofMinutes(10))                 // each step
 *     .build()
 *     .start();
 * }</pre>
 */
public final class GuardedRelease {
  private static final Logger log = LoggerFactory.getLogger(GuardedRelease.class);
  /** What the revisions a guard writes to undo a release say first about why. */
  static final String GUARD = "release guard: ";

  private final Router router;
  private final HostName domain;
  private final @Nullable PathPrefix prefix;
  private final WorkspaceId workspace;
  private final ImmutableList<Probe> probes;
  private final Duration window;
  private final double maxFailureRate;
  private final int minRequests;
  private final int maxFailedProbes;
  private final Duration checkEvery;
  private final ImmutableList<ReleaseListener> listeners;
  /** A canary's weights, in basis points, rising; empty for a promote. */
  private final ImmutableList<Integer> steps;
  private boolean started;

  private GuardedRelease(Builder b, HostName domain, WorkspaceId workspace) {
    this.router = b.router;
    this.steps = ImmutableList.copyOf(b.steps);
    this.domain = domain;
    this.prefix = b.prefix;
    this.workspace = workspace;
    this.probes = ImmutableList.copyOf(b.probes);
    this.window = b.window == null ? Duration.ofMinutes(5) : b.window;
    this.maxFailureRate = b.maxFailureRate < 0 ? 0.05 : b.maxFailureRate;
    this.minRequests = b.minRequests < 0 ? 20 : b.minRequests;
    this.maxFailedProbes = b.maxFailedProbes;
    this.checkEvery = b.checkEvery == null ? Duration.ofMillis(100) : b.checkEvery;
    this.listeners = ImmutableList.copyOf(b.listeners);
  }

  /** A builder for a release through {@code router}. */
  public static Builder builder(Router router) {
    return new Builder(router);
  }

  /**
   * Runs the release: prepares the promote (refused at once if it is invalid), runs every probe's
   * pre-switch check in order on this thread, publishes the promote if all pass, and starts the
   * watch, which then runs on threads of its own.
   *
   * @return the watch, whose {@link ReleaseWatch#outcome()} completes when it ends
   * @throws ProbeFailedException if a probe did not pass; nothing was published
   * @throws IllegalArgumentException if the domain (or prefix) has no route; nothing was published
   * @throws dev.switchover.InvalidTableException if the workspace is not declared; nothing was
   *     published
   * @throws dev.switchover.RevisionConflictException if, while the probes ran, another write
   *     changed what the promote depends on; nothing was published
   * @throws IllegalStateException if this release was started before
   * @throws IllegalArgumentException for a canary whose routes already split their traffic (a ramp
   *     starts from none, so that its rollback can put everything back where it was: end or
   *     promote that split first); nothing was published
   * @throws InterruptedException if interrupted while probing; nothing was published
   */
  public ReleaseWatch start() throws InterruptedException {
    synchronized (this) {
      checkState(!started, "this release of %s -> %s was started already; build another", target(), workspace);
      started = true;
    }
    PreparedChange change = null;
    if (steps.isEmpty()) {
      change = prefix == null ? router.preparePromote(domain, workspace) : router.preparePromote(domain, prefix, workspace);
    } else {
      checkNoSplit(router.current());
      // Built, not published, so that a canary that cannot be is refused before its probes run.
      var unused = splitOf(router.current().toBuilder(), steps.get(0)).build();
    }
    for (Probe probe : probes) {
      try {
        probe.check();
      } catch (ProbeFailedException e) {
        log.warn("refused the release of {} -> {} at revision {}: {}", target(), workspace, router.current().revision(), e.getMessage());
        throw e;
      }
    }
    ReleaseWatch watch = new ReleaseWatch(this);
    RoutingTable switched;
    try {
      if (change != null) {
        switched = change.commit();
      } else {
        RoutingTable now = router.current();
        checkNoSplit(now); // one may have begun while the probes ran
        switched = step(now.revision(), 0);
      }
    } catch (RuntimeException e) {
      watch.abandon();
      throw e;
    }
    watch.begin(switched);
    return watch;
  }

  Router router() {
    return router;
  }

  /** Whether this release is a canary: steps of a split rather than one promote. */
  boolean isCanary() {
    return !steps.isEmpty();
  }

  /** The canary's steps, in basis points. */
  ImmutableList<Integer> steps() {
    return steps;
  }

  /** Publishes step {@code index} of the canary if the current revision is still {@code expectedRevision}. */
  RoutingTable step(long expectedRevision, int index) {
    return router.split(expectedRevision, domain, prefix, Split.of(workspace, steps.get(index)));
  }

  /**
   * Ends the canary with all of its traffic on the canary workspace, if the current revision is
   * still {@code expectedRevision}.
   */
  RoutingTable promoteCanary(long expectedRevision) {
    return prefix == null
        ? router.promote(expectedRevision, domain, workspace)
        : router.promote(expectedRevision, domain, prefix, workspace);
  }

  /**
   * Undoes what the guard published last, at {@code expectedRevision}: the switch's rollback, or for
   * a canary the end of its split.
   */
  RoutingTable rollBack(long expectedRevision, String why) {
    return steps.isEmpty()
        ? router.rollback(expectedRevision, GUARD + why)
        : router.endSplit(expectedRevision, domain, prefix, GUARD + why);
  }

  /** A canary's ramp starts from routes without a split, so that ending its split restores them. */
  private void checkNoSplit(RoutingTable table) {
    for (Route r : table.routes(domain)) {
      if (prefix == null || r.prefix().equals(prefix)) {
        checkArgument(
            r.split().isEmpty(),
            "cannot start a canary of %s -> %s: route %s already splits its traffic; end or promote that split first",
            target(),
            workspace,
            r);
      }
    }
  }

  /**
   * The routes of the domain once step {@code index} of the canary (or, for {@code index} equal to
   * the number of steps, its closing promote) is applied to {@code table}: how the watch tells
   * that a step whose write seemed to fail was made after all.
   */
  List<Route> routesAfter(RoutingTable table, int index) {
    RoutingTable.Builder b = table.toBuilder();
    if (index < steps.size()) {
      splitOf(b, steps.get(index));
    } else if (prefix == null) {
      b.pointHost(domain, workspace);
    } else {
      b.pointRoute(domain, prefix, workspace);
    }
    return b.build().routes(domain);
  }

  /** The domain's routes in {@code table}. */
  List<Route> routesIn(RoutingTable table) {
    return table.routes(domain);
  }

  private RoutingTable.Builder splitOf(RoutingTable.Builder b, int basisPoints) {
    Split split = Split.of(workspace, basisPoints);
    return prefix == null ? b.splitHost(domain, split) : b.splitRoute(domain, prefix, split);
  }

  WorkspaceId workspace() {
    return workspace;
  }

  /** The domain, or the domain and prefix, the release points at its workspace. */
  String target() {
    return prefix == null ? domain.toString() : domain.toString() + prefix;
  }

  ImmutableList<Probe> probes() {
    return probes;
  }

  Duration window() {
    return window;
  }

  double maxFailureRate() {
    return maxFailureRate;
  }

  int minRequests() {
    return minRequests;
  }

  /** 0 when failed probes do not roll back. */
  int maxFailedProbes() {
    return maxFailedProbes;
  }

  Duration checkEvery() {
    return checkEvery;
  }

  ImmutableList<ReleaseListener> listeners() {
    return listeners;
  }

  @Override
  public String toString() {
    return "GuardedRelease{" + target() + " -> " + workspace + (steps.isEmpty() ? "" : " by steps " + stepsText())
        + ", " + probes.size() + " probe(s), watch " + window + (steps.isEmpty() ? "" : " each") + "}";
  }

  /** For example {@code 10%, 50%, 100%}. */
  String stepsText() {
    StringBuilder text = new StringBuilder();
    for (int bp : steps) {
      String split = Split.of(workspace, bp).toString();
      text.append(text.length() == 0 ? "" : ", ").append(split, 0, split.indexOf(' '));
    }
    return text.toString();
  }

  /**
   * Builds a {@link GuardedRelease}. The promote must be named; each setting may be set once;
   * arguments are checked at once. Not thread-safe.
   */
  public static final class Builder {
    private final Router router;
    private @Nullable HostName domain;
    private @Nullable PathPrefix prefix;
    private @Nullable WorkspaceId workspace;
    private final List<Probe> probes = new ArrayList<>();
    private final List<ReleaseListener> listeners = new ArrayList<>();
    private @Nullable Duration window;
    private double maxFailureRate = -1;
    private int minRequests = -1;
    private int maxFailedProbes;
    private @Nullable Duration checkEvery;
    private final List<Integer> steps = new ArrayList<>();

    private Builder(Router router) {
      this.router = checkNotNull(router, "router");
    }

    /** The release: every route of {@code domain} to {@code workspace}. */
    public Builder promote(HostName domain, WorkspaceId workspace) {
      checkNotNull(domain, "domain");
      checkNotNull(workspace, "workspace");
      checkState(this.domain == null, "the release was already set to %s -> %s", this.domain, this.workspace);
      this.domain = domain;
      this.workspace = workspace;
      return this;
    }

    /** The release by names; see {@link #promote(HostName, WorkspaceId)}. */
    public Builder promote(String domain, String workspace) {
      checkNotNull(domain, "domain");
      checkNotNull(workspace, "workspace");
      return promote(HostName.parse(domain), WorkspaceId.of(workspace));
    }

    /** The release of one path prefix of {@code domain} to {@code workspace}. */
    public Builder promote(HostName domain, PathPrefix prefix, WorkspaceId workspace) {
      checkNotNull(prefix, "prefix");
      promote(domain, workspace);
      this.prefix = prefix;
      return this;
    }

    /**
     * The release as a canary: every route of {@code domain} sends a rising share of its traffic
     * to {@code workspace}, one step after another, each step watched for the {@linkplain
     * #watchFor window}; a failure at any step ends the split, with all traffic back where it was.
     * A last step of 100% is followed, once its window passed, by the promote that ends the
     * split with all traffic on {@code workspace}; a ramp that stops short of 100% leaves its last
     * split running. Clients keep their side by their sticky keys, and each step moves only
     * clients of the route's own workspace.
     *
     * @param percents the steps, rising, each above 0 and at most 100 (rounded to a basis point)
     * @throws IllegalArgumentException if there is no step, or they do not rise within (0, 100]
     * @throws IllegalStateException if the release was already named (a promote or a canary)
     */
    public Builder canary(HostName domain, WorkspaceId workspace, double... percents) {
      checkNotNull(domain, "domain");
      checkNotNull(workspace, "workspace");
      checkNotNull(percents, "percents");
      checkArgument(percents.length > 0, "a canary needs at least one step");
      List<Integer> weights = new ArrayList<>();
      for (double p : percents) {
        checkArgument(p > 0 && p <= 100, "a canary's step is a percentage above 0 and at most 100, but was %s", p);
        int bp = Split.ofPercent(workspace, p).basisPoints();
        checkArgument(bp > 0, "a canary's step must be at least one basis point (0.01 percent), but was %s", p);
        checkArgument(
            weights.isEmpty() || bp > weights.get(weights.size() - 1),
            "a canary's steps must rise, but %s follows %s",
            p,
            weights.isEmpty() ? "" : weights.get(weights.size() - 1) / 100.0);
        weights.add(bp);
      }
      promote(domain, workspace);
      steps.addAll(weights);
      return this;
    }

    /** A canary by names; see {@link #canary(HostName, WorkspaceId, double...)}. */
    public Builder canary(String domain, String workspace, double... percents) {
      checkNotNull(domain, "domain");
      checkNotNull(workspace, "workspace");
      return canary(HostName.parse(domain), WorkspaceId.of(workspace), percents);
    }

    /** A canary of one path prefix of {@code domain}; see {@link #canary(HostName, WorkspaceId, double...)}. */
    public Builder canary(HostName domain, PathPrefix prefix, WorkspaceId workspace, double... percents) {
      checkNotNull(prefix, "prefix");
      canary(domain, workspace, percents);
      this.prefix = prefix;
      return this;
    }

    /** A probe that must pass before the switch (and, with {@link #rollBackAfterFailedProbes}, during the watch). */
    public Builder probe(Probe probe) {
      probes.add(checkNotNull(probe, "probe"));
      return this;
    }

    /**
     * How long the workspace is watched after the switch (for a canary, after each step); 5 minutes
     * by default.
     */
    public Builder watchFor(Duration w) {
      checkNotNull(w, "w");
      checkState(window == null, "watchFor was already set to %s", window);
      checkArgument(!w.isNegative(), "the watch window must not be negative, but was %s", w);
      this.window = w;
      return this;
    }

    /**
     * Rolls back once more than {@code maxRate} of the workspace's requests during the watch
     * failed, counted over at least {@code minRequests}; by default more than 5% of at least 20.
     *
     * @throws IllegalArgumentException if {@code maxRate} is not in [0, 1) or {@code minRequests} is
     *     below 1
     */
    public Builder rollBackAboveFailureRate(double maxRate, int requests) {
      checkState(maxFailureRate < 0, "rollBackAboveFailureRate was already set to %s over %s", (Object) maxFailureRate, (Object) minRequests);
      checkArgument(maxRate >= 0 && maxRate < 1, "the failure rate must be at least 0 and below 1, but was %s", maxRate);
      checkArgument(requests >= 1, "the minimum number of requests must be at least 1, but was %s", requests);
      this.maxFailureRate = maxRate;
      this.minRequests = requests;
      return this;
    }

    /**
     * Probes again during the watch, each every its interval (but no more often than {@link
     * #checkEvery}), and rolls back once one fails {@code count} times in a row. Off by default.
     */
    public Builder rollBackAfterFailedProbes(int count) {
      checkState(maxFailedProbes == 0, "rollBackAfterFailedProbes was already set to %s", maxFailedProbes);
      checkArgument(count >= 1, "the failed probes in a row must be at least 1, but was %s", count);
      this.maxFailedProbes = count;
      return this;
    }

    /** How often the watch reads the counts; 100 ms by default. */
    public Builder checkEvery(Duration interval) {
      checkNotNull(interval, "interval");
      checkState(checkEvery == null, "checkEvery was already set to %s", checkEvery);
      checkArgument(interval.toNanos() >= 100_000, "the check interval must be at least 0.1 ms, but was %s", interval);
      this.checkEvery = interval;
      return this;
    }

    /** A listener for the switch and the watch's end. */
    public Builder listener(ReleaseListener listener) {
      listeners.add(checkNotNull(listener, "listener"));
      return this;
    }

    /**
     * The release; later changes to this builder do not affect it.
     *
     * @throws IllegalStateException if no promote was named, or failed probes should roll back but
     *     there are no probes
     */
    public GuardedRelease build() {
      HostName d = domain;
      WorkspaceId w = workspace;
      checkState(d != null && w != null, "name the release: promote(domain, workspace)");
      checkState(maxFailedProbes == 0 || !probes.isEmpty(), "rollBackAfterFailedProbes needs at least one probe");
      return new GuardedRelease(this, d, w);
    }
  }
}
