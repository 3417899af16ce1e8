package dev.switchover.benchmarks;

import dev.switchover.Admission;
import dev.switchover.DomainStatus;
import dev.switchover.PreviewTokens;
import dev.switchover.Router;
import dev.switchover.RoutingTable;
import dev.switchover.http.internal.Previews;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
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
 * What preview tokens cost an adapter per request: a request without a token, admitted by an
 * adapter without preview tokens ({@code admit}) and by one with them ({@code
 * admitWithoutToken}: it looks for the header and the cookie first, in a {@code Cookie} header
 * that holds other cookies); and, for scale, a request with a valid token ({@code
 * admitWithToken}: the token is verified). The first two should not differ measurably. Public,
 * as JMH requires.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class PreviewBenchmark {
  /** A router, the tokens, and a request's headers. */
  @State(Scope.Benchmark)
  @SuppressWarnings("NullAway.Init") // JMH calls @Setup before any @Benchmark method
  public static class Setting {
    Router router;
    PreviewTokens previews;
    String token;
    @Nullable String noHeader;
    String cookies = "session=8f14e45fceea167a5a36dedd4bea2543; theme=dark; consent=yes";

    @Setup(Level.Trial)
    public void setUp() {
      RoutingTable table = RoutingTable.builder()
          .workspace("blue")
          .workspace("green")
          .domain("shop.example.com", DomainStatus.VERIFIED)
          .route("shop.example.com", "/", "blue")
          .build();
      router = Router.create(table);
      previews = PreviewTokens.builder().signingKey("k1", new byte[32]).build();
      token = previews.mint("shop.example.com", "green", Duration.ofHours(1));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      router.close();
    }
  }

  /** An adapter without preview tokens. */
  @Benchmark
  public long admit(Setting s) {
    Admission a = s.router.admit("shop.example.com", "/cart");
    a.close();
    return a.isRouted() ? 1 : 0;
  }

  /** An adapter with preview tokens, a request without one. */
  @Benchmark
  public long admitWithoutToken(Setting s) {
    String token = Previews.token(s.noHeader, s.cookies);
    Admission a =
        token == null
            ? s.router.admit("shop.example.com", "/cart")
            : s.router.admit("shop.example.com", "/cart", s.previews, token);
    a.close();
    return a.isRouted() ? 1 : 0;
  }

  /** An adapter with preview tokens, a request with a valid one in its header. */
  @Benchmark
  public long admitWithToken(Setting s) {
    String token = Previews.token(s.token, s.cookies);
    Admission a =
        token == null
            ? s.router.admit("shop.example.com", "/cart")
            : s.router.admit("shop.example.com", "/cart", s.previews, token);
    a.close();
    return a.workspace().name().length();
  }
}
