package dev.switchover;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import com.google.common.collect.ImmutableList;
import dev.switchover.spi.TableStore;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live routing state: one reference to the current {@link RoutingTable}, replaced atomically.
 *
 * <p>Reading is one volatile read ({@link #current()}) followed by pure computation on an
 * immutable table. Every write ({@link #update}, {@link #promote}, {@link #swap}, {@link
 * #rollback}, {@link #setDomainStatus}, {@link PreparedChange#commit()}) builds a new, validated
 * table from the current one and publishes it by one compare-and-set on the revision; a rejected
 * write changes nothing. Once a write returns, every resolve that starts afterwards, on any
 * thread, sees the new table. Listeners hear about each published table afterwards, in revision
 * order. A promote or swap can also be prepared ahead ({@link #preparePromote}, {@link
 * #prepareSwap}), so that the switch itself is only the compare-and-set. Each write that names a
 * domain, a prefix or a workspace also takes them as text ({@link HostName#parse}, {@link
 * PathPrefix#of}, {@link WorkspaceId#of}). The router also counts requests in flight per workspace
 * ({@link #admit}) and tells when a workspace that no table routes to has drained ({@link
 * #awaitDrained}). Thread-safe.
 *
 * <pre>{@code
 * Router router = Router.create(table);
 * router.promote("shop.example.com", "green");  // release
 * router.rollback();                             // and back, as a new revision
 * router.awaitDrained(WorkspaceId.of("green")).join();
 * PreparedChange next = router.preparePromote("shop.example.com", "green"); // staged, validated
 * next.commit();                                 // the release, with nothing left to build
 * }</pre>
 */
public final class Router implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Router.class);
  /** Each failed attempt means a newer table was published meanwhile; this many never happen. */
  private static final int MAX_ADMIT_ATTEMPTS = 10_000;

  private final TableStore store;
  private final int historySize;
  private final ReentrantLock writeLock = new ReentrantLock();
  private final ArrayDeque<RoutingTable> history = new ArrayDeque<>();
  private final CopyOnWriteArrayList<TableListener> listeners = new CopyOnWriteArrayList<>();
  private final ConcurrentLinkedQueue<RoutingTable> undelivered = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean delivering = new AtomicBoolean();
  private final InFlight inFlight;
  /** Admitted requests that no route matched: [0] an unknown host, [1] no route for the path. */
  private final AtomicLongArray unrouted = new AtomicLongArray(2);
  /** Guards {@link #current}, {@link #history} and the order of {@link #undelivered}; never calls out. */
  private final Object publishLock = new Object();
  private final Subscription storeWatch;
  /** Who the writes of the current thread are made for, inside {@link #actingAs}. */
  private final ThreadLocal<@Nullable String> actor = new ThreadLocal<>();
  private volatile RoutingTable current;

  private Router(TableStore store, int historySize, Duration longLivedGrace) {
    this.store = store;
    this.historySize = historySize;
    this.current = store.load();
    this.inFlight = new InFlight(() -> current, longLivedGrace);
    this.storeWatch = store.watch(this::onStored);
    // A table written between the first load and the watch is picked up here.
    advance(store.load());
  }

  /** A router over an in-memory store that starts with {@code initial}; history of 32. */
  public static Router create(RoutingTable initial) {
    return builder().initialTable(initial).build();
  }

  /** A builder for a router with a store or history size of your choice. */
  public static Builder builder() {
    return new Builder();
  }

  /** The current table: one volatile read. Pin it for the whole of a request. */
  public RoutingTable current() {
    return current;
  }

  /** Resolves one request against the current table; see {@link RoutingTable#resolve}. */
  public Resolution resolve(CharSequence host, CharSequence path) {
    checkNotNull(host, "host");
    return current.resolve(host, path);
  }

  /**
   * Resolves a request against the current table and, when it is routed, counts it in flight on
   * its workspace until the returned admission is closed. Adapters call this once per request.
   *
   * <p>A request that resolved against a table older than a completed drain of its workspace is
   * resolved again against the current table, so that no request enters a drained workspace.
   *
   * @throws IllegalStateException if tables were published so fast that the request could not be
   *     admitted in thousands of attempts (each attempt fails only because a newer table appeared)
   */
  public Admission admit(CharSequence host, CharSequence path) {
    return admit(host, path, null);
  }

  /**
   * Admits a request as {@link #admit(CharSequence, CharSequence)} does, choosing the side of a
   * {@linkplain Route#split() split} route by the request's sticky key ({@link
   * Resolution#choose}). A request to a split route that carries no key gets a new one ({@link
   * Split#newStickyKey()}), which {@link Admission#newStickyKey()} reports so that the adapter can
   * hand it to the client (the canary cookie); a route without a split never reads the key.
   *
   * <p>An adapter that must look for the key in the request uses {@link #admit(CharSequence,
   * CharSequence, PreviewTokens, CharSequence, Object, StickyKeys)} instead, which looks only for a
   * request whose route splits.
   *
   * @throws IllegalStateException as {@link #admit(CharSequence, CharSequence)} does
   */
  public Admission admit(CharSequence host, CharSequence path, @Nullable CharSequence stickyKey) {
    checkNotNull(host, "host");
    checkNotNull(path, "path");
    return admitRouted(host, path, stickyKey, null, null);
  }

  /**
   * Where an adapter finds a request's sticky key: asked only for a request whose route {@linkplain
   * Route#split() splits}, so that other requests pay nothing for canaries. Null (or empty) if the
   * request has none. Made once by an adapter (a method reference in a field), it allocates
   * nothing per request.
   *
   * @param <R> the adapter's request type
   */
  @FunctionalInterface
  public interface StickyKeys<R> {
    /** The request's sticky key, or null if it carries none. */
    @Nullable CharSequence keyOf(R request);
  }

  /**
   * Admits a request, the way an adapter does: with a preview token valid for its host, as {@link
   * #admit(CharSequence, CharSequence, PreviewTokens, CharSequence)} does; otherwise as {@link
   * #admit(CharSequence, CharSequence, CharSequence)} does, asking {@code keys} for the request's
   * sticky key only if the route it resolved to splits. One read of the current table serves the
   * whole decision.
   *
   * @param previews the adapter's preview tokens, or null if it has none (then {@code token} is
   *     ignored)
   * @param token the request's preview token, or null
   * @throws IllegalStateException as {@link #admit(CharSequence, CharSequence)} does
   */
  public <R> Admission admit(
      CharSequence host,
      CharSequence path,
      @Nullable PreviewTokens previews,
      @Nullable CharSequence token,
      R request,
      StickyKeys<? super R> keys) {
    checkNotNull(host, "host");
    checkNotNull(path, "path");
    checkNotNull(request, "request");
    checkNotNull(keys, "keys");
    PreviewToken preview = previews == null || token == null ? null : previews.verify(token, host);
    if (preview != null) {
      return admitPreview(host, path, preview);
    }
    return admitRouted(host, path, null, request, keys);
  }

  /** The admission of a request without a valid preview token; a split's key from either source. */
  private <R> Admission admitRouted(
      CharSequence host,
      CharSequence path,
      @Nullable CharSequence stickyKey,
      @Nullable R request,
      @Nullable StickyKeys<? super R> keys) {
    CharSequence key = stickyKey;
    boolean asked = false;
    String newKey = null;
    for (int attempt = 0; attempt < MAX_ADMIT_ATTEMPTS; attempt++) {
      RoutingTable table = current;
      Resolution resolution = table.resolve(host, path);
      if (!resolution.isRouted()) {
        unrouted.incrementAndGet(resolution.outcome() == Resolution.Outcome.UNKNOWN_HOST ? 0 : 1);
        return new Admission(table.revision(), resolution, null);
      }
      if (resolution.isSplit()) {
        if (!asked && keys != null && request != null) {
          asked = true;
          key = keys.keyOf(request);
        }
        CharSequence side = key;
        if (side == null || side.length() == 0) {
          if (newKey == null) {
            newKey = Split.newStickyKey(); // kept for any further attempt
          }
          side = newKey;
        }
        resolution = resolution.choose(side);
      }
      InFlight.Counter counter = inFlight.counter(resolution.workspace());
      if (counter.tryEnter()) {
        return newKey == null
            ? new Admission(table.revision(), resolution, counter)
            : new Admission.WithNewKey(table.revision(), resolution, counter, newKey);
      }
      // The workspace drained and closed. If the current table routes to it again (a rollback
      // whose publication is still reopening counters), reopen it now rather than wait.
      counter.reopenIfRouted(current);
    }
    throw new IllegalStateException("could not admit a request for " + host + ": tables changed too fast");
  }

  /**
   * Admits a request as {@link #admit(CharSequence, CharSequence)} does, unless it carries a
   * preview token that is valid now for its host: then, if the current table routes the request,
   * it is admitted to the token's workspace instead of the route's (the same route matched, so an
   * unknown host or a path without a route is still refused). A token that is malformed, forged,
   * expired or for another domain is ignored: the request is routed as any other. Adapters call
   * this, instead of the two-argument form, for a request that carries a token.
   *
   * <p>The token's workspace may be one that no table routes to: the adapter serves it if it is
   * bound, and answers 503 otherwise, never production. A preview request counts in flight on its
   * workspace (holding up its drain) unless the workspace has already drained.
   */
  public Admission admit(
      CharSequence host, CharSequence path, PreviewTokens previews, @Nullable CharSequence token) {
    return admit(host, path, previews, token, null);
  }

  /**
   * Admits a request with a preview token as {@link #admit(CharSequence, CharSequence,
   * PreviewTokens, CharSequence)} does, and otherwise with its sticky key as {@link
   * #admit(CharSequence, CharSequence, CharSequence)} does: a valid preview token wins over a
   * split.
   */
  public Admission admit(
      CharSequence host,
      CharSequence path,
      PreviewTokens previews,
      @Nullable CharSequence token,
      @Nullable CharSequence stickyKey) {
    checkNotNull(host, "host");
    checkNotNull(path, "path");
    checkNotNull(previews, "previews");
    PreviewToken preview = token == null ? null : previews.verify(token, host);
    if (preview == null) {
      return admit(host, path, stickyKey);
    }
    return admitPreview(host, path, preview);
  }

  /** The admission of a request with a valid preview token: to its workspace, on its route. */
  private Admission admitPreview(CharSequence host, CharSequence path, PreviewToken preview) {
    RoutingTable table = current;
    Resolution resolution = table.resolve(host, path);
    if (!resolution.isRouted()) {
      unrouted.incrementAndGet(resolution.outcome() == Resolution.Outcome.UNKNOWN_HOST ? 0 : 1);
      return new Admission(table.revision(), resolution, null);
    }
    WorkspaceId workspace = preview.workspace();
    Resolution previewed = resolution.previewOn(workspace);
    InFlight.Counter counter = inFlight.counter(workspace);
    return new Admission(table.revision(), previewed, counter.tryEnter() ? counter : null);
  }

  /**
   * How many requests {@link #admit} admitted to {@code workspace} that ended with {@code outcome}
   * (their admission closed), since this router was made; 0 for {@link RequestOutcome#UNKNOWN_HOST}
   * and {@link RequestOutcome#NO_ROUTE}, which belong to no workspace (see {@link
   * #unroutedRequests}). Reads a counter; allocates nothing.
   */
  public long requests(WorkspaceId workspace, RequestOutcome outcome) {
    checkNotNull(workspace, "workspace");
    checkNotNull(outcome, "outcome");
    return inFlight.ended(workspace, outcome);
  }

  /**
   * How many requests {@link #admit} found no route for, since this router was made: {@link
   * RequestOutcome#UNKNOWN_HOST} (421) or {@link RequestOutcome#NO_ROUTE} (404); 0 for any other
   * outcome.
   */
  public long unroutedRequests(RequestOutcome outcome) {
    checkNotNull(outcome, "outcome");
    return switch (outcome) {
      case UNKNOWN_HOST -> unrouted.get(0);
      case NO_ROUTE -> unrouted.get(1);
      default -> 0;
    };
  }

  /** How many admitted requests are in flight on the workspace now. */
  public long inFlight(WorkspaceId workspace) {
    return inFlight.count(checkNotNull(workspace, "workspace"));
  }

  /**
   * How many long-lived connections (WebSockets, server-sent-event streams: requests that {@linkplain
   * Admission#longLived became long-lived}) are open on the workspace now; {@link #inFlight} does
   * not count them.
   */
  public long longLived(WorkspaceId workspace) {
    return inFlight.longLived.count(checkNotNull(workspace, "workspace"));
  }

  /**
   * A future that completes once no current table routes to the workspace and no request admitted
   * to it is still in flight (long-lived connections included): its owner can then stop it, or keep it warm for a rollback. It
   * completes at once if that is already so. Once drained, no request enters the workspace unless
   * a later table routes to it again (a rollback), which reopens it.
   *
   * <p>When the last request in flight completes the drain, the future completes on a new daemon
   * thread, never on the thread that ended the request (often a server's I/O thread): a dependent
   * action such as {@code thenRun(() -> stop(blue))} may block without holding up the server.
   * When this call or a write of this router completes it, it completes on that caller's thread.
   */
  public CompletableFuture<Void> awaitDrained(WorkspaceId workspace) {
    return inFlight.awaitDrained(checkNotNull(workspace, "workspace"));
  }

  /**
   * Builds a new table from the current one with {@code change} and publishes it, if the current
   * revision is still {@code expectedRevision}.
   *
   * @return the published table
   * @throws RevisionConflictException if the revision has moved on; nothing was changed
   * @throws InvalidTableException if the changed table is invalid; nothing was changed
   * @throws IllegalArgumentException if {@code change} refuses an argument; nothing was changed
   */
  public RoutingTable update(long expectedRevision, Consumer<RoutingTable.Builder> change) {
    checkNotNull(change, "change");
    return write(new Expected(expectedRevision, new Change(ChangeReason.EDIT, "edit", change)));
  }

  /**
   * Points every route of a domain at a workspace: the release.
   *
   * @throws IllegalArgumentException if the domain has no routes
   * @throws InvalidTableException if the workspace is not declared
   */
  public RoutingTable promote(HostName domain, WorkspaceId workspace) {
    return write(Change.promote(domain, workspace));
  }

  /** Promotes by names; see {@link #promote(HostName, WorkspaceId)}. */
  public RoutingTable promote(String domain, String workspace) {
    return write(Change.promote(domain, workspace));
  }

  /**
   * Points one path prefix of a domain at a workspace.
   *
   * @throws IllegalArgumentException if the domain has no route for that prefix
   * @throws InvalidTableException if the workspace is not declared
   */
  public RoutingTable promote(HostName domain, PathPrefix prefix, WorkspaceId workspace) {
    return write(Change.promote(domain, prefix, workspace));
  }

  /** Promotes one prefix by names; see {@link #promote(HostName, PathPrefix, WorkspaceId)}. */
  public RoutingTable promote(String domain, String prefix, String workspace) {
    return write(Change.promote(domain, prefix, workspace));
  }

  /**
   * Trades the routing of two hosts atomically: production takes staging's workspaces and staging
   * production's. A resolve sees the swap entirely or not at all.
   *
   * @throws IllegalArgumentException if the hosts are the same or either has no routes
   */
  public RoutingTable swap(HostName a, HostName b) {
    return write(Change.swap(a, b));
  }

  /** Swaps by names; see {@link #swap(HostName, HostName)}. */
  public RoutingTable swap(String a, String b) {
    return write(Change.swap(a, b));
  }

  /**
   * Sends a share of every route of a domain to a canary workspace, or changes the share of a
   * split that runs: a step of a canary release. Which clients go to the canary depends only on
   * their sticky keys, so raising the weight moves only clients of the route's own workspace.
   * {@link #promote(HostName, WorkspaceId) Promoting} the canary ends the split with all traffic
   * on it; {@link #endSplit(HostName)} ends it with all traffic back where it was.
   *
   * @throws IllegalArgumentException if the domain has no routes, or one already points at the
   *     canary
   * @throws InvalidTableException if the canary workspace is not declared
   */
  public RoutingTable split(HostName domain, Split split) {
    return write(Change.split(domain, null, split));
  }

  /**
   * Splits one path prefix of a domain; see {@link #split(HostName, Split)}.
   *
   * @throws IllegalArgumentException if the domain has no route for that prefix, or it already
   *     points at the canary
   * @throws InvalidTableException if the canary workspace is not declared
   */
  public RoutingTable split(HostName domain, PathPrefix prefix, Split split) {
    checkNotNull(prefix, "prefix");
    return write(Change.split(domain, prefix, split));
  }

  /**
   * {@linkplain #split(HostName, Split) Splits} a domain (every route when {@code prefix} is null,
   * otherwise the route of that prefix) if the current revision is still {@code expectedRevision}.
   *
   * @throws RevisionConflictException if the revision has moved on; nothing was changed
   */
  public RoutingTable split(long expectedRevision, HostName domain, @Nullable PathPrefix prefix, Split split) {
    return write(new Expected(expectedRevision, Change.split(domain, prefix, split)));
  }

  /**
   * Ends every split of a domain's routes: all their traffic goes to their own workspaces again.
   *
   * @throws IllegalArgumentException if the domain is not in the table, or none of its routes
   *     splits; nothing was changed
   */
  public RoutingTable endSplit(HostName domain) {
    return write(Change.endSplit(domain, null, null));
  }

  /**
   * Ends the split of one path prefix of a domain.
   *
   * @throws IllegalArgumentException if the domain has no route for that prefix, or it does not
   *     split; nothing was changed
   */
  public RoutingTable endSplit(HostName domain, PathPrefix prefix) {
    checkNotNull(prefix, "prefix");
    return write(Change.endSplit(domain, prefix, null));
  }

  /**
   * Ends the splits of a domain (every route when {@code prefix} is null, otherwise the route of
   * that prefix) if the current revision is still {@code expectedRevision}: how a canary release
   * abandons its canary without overwriting a write made since.
   *
   * @throws RevisionConflictException if the revision has moved on; nothing was changed
   */
  public RoutingTable endSplit(long expectedRevision, HostName domain, @Nullable PathPrefix prefix) {
    return write(new Expected(expectedRevision, Change.endSplit(domain, prefix, null)));
  }

  /**
   * {@linkplain #endSplit(long, HostName, PathPrefix) Ends the splits} of a domain, saying why in
   * the revision's description (a release guard's reason for abandoning its canary).
   *
   * @throws RevisionConflictException if the revision has moved on; nothing was changed
   */
  public RoutingTable endSplit(long expectedRevision, HostName domain, @Nullable PathPrefix prefix, String why) {
    checkNotNull(why, "why");
    return write(new Expected(expectedRevision, Change.endSplit(domain, prefix, why)));
  }

  /**
   * Builds and validates a {@linkplain #promote(HostName, WorkspaceId) promote} now, to be published
   * later by {@link PreparedChange#commit()}: a release staged ahead, whose switch is then only the
   * compare-and-set. Nothing is published until then.
   *
   * @throws IllegalArgumentException if the domain has no routes; nothing was changed
   * @throws InvalidTableException if the workspace is not declared; nothing was changed
   */
  public PreparedChange preparePromote(HostName domain, WorkspaceId workspace) {
    return prepare(Change.promote(domain, workspace));
  }

  /** Prepares a promote by names; see {@link #preparePromote(HostName, WorkspaceId)}. */
  public PreparedChange preparePromote(String domain, String workspace) {
    return prepare(Change.promote(domain, workspace));
  }

  /**
   * Prepares the promote of one path prefix of a domain; see {@link #promote(HostName, PathPrefix,
   * WorkspaceId)} and {@link #preparePromote(HostName, WorkspaceId)}.
   *
   * @throws IllegalArgumentException if the domain has no route for that prefix; nothing was changed
   * @throws InvalidTableException if the workspace is not declared; nothing was changed
   */
  public PreparedChange preparePromote(HostName domain, PathPrefix prefix, WorkspaceId workspace) {
    return prepare(Change.promote(domain, prefix, workspace));
  }

  /**
   * Prepares the promote of one prefix by names; see {@link #preparePromote(HostName, PathPrefix,
   * WorkspaceId)}.
   */
  public PreparedChange preparePromote(String domain, String prefix, String workspace) {
    return prepare(Change.promote(domain, prefix, workspace));
  }

  /**
   * Prepares a {@linkplain #swap(HostName, HostName) swap}, to be published later by {@link
   * PreparedChange#commit()}; see {@link #preparePromote(HostName, WorkspaceId)}. A swap depends on
   * what it trades: if the routes of either host change before the commit, the commit is refused
   * with a {@link RevisionConflictException} rather than trading them again (after the same swap
   * made directly, that would undo it). Writes to other hosts in between do not matter.
   *
   * @throws IllegalArgumentException if the hosts are the same or either has no routes; nothing was
   *     changed
   */
  public PreparedChange prepareSwap(HostName a, HostName b) {
    return prepare(Change.swap(a, b));
  }

  /** Prepares a swap by names; see {@link #prepareSwap(HostName, HostName)}. */
  public PreparedChange prepareSwap(String a, String b) {
    return prepare(Change.swap(a, b));
  }

  /**
   * Publishes, as a new revision, the routing of the revision before the last change. Rolling back
   * twice returns to where you were.
   *
   * @throws IllegalStateException if there is no earlier revision in the history, or if the last
   *     change altered a domain's verification status (a rollback must never restore a revoked
   *     domain's routes; make that change explicitly)
   */
  public RoutingTable rollback() {
    return write(new Rollback());
  }

  /**
   * {@linkplain #rollback() Rolls back}, if the current revision is still {@code expectedRevision}:
   * the rollback of the change its caller saw, never of one made since.
   *
   * @throws RevisionConflictException if the revision has moved on; nothing was changed
   * @throws IllegalStateException as {@link #rollback()} does; nothing was changed
   */
  public RoutingTable rollback(long expectedRevision) {
    return write(new Guarded(expectedRevision, new Rollback()));
  }

  /**
   * {@linkplain #rollback(long) Rolls back} the change its caller saw, saying why: the published
   * table's description (what its history and the admin API show) ends with {@code why}, for
   * example {@code rollback to the routing of revision 6: green failed 12 of 20 requests}. A
   * release guard rolls back this way.
   *
   * @throws IllegalArgumentException if {@code why} is blank or longer than 500 characters
   * @throws RevisionConflictException if the revision has moved on; nothing was changed
   * @throws IllegalStateException as {@link #rollback()} does; nothing was changed
   */
  public RoutingTable rollback(long expectedRevision, String why) {
    checkNotNull(why, "why");
    checkArgument(!why.isBlank() && why.length() <= 500, "why must be 1 to 500 characters and not blank, but was \"%s\"", why);
    return write(new Guarded(expectedRevision, new Rollback(why)));
  }

  /**
   * Publishes, as a new revision, the routing of an earlier revision that the history still holds,
   * if the current revision is still {@code expectedRevision}: an undo to a chosen revision.
   *
   * @throws RevisionConflictException if the revision has moved on; nothing was changed
   * @throws IllegalArgumentException if the history does not hold {@code revision}, or it is the
   *     current revision; nothing was changed
   * @throws IllegalStateException if a domain's verification status changed since {@code revision}
   *     (restoring must never bring back the routes of a domain that lost its status); nothing was
   *     changed
   */
  public RoutingTable restore(long expectedRevision, long revision) {
    return write(new Guarded(expectedRevision, new Restore(revision)));
  }

  /**
   * {@linkplain #promote(HostName, WorkspaceId) Promotes} a domain, if the current revision is still
   * {@code expectedRevision}.
   *
   * @throws RevisionConflictException if the revision has moved on; nothing was changed
   */
  public RoutingTable promote(long expectedRevision, HostName domain, WorkspaceId workspace) {
    return write(new Expected(expectedRevision, Change.promote(domain, workspace)));
  }

  /**
   * {@linkplain #promote(HostName, PathPrefix, WorkspaceId) Promotes one path prefix} of a domain,
   * if the current revision is still {@code expectedRevision}.
   *
   * @throws RevisionConflictException if the revision has moved on; nothing was changed
   */
  public RoutingTable promote(long expectedRevision, HostName domain, PathPrefix prefix, WorkspaceId workspace) {
    return write(new Expected(expectedRevision, Change.promote(domain, prefix, workspace)));
  }

  /**
   * {@linkplain #swap(HostName, HostName) Swaps} two hosts, if the current revision is still {@code
   * expectedRevision}.
   *
   * @throws RevisionConflictException if the revision has moved on; nothing was changed
   */
  public RoutingTable swap(long expectedRevision, HostName a, HostName b) {
    return write(new Expected(expectedRevision, Change.swap(a, b)));
  }

  /**
   * Sets a domain's verification status. A status other than {@link DomainStatus#VERIFIED} also
   * removes the domain's routes in the same revision, logged at WARN.
   */
  public RoutingTable setDomainStatus(HostName domain, DomainStatus status) {
    RoutingTable table = write(Change.domainStatus(domain, status));
    if (!status.mayCarryRoutes()) {
      log.warn("domain {} is {}: its routes are removed in revision {}", domain, status, table.revision());
    }
    return table;
  }

  /** Sets a domain's status by name; see {@link #setDomainStatus(HostName, DomainStatus)}. */
  public RoutingTable setDomainStatus(String domain, DomainStatus status) {
    checkNotNull(domain, "domain");
    checkNotNull(status, "status");
    return setDomainStatus(HostName.parse(domain), status);
  }

  /**
   * Runs {@code writes} on behalf of {@code actor}: every table that this thread publishes
   * through this router inside it, whatever the write (promote, swap, rollback, a domain's
   * status, a prepared change's commit), carries {@code actor} as its {@link RoutingTable#actor()}
   * (a store shared by a fleet keeps it, so that every router tells who made the revision). Writes
   * made by other threads, an executor's included, are not affected, nor are those a listener
   * makes when it hears of this thread's write; calls may nest, the innermost actor wins.
   *
   * <pre>{@code
   * RoutingTable next = router.actingAs("alice", () -> router.promote(7, shop, green));
   * next.actor();  // Optional[alice]
   * }</pre>
   *
   * @return what {@code writes} returned
   * @throws IllegalArgumentException if the actor is empty, longer than 256 characters, or holds a
   *     control character
   */
  public <T extends @Nullable Object> T actingAs(String actor, Supplier<T> writes) {
    checkNotNull(actor, "actor");
    checkNotNull(writes, "writes");
    TableBuilder.checkActor(actor);
    String outer = this.actor.get();
    this.actor.set(actor);
    try {
      return writes.get();
    } finally {
      if (outer == null) {
        this.actor.remove();
      } else {
        this.actor.set(outer);
      }
    }
  }

  /** The tables published before the current one, newest first, up to the history size. */
  public List<RoutingTable> history() {
    synchronized (publishLock) {
      return ImmutableList.copyOf(history);
    }
  }

  /** Adds a listener for tables published from now on. */
  public Subscription addListener(TableListener listener) {
    checkNotNull(listener, "listener");
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /**
   * Stops watching the store, and the timers that close long-lived connections when their grace
   * ends. Resolving and writing still work; tables written by others are no longer seen, and no
   * long-lived connection is closed for a grace any more.
   */
  @Override
  public void close() {
    storeWatch.close();
    inFlight.longLived.close();
  }

  @Override
  public String toString() {
    return "Router{current=" + current + "}";
  }

  private PreparedChange prepare(Change change) {
    RoutingTable base = current;
    return new PreparedChange(this, change, base, change.build(base));
  }

  /** Publishes {@code prepared}; see {@link PreparedChange#commit()}. */
  RoutingTable commit(PreparedChange prepared) {
    return write(new Commit(prepared));
  }

  /**
   * The one way a table is published: under the write lock, {@code write} makes the next table of
   * the current one, the store takes it by compare-and-set on the revision, and it becomes current.
   * Listeners hear of it once the outermost write lets go of the lock, so that a write made from
   * inside another (a watcher of the store, say) is heard after it, in revision order.
   */
  private RoutingTable write(Write write) {
    writeLock.lock();
    boolean published = false;
    try {
      RoutingTable now = current;
      RoutingTable next = write.next(now);
      // Who made a revision is the router's to say, from actingAs alone: never what a builder
      // set, nor the author of an older revision that a rollback or restore copies.
      next = next.madeBy(actor.get());
      if (!store.compareAndSet(now.revision(), next)) {
        RoutingTable stored = store.load();
        // Another router sharing the store wrote first: catch up, so the next write can succeed.
        advance(stored);
        log.warn("refused {}: the store moved from revision {} to {}", next.description(), now.revision(), stored.revision());
        throw new RevisionConflictException(now.revision(), stored.revision());
      }
      advance(next);
      published = true;
      write.published(now, next);
      return next;
    } finally {
      if (!published) {
        write.refused();
      }
      writeLock.unlock();
      if (!writeLock.isHeldByCurrentThread()) {
        // A listener's own writes are its own, not those of the actor this thread writes for.
        String who = actor.get();
        actor.remove();
        try {
          deliver();
        } finally {
          if (who != null) {
            actor.set(who);
          }
        }
      }
    }
  }

  /**
   * Makes {@code next} current if it is newer than the current table; tables only move forward.
   * Called by writers and by the store's watch, which may also deliver this router's own writes.
   */
  private void advance(RoutingTable next) {
    synchronized (publishLock) {
      RoutingTable now = current;
      if (next.revision() <= now.revision()) {
        return;
      }
      history.addFirst(now);
      while (history.size() > historySize) {
        history.removeLast();
      }
      current = next;
      undelivered.add(next);
    }
    inFlight.published(next);
  }

  /** A table written to the store, by this router or by another sharing the store. */
  private void onStored(RoutingTable table) {
    if (table.revision() > current.revision()) {
      log.debug("table revision {} from the store: {}", table.revision(), table.description());
      advance(table);
    }
    if (!writeLock.isHeldByCurrentThread()) {
      deliver();
    }
  }

  /** Delivers published tables to listeners, in order, one thread at a time. */
  private void deliver() {
    while (!undelivered.isEmpty()) {
      if (!delivering.compareAndSet(false, true)) {
        return; // the thread delivering now will see our table: it checks again after letting go
      }
      try {
        RoutingTable table;
        while ((table = undelivered.poll()) != null) {
          for (TableListener listener : listeners) {
            try {
              listener.published(table);
            } catch (RuntimeException e) {
              log.warn("listener {} failed on revision {}", listener, table.revision(), e);
            }
          }
        }
      } finally {
        delivering.set(false);
      }
    }
  }

  /** The table that was current before {@code table}, if the history still holds it. */
  private @Nullable RoutingTable previousOf(RoutingTable table) {
    synchronized (publishLock) {
      RoutingTable newer = current;
      for (RoutingTable older : history) {
        if (newer == table) {
          return older;
        }
        newer = older;
      }
      return null;
    }
  }

  /** One write, as {@link #write(Write)} runs it under the write lock. */
  private interface Write {
    /** The table to publish in place of {@code now}; throws, publishing nothing, to refuse. */
    RoutingTable next(RoutingTable now);

    /** Called once {@code next} is published, before the write returns. */
    void published(RoutingTable now, RoutingTable next);

    /** Called when the write publishes nothing: {@link #next} or the compare-and-set refused it. */
    default void refused() {}
  }

  /**
   * A change to the current table: why, what the table will say of it, what it does, and the hosts
   * whose routes its outcome depends on (a prepared change is applied again to a newer table only
   * if their routes are unchanged).
   */
  record Change(
      ChangeReason reason, String description, Consumer<RoutingTable.Builder> apply, List<HostName> dependsOn)
      implements Write {
    Change(ChangeReason reason, String description, Consumer<RoutingTable.Builder> apply) {
      this(reason, description, apply, List.of());
    }

    static Change promote(HostName domain, WorkspaceId workspace) {
      checkNotNull(domain, "domain");
      checkNotNull(workspace, "workspace");
      return new Change(
          ChangeReason.PROMOTE, "promote " + domain + " -> " + workspace, b -> b.pointHost(domain, workspace));
    }

    static Change promote(String domain, String workspace) {
      checkNotNull(domain, "domain");
      checkNotNull(workspace, "workspace");
      return promote(HostName.parse(domain), WorkspaceId.of(workspace));
    }

    static Change promote(HostName domain, PathPrefix prefix, WorkspaceId workspace) {
      checkNotNull(domain, "domain");
      checkNotNull(prefix, "prefix");
      checkNotNull(workspace, "workspace");
      return new Change(
          ChangeReason.PROMOTE,
          "promote " + domain + prefix + " -> " + workspace,
          b -> b.pointRoute(domain, prefix, workspace));
    }

    static Change promote(String domain, String prefix, String workspace) {
      checkNotNull(domain, "domain");
      checkNotNull(prefix, "prefix");
      checkNotNull(workspace, "workspace");
      return promote(HostName.parse(domain), PathPrefix.of(prefix), WorkspaceId.of(workspace));
    }

    static Change swap(HostName a, HostName b) {
      checkNotNull(a, "a");
      checkNotNull(b, "b");
      return new Change(ChangeReason.SWAP, "swap " + a + " <-> " + b, t -> t.swapRouting(a, b), List.of(a, b));
    }

    static Change swap(String a, String b) {
      checkNotNull(a, "a");
      checkNotNull(b, "b");
      return swap(HostName.parse(a), HostName.parse(b));
    }

    static Change split(HostName domain, @Nullable PathPrefix prefix, Split split) {
      checkNotNull(domain, "domain");
      checkNotNull(split, "split");
      return new Change(
          ChangeReason.SPLIT,
          "split " + domain + (prefix == null ? "" : prefix.toString()) + ": " + split,
          prefix == null ? b -> b.splitHost(domain, split) : b -> b.splitRoute(domain, prefix, split));
    }

    static Change endSplit(HostName domain, @Nullable PathPrefix prefix, @Nullable String why) {
      checkNotNull(domain, "domain");
      return new Change(
          ChangeReason.SPLIT,
          "end the split of " + domain + (prefix == null ? "" : prefix.toString()) + (why == null ? "" : ": " + why),
          prefix == null ? b -> b.removeSplits(domain) : b -> b.removeSplit(domain, prefix));
    }

    static Change domainStatus(HostName domain, DomainStatus status) {
      checkNotNull(domain, "domain");
      checkNotNull(status, "status");
      return new Change(
          ChangeReason.DOMAIN_STATUS,
          "domain " + domain + " " + status,
          b -> {
            b.domain(domain, status);
            if (!status.mayCarryRoutes()) {
              b.removeRoutes(domain);
            }
          });
    }

    /** The table this change makes of {@code base}, one revision later; publishes and logs nothing. */
    RoutingTable build(RoutingTable base) {
      RoutingTable.Builder builder = base.toBuilder();
      apply.accept(builder);
      return builder.describe(base.revision() + 1, reason, description).build();
    }

    @Override
    public RoutingTable next(RoutingTable now) {
      try {
        // build(now), spelled out: a call level fewer on the write path measured faster (472e14c)
        RoutingTable.Builder builder = now.toBuilder();
        apply.accept(builder);
        return builder.describe(now.revision() + 1, reason, description).build();
      } catch (RuntimeException e) {
        log.warn("refused {} at revision {}: {}", description, now.revision(), e.getMessage());
        throw e;
      }
    }

    @Override
    public void published(RoutingTable now, RoutingTable next) {
      log.info("{}: revision {} -> {}", description, now.revision(), next.revision());
    }
  }

  /** A change made only if the current revision is the one its caller saw. */
  private record Expected(long revision, Change change) implements Write {
    @Override
    public RoutingTable next(RoutingTable now) {
      if (now.revision() != revision) {
        log.warn(
            "refused {}: expected revision {} but the current revision is {}",
            change.description(),
            revision,
            now.revision());
        throw new RevisionConflictException(revision, now.revision());
      }
      return change.next(now);
    }

    @Override
    public void published(RoutingTable now, RoutingTable next) {
      change.published(now, next);
    }
  }

  /** The routing of the revision before the current one, as a new revision. */
  private final class Rollback implements Write {
    private final @Nullable String why;

    Rollback() {
      this(null);
    }

    Rollback(@Nullable String why) {
      this.why = why;
    }

    @Override
    public RoutingTable next(RoutingTable now) {
      RoutingTable previous = previousOf(now);
      checkState(previous != null, "nothing to roll back to: revision %s has no earlier revision in the history", now.revision());
      // A router that caught up by loading the whole state (a fleet's, after a compaction) has
      // not seen the revisions in between: rolling back to its previous table would undo them all.
      checkState(
          previous.revision() + 1 == now.revision(),
          "cannot roll back revision %s: this router did not see revisions %s to %s (it loaded the"
              + " state whole); restore the revision wanted explicitly",
          now.revision(),
          previous.revision() + 1,
          now.revision() - 1);
      if (previous.statusEpoch != now.statusEpoch) {
        log.warn(
            "refused rollback of revision {}: it changed domain verification status ({})",
            now.revision(),
            now.description());
        throw new IllegalStateException(
            "cannot roll back revision "
                + now.revision()
                + " ("
                + now.description()
                + "): it changed a domain's verification status; change the table explicitly");
      }
      String description =
          "rollback to the routing of revision " + previous.revision() + (why == null ? "" : ": " + why);
      return previous.toBuilder().describe(now.revision() + 1, ChangeReason.ROLLBACK, description).build();
    }

    @Override
    public void published(RoutingTable now, RoutingTable next) {
      log.info("rolled back: revision {} -> {} ({})", now.revision(), next.revision(), next.description());
    }
  }

  /** Any write, made only if the current revision is the one its caller saw. */
  private record Guarded(long revision, Write write) implements Write {
    @Override
    public RoutingTable next(RoutingTable now) {
      if (now.revision() != revision) {
        log.warn("refused a write: expected revision {} but the current revision is {}", revision, now.revision());
        throw new RevisionConflictException(revision, now.revision());
      }
      return write.next(now);
    }

    @Override
    public void published(RoutingTable now, RoutingTable next) {
      write.published(now, next);
    }

    @Override
    public void refused() {
      write.refused();
    }
  }

  /** The routing of a chosen revision still in the history, as a new revision. */
  private final class Restore implements Write {
    private final long revision;

    Restore(long revision) {
      this.revision = revision;
    }

    @Override
    public RoutingTable next(RoutingTable now) {
      checkArgument(revision != now.revision(), "revision %s is the current revision: nothing to restore", revision);
      RoutingTable target = inHistory(revision);
      if (target == null) {
        throw new IllegalArgumentException(
            "revision " + revision + " is not in the history (it holds " + historyRange() + ")");
      }
      if (target.statusEpoch != now.statusEpoch) {
        log.warn("refused restore of revision {} at revision {}: a domain's verification status changed since", revision, now.revision());
        throw new IllegalStateException(
            "cannot restore revision "
                + revision
                + ": a domain's verification status changed since; change the table explicitly");
      }
      String description = "restore the routing of revision " + revision;
      return target.toBuilder().describe(now.revision() + 1, ChangeReason.ROLLBACK, description).build();
    }

    @Override
    public void published(RoutingTable now, RoutingTable next) {
      log.info("restored: revision {} -> {} ({})", now.revision(), next.revision(), next.description());
    }
  }

  /** The table of {@code revision} if the history holds it. */
  private @Nullable RoutingTable inHistory(long revision) {
    synchronized (publishLock) {
      for (RoutingTable older : history) {
        if (older.revision() == revision) {
          return older;
        }
      }
      return null;
    }
  }

  /** The revisions the history holds, for messages: "revisions 3 to 7", or "no revision". */
  private String historyRange() {
    synchronized (publishLock) {
      if (history.isEmpty()) {
        return "no revision";
      }
      return "revisions " + history.getLast().revision() + " to " + history.getFirst().revision();
    }
  }

  /**
   * The commit of a prepared change: its own table if nothing was published since it was
   * prepared, otherwise its change applied again to the current table, if what it depends on is
   * unchanged.
   */
  private static final class Commit implements Write {
    private final PreparedChange prepared;
    private boolean begun;
    private boolean asPrepared;

    Commit(PreparedChange prepared) {
      this.prepared = prepared;
    }

    @Override
    public RoutingTable next(RoutingTable now) {
      // Under the write lock; "being committed" is this very thread, re-entering from a watcher
      // or a listener of another router sharing the store.
      checkState(
          prepared.isOpen(),
          "%s: %s, prepared at revision %s",
          prepared.isCommitted() ? "already committed" : "being committed",
          prepared.description(),
          prepared.baseRevision());
      prepared.beginCommit();
      begun = true;
      if (now.revision() == prepared.baseRevision()) {
        asPrepared = true;
        return prepared.table();
      }
      checkGroundUnchanged(now);
      log.debug(
          "{} was prepared at revision {}; applying it again at revision {}",
          prepared.description(),
          prepared.baseRevision(),
          now.revision());
      return prepared.change().next(now);
    }

    /** Refuses to apply the change again if the routes it depends on changed since its base. */
    private void checkGroundUnchanged(RoutingTable now) {
      for (HostName host : prepared.change().dependsOn()) {
        if (!prepared.base().routes(host).equals(now.routes(host))) {
          log.warn(
              "refused {}: prepared at revision {}, but the routes of {} have changed by revision {}",
              prepared.description(),
              prepared.baseRevision(),
              host,
              now.revision());
          throw new RevisionConflictException(prepared.baseRevision(), now.revision());
        }
      }
    }

    @Override
    public void published(RoutingTable now, RoutingTable next) {
      prepared.committed();
      if (asPrepared) {
        log.info("{}: revision {} -> {} (prepared)", next.description(), now.revision(), next.revision());
      } else {
        prepared.change().published(now, next);
      }
    }

    @Override
    public void refused() {
      if (begun) {
        prepared.abandonCommit();
      }
    }
  }

  /**
   * Builds a {@link Router}. Give either an initial table (kept in memory) or a store; each setter
   * may be called once.
   */
  public static final class Builder {
    private @Nullable RoutingTable initialTable;
    private @Nullable TableStore store;
    private int historySize = -1;
    private @Nullable Duration longLivedGrace;

    private Builder() {}

    /** The first table, kept in an in-memory store. */
    public Builder initialTable(RoutingTable table) {
      checkNotNull(table, "table");
      checkState(initialTable == null, "initialTable was already set");
      checkState(store == null, "give either an initial table or a store, not both");
      this.initialTable = table;
      return this;
    }

    /** The store the router reads and writes its table through. */
    public Builder store(TableStore tableStore) {
      checkNotNull(tableStore, "tableStore");
      checkState(store == null, "store was already set");
      checkState(initialTable == null, "give either an initial table or a store, not both");
      this.store = tableStore;
      return this;
    }

    /** How many earlier tables to keep for {@link Router#history()} and rollback; default 32. */
    public Builder historySize(int size) {
      checkArgument(size >= 1, "history size must be at least 1, but was %s", size);
      checkState(historySize < 0, "historySize was already set to %s", historySize);
      this.historySize = size;
      return this;
    }

    /**
     * How long the long-lived connections of a workspace stay open after a publication stops
     * routing to it, before the router asks them to close (see {@link LongLivedConnection}); a
     * table that routes to the workspace again within it leaves them open. Default 30 seconds;
     * zero closes them as soon as the workspace is no longer routed.
     *
     * @throws IllegalArgumentException if {@code grace} is negative or longer than a day
     */
    public Builder longLivedGrace(Duration grace) {
      checkNotNull(grace, "grace");
      checkArgument(
          !grace.isNegative() && grace.compareTo(Duration.ofDays(1)) <= 0,
          "the long-lived grace must be from 0 to 1 day, but was %s",
          grace);
      checkState(longLivedGrace == null, "longLivedGrace was already set to %s", longLivedGrace);
      this.longLivedGrace = grace;
      return this;
    }

    /**
     * Builds the router.
     *
     * @throws IllegalStateException if neither an initial table nor a store was given
     */
    public Router build() {
      TableStore s = store;
      if (s == null) {
        checkState(initialTable != null, "give an initial table or a store");
        s = TableStore.inMemory(initialTable);
      }
      Duration grace = longLivedGrace;
      return new Router(
          s, historySize < 0 ? 32 : historySize, grace == null ? LongLivedConnections.DEFAULT_GRACE : grace);
    }
  }
}
