package dev.switchover.etcd;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;
import static java.nio.charset.StandardCharsets.UTF_8;

import com.google.common.collect.ImmutableList;
import com.google.common.util.concurrent.ThreadFactoryBuilder;
import com.google.common.collect.ImmutableSortedMap;
import dev.switchover.HostName;
import dev.switchover.Router;
import dev.switchover.RoutingTable;
import dev.switchover.Subscription;
import dev.switchover.etcd.WireFormat.HostState;
import dev.switchover.etcd.WireFormat.Meta;
import dev.switchover.spi.TableStore;
import dev.switchover.spi.VerificationStore;
import dev.switchover.verification.TrackedDomain;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link TableStore} in etcd: every router built on a store with the same endpoints and key
 * prefix shares one routing state, so a promote, swap or rollback made through any of them is
 * served by all of them.
 *
 * <p>A write stores only what it changes (one key per changed host, and the key that names the
 * revision), in one etcd transaction guarded by the revision it replaces: of two routers racing,
 * one wins and the other's write fails with a {@link dev.switchover.RevisionConflictException}. A
 * change too large for one transaction (or the first table) is written under a new table id in
 * several, and made current by one guarded transaction. Each router watches the prefix and
 * applies each etcd revision as one table, so a swap is never seen half done; after a compaction
 * or a long disconnect it reads the whole state again. {@link #load()} and therefore every
 * resolve never wait on etcd: with etcd gone, routers serve their last table, writes fail within
 * the write timeout with a {@link StoreUnavailableException}, and the store catches up by itself
 * when etcd answers again. Data under the prefix that it cannot read is reported as a {@link
 * StoreDataException} naming the key; the last good table keeps serving and writes are refused
 * until the state is readable again. The values are JSON with a format version, readable with
 * {@code etcdctl get --prefix <prefix>}. Thread-safe; close it after the routers built on it.
 *
 * <p>It is also the {@link VerificationStore} of the fleet: give it to {@link
 * dev.switchover.verification.VerificationSchedule#create(dev.switchover.verification.DomainVerifier,
 * Router, VerificationStore) VerificationSchedule.create} on every router, and a domain added
 * through one router can be checked through another, and re-checks and expiry survive restarts.
 * Each domain is one key under the prefix, read from what the watch delivered (never waiting on
 * etcd) and written by one transaction guarded by that key's revision.
 *
 * <pre>{@code
 * EtcdTableStore store = EtcdTableStore.builder()
 *     .endpoints("http://10.0.0.1:2379", "http://10.0.0.2:2379", "http://10.0.0.3:2379")
 *     .keyPrefix("/switchover/shop/")
 *     .initialTable(table)        // written only if the prefix holds no state yet
 *     .build();                   // connects and loads, or throws StoreUnavailableException
 * Router router = Router.builder().store(store).build();
 * VerificationSchedule schedule = VerificationSchedule.create(verifier, router, store);  // optional
 * }</pre>
 */
public final class EtcdTableStore implements TableStore, VerificationStore, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EtcdTableStore.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  /** Keys read per request when loading the whole state: well under gRPC's 4 MiB message limit. */
  private static final int PAGE = 2_000;
  private static final long MAX_RETRY_DELAY_MILLIS = 2_000;
  /** Transactions of a table written whole that may be in flight at once. */
  private static final int STAGING_IN_FLIGHT = 16;

  private final Client client;
  private final boolean ownsClient;
  private final KV kv;
  private final WireFormat wire;
  private final ByteSequence verificationPrefixBytes;
  private final String endpoints;
  private final Duration writeTimeout;
  private final Duration loadTimeout;
  private final int maxTxnOps;
  private final int maxTxnBytes;
  private final String writerId = Long.toHexString(RANDOM.nextLong());
  private final AtomicLong writes = new AtomicLong();
  /** Tables this store is writing, by their writer tag: the watch takes them as they are. */
  private final Map<String, RoutingTable> ownWrites = new ConcurrentHashMap<>();
  /** The one thread that changes {@link #state}: applies the watch's events, reloads. */
  private final ScheduledExecutorService applier;
  /** Calls the watchers, one table at a time, in revision order, apart from the applier. */
  private final ExecutorService delivery;
  private final CopyOnWriteArrayList<Consumer<RoutingTable>> watchers = new CopyOnWriteArrayList<>();
  private final Object lock = new Object();
  private volatile State state;
  private volatile @Nullable StoreDataException problem;
  /**
   * What is stored of each tracked domain, as of an etcd revision: filled by the loads and the
   * watch, and by this store's own verification writes; an entry is only ever replaced by a newer one.
   */
  private final ConcurrentHashMap<HostName, StoredVerification> verifications = new ConcurrentHashMap<>();
  /** Applier thread only. */
  private Watch.@Nullable Watcher watch;
  /** Applier thread only. */
  private int recoveryFailures;
  /** Applier thread only: counts the watches opened and closed, so that a closed one's last words are ignored. */
  private long watchGeneration;
  /** Applier thread only: whether a recovery is scheduled or running. */
  private boolean recovering;
  private volatile boolean closed;
  private volatile boolean started;

  /** What the store has applied: an etcd revision, and the table it holds. */
  private record State(long etcdRevision, long metaModRevision, String tableId, RoutingTable table) {}

  /**
   * One domain's verification key as of etcd revision {@code asOf}: its value (null if the key is
   * absent), the key's mod revision (what a write is guarded by), or the problem that makes it
   * unreadable.
   */
  private record StoredVerification(
      long asOf, long modRevision, @Nullable TrackedDomain tracked, @Nullable StoreDataException problem) {}

  /** A whole stored state, read at one etcd revision. */
  private record Loaded(long etcdRevision, long metaModRevision, Meta meta, Map<HostName, HostState> hosts) {}

  private EtcdTableStore(Builder b, Client client, boolean ownsClient) {
    this.client = client;
    this.ownsClient = ownsClient;
    this.kv = client.getKVClient();
    this.wire = new WireFormat(b.keyPrefix);
    this.verificationPrefixBytes = bytes(wire.verificationPrefix);
    this.endpoints = b.endpointsText();
    this.writeTimeout = b.writeTimeout;
    this.loadTimeout = b.loadTimeout;
    this.maxTxnOps = b.maxTxnOps;
    this.maxTxnBytes = b.maxTxnBytes;
    String name = "switchover-etcd " + b.keyPrefix;
    this.applier =
        Executors.newSingleThreadScheduledExecutor(new ThreadFactoryBuilder().setDaemon(true).setNameFormat(name).build());
    this.delivery =
        Executors.newSingleThreadExecutor(
            new ThreadFactoryBuilder().setDaemon(true).setNameFormat(name + " watchers").build());
    this.state = new State(0, 0, "", RoutingTable.builder().build()); // until start() returns
    this.state = start(b.initialTable);
    this.started = true;
    long from = state.etcdRevision() + 1;
    applier.execute(() -> startWatch(from));
  }

  /** A builder; give at least the endpoints (or a client). */
  public static Builder builder() {
    return new Builder();
  }

  /** The table this store holds now, as of the last etcd revision it applied. Never waits on etcd. */
  @Override
  public RoutingTable load() {
    return state.table();
  }

  /**
   * Writes {@code next} to etcd if the stored revision is still {@code expectedRevision}, in one
   * transaction guarded by that revision, and returns once this store has applied it, so that
   * {@link #load()} answers it (or the newer table that beat it).
   *
   * @return whether {@code next} was written
   * @throws StoreUnavailableException if etcd did not answer within the write timeout
   * @throws StoreDataException if the store holds data it cannot read: nothing is written over it
   * @throws IllegalArgumentException if {@code next}'s revision is not greater than the expected
   */
  @Override
  public boolean compareAndSet(long expectedRevision, RoutingTable next) {
    checkNotNull(next, "next");
    checkArgument(
        next.revision() > expectedRevision,
        "the next table's revision %s must be greater than %s",
        next.revision(),
        expectedRevision);
    checkState(!closed, "the etcd store under %s is closed", wire.prefix);
    long deadline = System.nanoTime() + writeTimeout.toNanos();
    // A write of ours that etcd took but the watch has not delivered yet: wait for it, briefly.
    awaitApplied(s -> s.table().revision() >= expectedRevision, deadline);
    State s = state;
    StoreDataException p = problem;
    if (p != null) {
      throw new StoreDataException(
          p.key(), "refused to write revision " + next.revision() + " over data this store cannot read: " + p.getMessage(), p);
    }
    if (s.table().revision() != expectedRevision) {
      return false;
    }
    String writer = writerId + "-" + writes.incrementAndGet();
    ownWrites.put(writer, next);
    try {
      Map<HostName, HostState> changes = TableChanges.changes(s.table(), next);
      List<Op> ops = new ArrayList<>(changes.size() + 1);
      int bytes = 0;
      for (Map.Entry<HostName, HostState> c : changes.entrySet()) {
        ByteSequence key = bytes(wire.hostKey(s.tableId(), c.getKey()));
        if (c.getValue().isAbsent()) {
          ops.add(Op.delete(key, DeleteOption.DEFAULT));
        } else {
          byte[] value = wire.encodeHost(c.getValue());
          bytes += value.length;
          ops.add(Op.put(key, ByteSequence.from(value), PutOption.DEFAULT));
        }
      }
      byte[] meta = wire.encodeMeta(Meta.of(s.tableId(), next, writer));
      ops.add(Op.put(bytes(wire.metaKey), ByteSequence.from(meta), PutOption.DEFAULT));
      long applied;
      if (ops.size() <= maxTxnOps && bytes + meta.length <= maxTxnBytes) {
        applied = commit(new Cmp(bytes(wire.metaKey), Cmp.Op.EQUAL, CmpTarget.modRevision(s.metaModRevision())), ops, writer, next, deadline);
      } else {
        // written whole, it takes as long as loading the whole state may
        applied = writeWhole(s, next, writer, System.nanoTime() + loadTimeout.toNanos());
      }
      if (applied < 0) {
        // Lost the race: wait until the winner's table is what load() answers.
        long winner = -applied;
        awaitApplied(st -> st.etcdRevision() >= winner, deadline);
        return false;
      }
      awaitApplied(st -> st.etcdRevision() >= applied, deadline);
      return true;
    } finally {
      ownWrites.remove(writer);
    }
  }

  /** Calls {@code watcher} with each table this store applies from now on, in revision order. */
  @Override
  public Subscription watch(Consumer<RoutingTable> watcher) {
    checkNotNull(watcher, "watcher");
    watchers.add(watcher);
    return () -> watchers.remove(watcher);
  }

  /**
   * What a verification schedule tracks of {@code domain}, as this store last saw it (through its
   * watch, or its own writes). Never waits on etcd; a value it cannot read counts as nothing.
   */
  @Override
  public Optional<TrackedDomain> load(HostName domain) {
    checkNotNull(domain, "domain");
    StoredVerification v = verifications.get(domain);
    return v == null ? Optional.empty() : Optional.ofNullable(v.tracked());
  }

  /** Every tracked domain this store has seen, by name. Never waits on etcd. */
  @Override
  public Map<HostName, TrackedDomain> loadAll() {
    ImmutableSortedMap.Builder<HostName, TrackedDomain> all = ImmutableSortedMap.naturalOrder();
    verifications.forEach(
        (domain, v) -> {
          TrackedDomain t = v.tracked();
          if (t != null) {
            all.put(domain, t);
          }
        });
    return all.buildOrThrow();
  }

  /**
   * Writes what is tracked of {@code domain} (deletes its key, for null) if what is stored is
   * still {@code expected}, in one transaction guarded by the key's revision. When another router
   * changed it first, answers false and {@link #load(HostName)} answers what that router wrote.
   *
   * @throws StoreUnavailableException if etcd did not answer within the write timeout
   * @throws StoreDataException if the domain's key holds a value this store cannot read: nothing is
   *     written over it
   * @throws IllegalArgumentException if {@code next} is about another domain
   */
  @Override
  public boolean compareAndSet(HostName domain, @Nullable TrackedDomain expected, @Nullable TrackedDomain next) {
    checkNotNull(domain, "domain");
    checkArgument(
        next == null || next.domain().equals(domain),
        "the next state is about %s, not %s",
        next == null ? null : next.domain(),
        domain);
    checkState(!closed, "the etcd store under %s is closed", wire.prefix);
    String key = wire.verificationKey(domain);
    StoredVerification now = verifications.get(domain);
    if (now != null && now.problem() != null) {
      throw new StoreDataException(
          key, "refused to write the verification of " + domain + " over a value this store cannot read: "
              + now.problem().getMessage(), now.problem());
    }
    TrackedDomain current = now == null ? null : now.tracked();
    if (!Objects.equals(current, expected)) {
      return false;
    }
    ByteSequence k = bytes(key);
    Cmp guard =
        current == null || now == null
            ? new Cmp(k, Cmp.Op.EQUAL, CmpTarget.version(0))
            : new Cmp(k, Cmp.Op.EQUAL, CmpTarget.modRevision(now.modRevision()));
    Op write =
        next == null
            ? Op.delete(k, DeleteOption.DEFAULT)
            : Op.put(k, ByteSequence.from(wire.encodeTracked(next)), PutOption.DEFAULT);
    TxnResponse r =
        await(
            kv.txn().If(guard).Then(write).Else(Op.get(k, GetOption.DEFAULT)).commit(),
            System.nanoTime() + writeTimeout.toNanos(),
            "write the verification of " + domain);
    long revision = r.getHeader().getRevision();
    if (r.isSucceeded()) {
      remember(domain, new StoredVerification(revision, next == null ? 0 : revision, next, null));
      return true;
    }
    List<KeyValue> found = r.getGetResponses().isEmpty() ? List.of() : r.getGetResponses().get(0).getKvs();
    if (found.isEmpty()) {
      remember(domain, new StoredVerification(revision, 0, null, null));
    } else {
      remember(domain, readVerification(domain, found.get(0)));
      StoredVerification seen = verifications.get(domain);
      StoreDataException p = seen == null ? null : seen.problem();
      if (p != null) {
        throw p;
      }
    }
    return false;
  }

  /**
   * Stops watching etcd and closes the client (unless it was given to the builder). Routers built
   * on this store keep serving their last table; their writes fail. Closing twice is harmless.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    submit(this::closeWatch);
    applier.shutdown();
    delivery.shutdown();
    try {
      applier.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (ownsClient) {
      client.close();
    }
  }

  /** The key prefix this store keeps its state under, ending with {@code /}. */
  public String keyPrefix() {
    return wire.prefix;
  }

  /** The data problem that stops writes now, if any: the last good table keeps serving meanwhile. */
  public Optional<StoreDataException> problem() {
    return Optional.ofNullable(problem);
  }

  @Override
  public String toString() {
    State s = state;
    return "EtcdTableStore{endpoints=" + endpoints + ", prefix=" + wire.prefix + ", revision=" + s.table().revision()
        + ", etcdRevision=" + s.etcdRevision() + "}";
  }

  // ---- writing ----

  /**
   * Commits one guarded transaction. Returns the etcd revision it made, or minus the revision of
   * the state that beat it.
   */
  private long commit(Cmp guard, List<Op> ops, String writer, RoutingTable next, long deadline) {
    TxnResponse r =
        await(
            kv.txn().If(guard).Then(ops.toArray(Op[]::new)).Else(Op.get(bytes(wire.metaKey), GetOption.DEFAULT)).commit(),
            deadline,
            "write revision " + next.revision() + " (" + next.description() + ")");
    if (r.isSucceeded()) {
      return r.getHeader().getRevision();
    }
    List<KeyValue> found = r.getGetResponses().isEmpty() ? List.of() : r.getGetResponses().get(0).getKvs();
    if (found.isEmpty()) {
      throw new StoreDataException(wire.metaKey, "the state's meta key was deleted; nothing was written");
    }
    KeyValue meta = found.get(0);
    if (wire.decodeMeta(wire.metaKey, meta.getValue().getBytes()).writer().equals(writer)) {
      return meta.getModRevision(); // our own write, made by an earlier attempt of the client
    }
    return -meta.getModRevision();
  }

  /**
   * Writes {@code next} whole under a new table id, in as many transactions as it takes, then makes
   * it current by one transaction guarded as any write (or, with no state, by the absence of one).
   */
  private long writeWhole(@Nullable State base, RoutingTable next, String writer, long deadline) {
    String tableId = Long.toHexString(RANDOM.nextLong() & Long.MAX_VALUE);
    List<Op> batch = new ArrayList<>();
    int bytes = 0;
    boolean made = false;
    // The staged keys are seen by no one until the meta key names them, so their batches may be
    // in flight together: a large table is written at etcd's pace, not one round trip at a time.
    ArrayDeque<CompletableFuture<TxnResponse>> staging = new ArrayDeque<>();
    try {
      // a first table's changed hosts are all its hosts, listed without sorting them
      for (HostName host : next.baseRevision() == 0 ? next.changedHosts() : TableChanges.allHosts(next)) {
        byte[] value = wire.encodeHost(HostState.of(next, host));
        if (batch.size() + 1 >= maxTxnOps || bytes + value.length >= maxTxnBytes) {
          staging.add(kv.txn().Then(batch.toArray(Op[]::new)).commit());
          if (staging.size() >= STAGING_IN_FLIGHT) {
            await(staging.remove(), deadline, "stage revision " + next.revision());
          }
          batch = new ArrayList<>();
          bytes = 0;
        }
        batch.add(Op.put(bytes(wire.hostKey(tableId, host)), ByteSequence.from(value), PutOption.DEFAULT));
        bytes += value.length;
      }
      while (!staging.isEmpty()) {
        await(staging.remove(), deadline, "stage revision " + next.revision());
      }
      batch.add(Op.put(bytes(wire.metaKey), ByteSequence.from(wire.encodeMeta(Meta.of(tableId, next, writer))), PutOption.DEFAULT));
      Cmp guard =
          base == null
              ? new Cmp(bytes(wire.metaKey), Cmp.Op.EQUAL, CmpTarget.version(0))
              : new Cmp(bytes(wire.metaKey), Cmp.Op.EQUAL, CmpTarget.modRevision(base.metaModRevision()));
      long applied;
      try {
        applied = commit(guard, batch, writer, next, deadline);
      } catch (RuntimeException unknownOutcome) {
        // The commit may still be made (a timeout, etcd gone mid-request): the staged keys go
        // only if the state is still the one this write was guarded by, so never the live table.
        made = true;
        deleteTableIf(guard, tableId);
        throw unknownOutcome;
      }
      made = applied > 0;
      if (made && base != null) {
        deleteTable(base.tableId());
      }
      return applied;
    } finally {
      if (!made) {
        deleteTable(tableId);
      }
    }
  }

  /** Deletes a table id's keys in the background, in one transaction guarded by {@code guard}. */
  private void deleteTableIf(Cmp guard, String tableId) {
    String from = wire.hostsPrefix(tableId);
    var unused =
        kv.txn()
            .If(guard)
            .Then(Op.delete(bytes(from), DeleteOption.builder().isPrefix(true).build()))
            .commit()
            .whenComplete(
                (r, e) -> {
                  if (e != null || !r.isSucceeded()) {
                    log.info(
                        "left the staged table keys {}* in place: the write that staged them may have"
                            + " been made{}",
                        from, e == null ? "" : " (" + e + ")");
                  }
                });
  }

  /** Deletes a table id's keys, in the background: a left-over only costs space. */
  private void deleteTable(String tableId) {
    String from = wire.hostsPrefix(tableId);
    var unused =
        kv.delete(bytes(from), DeleteOption.builder().isPrefix(true).build())
        .whenComplete(
            (r, e) -> {
              if (e != null) {
                log.warn("could not delete the unused table keys {}*: {}", from, e.toString());
              }
            });
  }

  // ---- reading ----

  /** Connects, loads the state, or writes {@code initial} as the first table if there is none. */
  private State start(@Nullable RoutingTable initial) {
    long deadline = System.nanoTime() + loadTimeout.toNanos();
    try {
      for (int attempt = 0; attempt < 3; attempt++) {
        Loaded loaded = readAll(0, deadline);
        if (loaded != null) {
          State s = new State(loaded.etcdRevision(), loaded.metaModRevision(), loaded.meta().tableId(),
              TableChanges.rebuild(null, loaded.meta(), loaded.hosts(), wire.metaKey));
          log.info("loaded revision {} from etcd at {} under {}: {}", s.table().revision(), endpoints, wire.prefix, s.table());
          loadVerifications(s.etcdRevision(), deadline);
          return s;
        }
        if (initial == null) {
          throw new StoreDataException(
              wire.metaKey,
              "there is no routing state under " + wire.prefix + " at " + endpoints
                  + "; give the builder an initial table to create it");
        }
        String writer = writerId + "-" + writes.incrementAndGet();
        long applied = writeWhole(null, initial, writer, deadline);
        if (applied > 0) {
          log.info("wrote the first table, revision {}, to etcd at {} under {}", initial.revision(), endpoints, wire.prefix);
          Loaded mine = readMeta(applied, deadline);
          loadVerifications(applied, deadline);
          return new State(applied, applied, checkNotNull(mine).meta().tableId(), initial);
        }
        // Another router wrote the first table meanwhile: load that one.
      }
      throw new IllegalStateException("could not load or create the state under " + wire.prefix);
    } catch (RuntimeException e) {
      closeQuietly();
      throw e;
    }
  }

  private void closeQuietly() {
    applier.shutdownNow();
    delivery.shutdownNow();
    if (ownsClient) {
      // Closing a client that never connected waits on its channels; the caller is told now.
      Thread closer = new Thread(client::close, "switchover-etcd close");
      closer.setDaemon(true);
      closer.start();
    }
  }

  /** The meta key at {@code revision} (0: the latest), with no hosts; null if there is no state. */
  private @Nullable Loaded readMeta(long revision, long deadline) {
    GetOption at = revision == 0 ? GetOption.DEFAULT : GetOption.builder().withRevision(revision).build();
    GetResponse m = await(kv.get(bytes(wire.metaKey), at), deadline, "read " + wire.metaKey);
    if (m.getKvs().isEmpty()) {
      return null;
    }
    KeyValue metaKv = m.getKvs().get(0);
    Meta meta = wire.decodeMeta(wire.metaKey, metaKv.getValue().getBytes());
    long at0 = revision == 0 ? m.getHeader().getRevision() : revision;
    return new Loaded(at0, metaKv.getModRevision(), meta, Map.of());
  }

  /** The whole state at {@code revision} (0: the latest), page by page; null if there is none. */
  private @Nullable Loaded readAll(long revision, long deadline) {
    Loaded head = readMeta(revision, deadline);
    if (head == null) {
      return null;
    }
    String tableId = head.meta().tableId();
    Map<HostName, HostState> hosts = new HashMap<>();
    forEachKey(wire.hostsPrefix(tableId), head.etcdRevision(), deadline, k -> {
      String key = k.getKey().toString(UTF_8);
      HostName host = wire.hostOf(key, tableId);
      hosts.put(host, wire.decodeHost(key, host, k.getValue().getBytes()));
    });
    return new Loaded(head.etcdRevision(), head.metaModRevision(), head.meta(), hosts);
  }

  // ---- verification keys ----

  /** One verification key as read from etcd; a value it cannot read is kept as a problem, logged. */
  private StoredVerification readVerification(HostName domain, KeyValue k) {
    String key = k.getKey().toString(UTF_8);
    long mod = k.getModRevision();
    try {
      return new StoredVerification(mod, mod, wire.decodeTracked(key, domain, k.getValue().getBytes()), null);
    } catch (StoreDataException e) {
      log.error("{}; that domain's verification is not read, and not written over, until the key is fixed", e.getMessage());
      return new StoredVerification(mod, mod, null, e);
    }
  }

  /** Keeps {@code v} for {@code domain} unless what is kept is as new or newer. */
  private void remember(HostName domain, StoredVerification v) {
    verifications.merge(domain, v, (old, neu) -> neu.asOf() > old.asOf() ? neu : old);
  }

  /** A verification key's change from the watch. */
  private void applyVerification(WatchEvent e) {
    KeyValue k = e.getKeyValue();
    String key = k.getKey().toString(UTF_8);
    HostName domain;
    try {
      domain = wire.verifiedDomainOf(key);
    } catch (StoreDataException bad) {
      log.error("{}; the key is ignored", bad.getMessage());
      return;
    }
    if (e.getEventType() == WatchEvent.EventType.PUT) {
      remember(domain, readVerification(domain, k));
    } else {
      remember(domain, new StoredVerification(k.getModRevision(), 0, null, null));
    }
  }

  /** Reads every verification key at etcd revision {@code revision}, and takes it as of then. */
  private void loadVerifications(long revision, long deadline) {
    Map<HostName, StoredVerification> read = new HashMap<>();
    forEachKey(wire.verificationPrefix, revision, deadline, k -> {
      String key = k.getKey().toString(UTF_8);
      try {
        HostName domain = wire.verifiedDomainOf(key);
        read.put(domain, readVerification(domain, k));
      } catch (StoreDataException bad) {
        log.error("{}; the key is ignored", bad.getMessage());
      }
    });
    read.forEach(this::remember);
    // What was kept as of then or earlier and is gone now was deleted meanwhile.
    verifications.replaceAll((domain, v) -> read.containsKey(domain) || v.asOf() > revision
        ? v
        : new StoredVerification(revision, 0, null, null));
  }

  /** Calls {@code action} with each key under {@code from} at etcd revision {@code revision}, page by page. */
  private void forEachKey(String from, long revision, long deadline, Consumer<KeyValue> action) {
    ByteSequence end = bytes(from.substring(0, from.length() - 1) + (char) ('/' + 1));
    GetOption page =
        GetOption.builder()
            .withRange(end)
            .withRevision(revision)
            .withLimit(PAGE)
            .withSortField(GetOption.SortTarget.KEY)
            .withSortOrder(GetOption.SortOrder.ASCEND)
            .build();
    CompletableFuture<GetResponse> next = kv.get(bytes(from), page);
    while (next != null) {
      GetResponse r = await(next, deadline, "read the keys under " + from);
      List<KeyValue> kvs = r.getKvs();
      // ask for the next page before reading this one, so that etcd and this thread work together
      next = r.isMore() && !kvs.isEmpty()
          ? kv.get(kvs.get(kvs.size() - 1).getKey().concat(ByteSequence.from(new byte[] {0})), page)
          : null;
      kvs.forEach(action);
    }
  }

  // ---- the applier thread ----

  private void startWatch(long fromRevision) {
    if (closed) {
      return;
    }
    WatchOption option = WatchOption.builder().isPrefix(true).withRevision(fromRevision).build();
    long generation = ++watchGeneration;
    watch =
        client.getWatchClient()
            .watch(
                bytes(wire.prefix),
                option,
                Watch.listener(
                    this::onWatch,
                    e -> onWatchError(generation, e),
                    () -> onWatchError(generation, new IllegalStateException("the watch ended"))));
  }

  private void closeWatch() {
    Watch.Watcher w = watch;
    watch = null;
    watchGeneration++; // what the closed watch says from now on is not news
    if (w != null) {
      w.close();
    }
  }

  private void onWatch(WatchResponse response) {
    List<WatchEvent> events = response.getEvents();
    if (!events.isEmpty()) {
      submit(() -> apply(events));
    }
  }

  private void onWatchError(long generation, Throwable error) {
    submit(
        () -> {
          if (generation != watchGeneration) {
            return; // a watch closed already
          }
          if (error instanceof CompactedException c) {
            log.info("etcd compacted revision {} before this router saw it: reading the whole state under {}", c.getCompactedRevision(), wire.prefix);
          } else {
            log.warn("the watch of {} failed: {}; reading the whole state again", wire.prefix, error.toString());
          }
          closeWatch();
          recover();
        });
  }

  private void submit(Runnable task) {
    try {
      applier.execute(task);
    } catch (RejectedExecutionException e) {
      if (!closed) {
        throw e;
      }
    }
  }

  /** Applies watch events, one etcd revision at a time. */
  private void apply(List<WatchEvent> events) {
    if (closed || recovering) {
      return; // a recovery reads everything anyway
    }
    try {
      applyEvents(events);
    } catch (RuntimeException e) {
      log.warn("could not apply the changes under {}: {}; reading the whole state again", wire.prefix, e.toString());
      closeWatch();
      recover();
    }
  }

  private void applyEvents(List<WatchEvent> events) {
    Map<Long, List<WatchEvent>> byRevision = new LinkedHashMap<>();
    for (WatchEvent e : events) {
      if (e.getKeyValue().getKey().startsWith(verificationPrefixBytes)) {
        applyVerification(e); // apart from the table: a verification changes no revision of it
        continue;
      }
      byRevision.computeIfAbsent(e.getKeyValue().getModRevision(), r -> new ArrayList<>()).add(e);
    }
    for (Map.Entry<Long, List<WatchEvent>> r : byRevision.entrySet()) {
      if (problem != null) {
        repair();
        return;
      }
      try {
        applyRevision(r.getKey(), r.getValue());
      } catch (StoreDataException e) {
        fail(e);
      }
    }
  }

  private void applyRevision(long revision, List<WatchEvent> events) {
    State s = state;
    if (revision <= s.etcdRevision()) {
      return;
    }
    Meta meta = null;
    Map<HostName, HostState> hosts = new HashMap<>();
    String hostsPrefix = wire.hostsPrefix(s.tableId());
    String firstHostKey = null;
    for (WatchEvent e : events) {
      String key = e.getKeyValue().getKey().toString(UTF_8);
      boolean put = e.getEventType() == WatchEvent.EventType.PUT;
      if (key.equals(wire.metaKey)) {
        if (!put) {
          throw new StoreDataException(key, "deleted at etcd revision " + revision + "; the routers keep revision " + s.table().revision());
        }
        meta = wire.decodeMeta(key, e.getKeyValue().getValue().getBytes());
      } else if (key.startsWith(hostsPrefix)) {
        HostName host = wire.hostOf(key, s.tableId());
        hosts.put(host, put ? wire.decodeHost(key, host, e.getKeyValue().getValue().getBytes()) : HostState.ABSENT);
        if (firstHostKey == null) {
          firstHostKey = key;
        }
      } else if (!key.startsWith(wire.tablesPrefix)) {
        // Another table id's keys are being staged or deleted; anything else is not ours.
        log.error("etcd key {} is not part of the Switchover state under {}; it is ignored", key, wire.prefix);
      }
    }
    if (meta == null) {
      if (firstHostKey != null) {
        throw new StoreDataException(
            firstHostKey, "changed at etcd revision " + revision + " without the state's meta key: not by a Switchover write");
      }
      return;
    }
    if (!meta.tableId().equals(s.tableId())) {
      RoutingTable own = ownWrites.get(meta.writer());
      if (own != null && own.revision() == meta.revision()) {
        publish(new State(revision, revision, meta.tableId(), own));
      } else {
        Loaded loaded = readAll(revision, System.nanoTime() + loadTimeout.toNanos());
        adopt(checkNotNull(loaded, "the state vanished"));
      }
      return;
    }
    if (meta.revision() <= s.table().revision()) {
      throw new StoreDataException(
          wire.metaKey, "revision " + meta.revision() + " written at etcd revision " + revision
              + " is not after revision " + s.table().revision() + ", which the routers serve");
    }
    RoutingTable own = ownWrites.get(meta.writer());
    RoutingTable next =
        own != null && own.revision() == meta.revision() ? own : TableChanges.apply(s.table(), meta, hosts, wire.metaKey);
    publish(new State(revision, revision, s.tableId(), next));
  }

  /** Takes a whole state read from etcd, on top of the current table. */
  private void adopt(Loaded loaded) {
    State s = state;
    long revision = loaded.meta().revision();
    if (revision < s.table().revision()) {
      throw new StoreDataException(
          wire.metaKey, "the stored state went back from revision " + s.table().revision() + " to " + revision
              + "; the routers keep revision " + s.table().revision());
    }
    RoutingTable t = TableChanges.rebuild(s.table(), loaded.meta(), loaded.hosts(), wire.metaKey);
    if (revision == s.table().revision()) {
      if (!sameRouting(t, s.table())) {
        throw new StoreDataException(
            wire.metaKey, "the stored state of revision " + revision + " differs from the table the routers serve"
                + " as that revision: it was changed outside a Switchover write");
      }
      t = s.table();
    }
    publish(new State(Math.max(loaded.etcdRevision(), s.etcdRevision()), loaded.metaModRevision(), loaded.meta().tableId(), t));
  }

  private static boolean sameRouting(RoutingTable a, RoutingTable b) {
    return a.workspaces().equals(b.workspaces())
        && a.routes().equals(b.routes())
        && a.domains().equals(b.domains())
        && a.previewSuffix().equals(b.previewSuffix());
  }

  /** Reads the whole state and watches again from there; retried with back-off until it works. */
  private void recover() {
    if (closed) {
      return;
    }
    recovering = true;
    try {
      Loaded loaded = readAll(0, System.nanoTime() + loadTimeout.toNanos());
      if (loaded == null) {
        throw new StoreDataException(wire.metaKey, "the state under " + wire.prefix + " is gone");
      }
      adopt(loaded);
      loadVerifications(loaded.etcdRevision(), System.nanoTime() + loadTimeout.toNanos());
      clearProblem();
      recovering = false;
      recoveryFailures = 0;
      startWatch(loaded.etcdRevision() + 1);
    } catch (RuntimeException e) {
      if (e instanceof StoreDataException d) {
        fail(d);
      } else if (recoveryFailures++ == 0) {
        log.warn("cannot read the state under {} from etcd at {}: {}; serving revision {} and retrying", wire.prefix, endpoints, e.getMessage(), state.table().revision());
      }
      long delay = Math.min(MAX_RETRY_DELAY_MILLIS, 50L << Math.min(recoveryFailures, 6));
      try {
        var unused = applier.schedule(this::recover, delay, TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException closing) {
        // closed meanwhile
      }
    }
  }

  /** After a data problem: reads the whole state again, and takes it if it is readable now. */
  private void repair() {
    try {
      Loaded loaded = readAll(0, System.nanoTime() + loadTimeout.toNanos());
      if (loaded != null) {
        adopt(loaded);
        loadVerifications(loaded.etcdRevision(), System.nanoTime() + loadTimeout.toNanos());
        clearProblem();
      }
    } catch (StoreDataException e) {
      fail(e);
    } catch (RuntimeException e) {
      log.warn("cannot read the state under {} to repair it: {}", wire.prefix, e.getMessage());
    }
  }

  private void fail(StoreDataException e) {
    StoreDataException old = problem;
    problem = e;
    if (old == null || !old.getMessage().equals(e.getMessage())) {
      log.error("{}; the routers keep serving revision {} and writes are refused until it is readable", e.getMessage(), state.table().revision());
    }
    synchronized (lock) {
      lock.notifyAll();
    }
  }

  private void clearProblem() {
    if (problem != null) {
      problem = null;
      log.info("the state under {} is readable again at revision {}; writes are accepted", wire.prefix, state.table().revision());
    }
  }

  private void publish(State next) {
    RoutingTable before = state.table();
    synchronized (lock) {
      state = next;
      lock.notifyAll();
    }
    RoutingTable t = next.table();
    if (t.revision() > before.revision()) {
      log.debug("applied revision {} (etcd revision {}): {}", t.revision(), next.etcdRevision(), t.description());
      try {
        delivery.execute(() -> deliver(t));
      } catch (RejectedExecutionException e) {
        // closed meanwhile
      }
    }
  }

  private void deliver(RoutingTable table) {
    for (Consumer<RoutingTable> w : watchers) {
      try {
        w.accept(table);
      } catch (RuntimeException e) {
        log.warn("store watcher {} failed on revision {}", w, table.revision(), e);
      }
    }
  }

  // ---- helpers ----

  private interface StateCondition {
    boolean holds(State s);
  }

  /** Waits until the applied state meets {@code condition}, a data problem appears, or the deadline passes. */
  private void awaitApplied(StateCondition condition, long deadline) {
    synchronized (lock) {
      while (!condition.holds(state) && problem == null) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(lock, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private <T> T await(CompletableFuture<T> future, long deadline, String what) {
    long left = deadline - System.nanoTime();
    try {
      return future.get(Math.max(left, 0), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      throw new StoreUnavailableException(
          "etcd at " + endpoints + " did not answer in time: could not " + what
              + " (a write sent may still be made, once); " + serving(),
          e);
    } catch (InterruptedException e) {
      future.cancel(true);
      Thread.currentThread().interrupt();
      throw new StoreUnavailableException("interrupted while waiting for etcd to " + what, e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      if (cause instanceof EtcdException ee && !isUnavailable(ee.getErrorCode())) {
        throw new IllegalStateException("etcd at " + endpoints + " refused to " + what + ": " + cause.getMessage(), cause);
      }
      throw new StoreUnavailableException(
          "etcd at " + endpoints + " is unavailable: could not " + what + " (" + cause.getMessage() + "); " + serving(),
          cause);
    }
  }

  private String serving() {
    return started ? "the routers keep serving revision " + state.table().revision() : "nothing was loaded";
  }

  private static boolean isUnavailable(ErrorCode code) {
    return code == ErrorCode.UNAVAILABLE
        || code == ErrorCode.DEADLINE_EXCEEDED
        || code == ErrorCode.CANCELLED
        || code == ErrorCode.ABORTED
        || code == ErrorCode.UNKNOWN;
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, UTF_8);
  }

  /**
   * Builds an {@link EtcdTableStore}. Each setter may be called once; {@link #build()} connects,
   * and reads the state (or writes the initial table).
   */
  public static final class Builder {
    private ImmutableList<String> endpoints = ImmutableList.of();
    private @Nullable Client client;
    private @Nullable String user;
    private byte @Nullable [] password;
    private @Nullable Consumer<ClientBuilder> clientOptions;
    private String keyPrefix = "/switchover/";
    private boolean keyPrefixSet;
    private @Nullable RoutingTable initialTable;
    private Duration writeTimeout = Duration.ofSeconds(2);
    private boolean writeTimeoutSet;
    private Duration loadTimeout = Duration.ofSeconds(10);
    private boolean loadTimeoutSet;
    private int maxTxnOps = 128;
    private int maxTxnBytes = 1024 * 1024;

    private Builder() {}

    /** The etcd members' client URLs, such as {@code http://10.0.0.1:2379}. */
    public Builder endpoints(String... urls) {
      checkNotNull(urls, "urls");
      checkState(endpoints.isEmpty(), "endpoints were already set to %s", endpoints);
      checkState(client == null, "give either endpoints or a client, not both");
      checkArgument(urls.length > 0, "give at least one endpoint");
      for (String u : urls) {
        checkArgument(u != null && !u.isBlank(), "an endpoint is empty: %s", java.util.Arrays.toString(urls));
      }
      this.endpoints = ImmutableList.copyOf(urls);
      return this;
    }

    /**
     * A jetcd client built by the caller, for anything jetcd's {@link ClientBuilder} offers; the
     * store uses it and does not close it.
     */
    public Builder client(Client etcdClient) {
      checkNotNull(etcdClient, "etcdClient");
      checkState(client == null, "the client was already set");
      checkState(endpoints.isEmpty() && clientOptions == null && user == null, "give either a client or endpoints and options, not both");
      this.client = etcdClient;
      return this;
    }

    /** The etcd user and password, when etcd's authentication is on. */
    public Builder user(String name, String secret) {
      checkNotNull(name, "name");
      checkNotNull(secret, "secret");
      checkState(user == null, "the user was already set");
      checkState(client == null, "set the user on the client given");
      checkArgument(!name.isEmpty(), "the user name is empty");
      this.user = name;
      this.password = secret.getBytes(UTF_8);
      return this;
    }

    /**
     * Further options of jetcd's client, applied after the endpoints and user: TLS ({@code
     * sslContext}), {@code authority}, keep-alive, {@code connectTimeout}, retries.
     */
    public Builder clientOptions(Consumer<ClientBuilder> options) {
      checkNotNull(options, "options");
      checkState(clientOptions == null, "clientOptions were already set");
      checkState(client == null, "set the options on the client given");
      this.clientOptions = options;
      return this;
    }

    /**
     * The key prefix under which the state is kept; several fleets may share one etcd under
     * different prefixes. Default {@code /switchover/}; a {@code /} is added if it does not end
     * with one.
     */
    public Builder keyPrefix(String prefix) {
      checkNotNull(prefix, "prefix");
      checkState(!keyPrefixSet, "the key prefix was already set to %s", keyPrefix);
      checkArgument(!prefix.isEmpty() && !prefix.equals("/"), "the key prefix must name a part of etcd's keys, not all of them: \"%s\"", prefix);
      checkArgument(prefix.chars().allMatch(c -> c > ' ' && c < 0x7f), "the key prefix must be printable ASCII: \"%s\"", prefix);
      this.keyPrefix = prefix.endsWith("/") ? prefix : prefix + "/";
      this.keyPrefixSet = true;
      return this;
    }

    /** The table to write if the prefix holds no state yet; without one, a missing state is an error. */
    public Builder initialTable(RoutingTable table) {
      checkNotNull(table, "table");
      checkState(initialTable == null, "the initial table was already set");
      this.initialTable = table;
      return this;
    }

    /** How long a write waits for etcd before it fails with {@link StoreUnavailableException}; default 2 s. */
    public Builder writeTimeout(Duration timeout) {
      checkNotNull(timeout, "timeout");
      checkState(!writeTimeoutSet, "the write timeout was already set to %s", writeTimeout);
      checkArgument(!timeout.isNegative() && !timeout.isZero(), "the write timeout must be positive: %s", timeout);
      this.writeTimeout = timeout;
      this.writeTimeoutSet = true;
      return this;
    }

    /** How long loading the whole state may take, at start and after a disconnect; default 10 s. */
    public Builder loadTimeout(Duration timeout) {
      checkNotNull(timeout, "timeout");
      checkState(!loadTimeoutSet, "the load timeout was already set to %s", loadTimeout);
      checkArgument(!timeout.isNegative() && !timeout.isZero(), "the load timeout must be positive: %s", timeout);
      this.loadTimeout = timeout;
      this.loadTimeoutSet = true;
      return this;
    }

    /**
     * The most operations etcd takes in one transaction (its {@code --max-txn-ops}); default 128,
     * etcd's default. A change larger than that is written in several transactions under a new
     * table id, then made current by one.
     */
    public Builder maxTxnOps(int ops) {
      checkArgument(ops >= 2, "a transaction must take at least 2 operations, but was %s", ops);
      this.maxTxnOps = ops;
      return this;
    }

    /**
     * Connects to etcd and loads the state, or writes the initial table if there is none.
     *
     * @throws StoreUnavailableException if etcd does not answer within the load timeout
     * @throws StoreDataException if there is no state and no initial table, or the state cannot be read
     * @throws IllegalStateException if neither endpoints nor a client were given
     */
    public EtcdTableStore build() {
      Client given = client;
      if (given != null) {
        return new EtcdTableStore(this, given, false);
      }
      checkState(!endpoints.isEmpty(), "give the etcd endpoints, or a client");
      ClientBuilder cb = Client.builder().endpoints(endpoints.toArray(String[]::new));
      String u = user;
      byte[] pw = password;
      if (u != null && pw != null) {
        cb.user(bytes(u)).password(ByteSequence.from(pw));
      }
      Consumer<ClientBuilder> options = clientOptions;
      if (options != null) {
        options.accept(cb);
      }
      return new EtcdTableStore(this, cb.build(), true);
    }

    private String endpointsText() {
      return endpoints.isEmpty() ? "(the given client)" : String.join(",", endpoints);
    }
  }
}
