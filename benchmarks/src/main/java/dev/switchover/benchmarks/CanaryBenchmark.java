package dev.switchover.benchmarks;

import dev.switchover.Admission;
import dev.switchover.CanaryKey;
import dev.switchover.DomainStatus;
import dev.switchover.HostName;
import dev.switchover.Resolution;
import dev.switchover.Router;
import dev.switchover.RoutingTable;
import dev.switchover.Split;
import dev.switchover.WorkspaceId;
import dev.switchover.http.internal.Cookies;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a weighted canary costs per request. {@code resolve} on a route without a split, in a table
 * without any ({@code resolvePlain}) and in one where another domain splits ({@code
 * resolveBesideASplit}): the two should not differ. {@code resolveAndChoose} resolves a split
 * route and picks the side of a sticky key. On the adapters' path ({@link
 * Router#admit(CharSequence, CharSequence, dev.switchover.PreviewTokens, CharSequence, Object,
 * Router.StickyKeys)}): {@code admitPlain} admits to a route without a split (the key is never
 * looked for), {@code admitSplit} to a split route for a client that sends its canary cookie among
 * others (the router asks for it, the adapter finds it). Public, as JMH requires.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class CanaryBenchmark {
  private static final String SHOP = "shop.example.com";

  /** A table without a split, one where another domain splits, one where the shop splits. */
  @State(Scope.Benchmark)
  @SuppressWarnings("NullAway.Init") // JMH calls @Setup before any @Benchmark method
  public static class Setting {
    RoutingTable plain;
    RoutingTable besideASplit;
    Router plainRouter;
    Router splitRouter;
    String cookies;
    String key;

    @Setup(Level.Trial)
    public void setUp() {
      plain = RoutingTable.builder()
          .workspace("blue")
          .workspace("green")
          .domain(SHOP, DomainStatus.VERIFIED)
          .route(SHOP, "/", "blue")
          .route(SHOP, "/api", "blue")
          .domain("other.example.com", DomainStatus.VERIFIED)
          .route("other.example.com", "/", "blue")
          .build();
      Split tenPercent = Split.ofPercent(WorkspaceId.of("green"), 10);
      besideASplit = plain.toBuilder().splitHost(HostName.parse("other.example.com"), tenPercent).build();
      plainRouter = Router.create(plain);
      splitRouter = Router.create(plain.toBuilder().splitHost(HostName.parse(SHOP), tenPercent).build());
      key = Split.newStickyKey();
      cookies = "session=8f14e45fceea167a5a36dedd4bea2543; " + CanaryKey.DEFAULT_COOKIE + "=" + key + "; theme=dark";
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      plainRouter.close();
      splitRouter.close();
    }
  }

  /** A route without a split, in a table without any. */
  @Benchmark
  public Resolution resolvePlain(Setting s) {
    return s.plain.resolve(SHOP, "/api/orders");
  }

  /** The same route, in a table where another domain splits. */
  @Benchmark
  public Resolution resolveBesideASplit(Setting s) {
    return s.besideASplit.resolve(SHOP, "/api/orders");
  }

  /** A split route, and the side of a sticky key. */
  @Benchmark
  public Resolution resolveAndChoose(Setting s) {
    return s.besideASplit.resolve("other.example.com", "/x").choose(s.key);
  }

  /** How an adapter finds the key: here the canary cookie in a Cookie field. */
  private static final Router.StickyKeys<String> COOKIE = cookies -> Cookies.value(cookies, CanaryKey.DEFAULT_COOKIE);

  /** An adapter's path to a route without a split: no key looked for. */
  @Benchmark
  public long admitPlain(Setting s) {
    Admission a = s.plainRouter.admit(SHOP, "/api/orders", null, null, s.cookies, COOKIE);
    a.close();
    return a.isRouted() ? 1 : 0;
  }

  /** An adapter's path on a split route, the client's cookie among others. */
  @Benchmark
  public long admitSplit(Setting s) {
    Admission a = s.splitRouter.admit(SHOP, "/api/orders", null, null, s.cookies, COOKIE);
    a.close();
    return a.workspace().name().length();
  }
}
