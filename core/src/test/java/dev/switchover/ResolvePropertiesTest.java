package dev.switchover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.CharBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;

/**
 * {@link RoutingTable#resolve} agrees with {@link ReferenceModel} for random tables and random,
 * often hostile, request hosts and paths. The number of tries comes from {@code
 * jqwik.tries.default} (10,000 in the build).
 */
final class ResolvePropertiesTest {
  private static final List<String> LABELS = List.of("a", "b", "shop", "api", "x-1", "k", "i", "xn--bcher-kva");
  private static final List<String> TLDS = List.of("com", "org", "localhost", "io");
  private static final List<String> PREFIXES = List.of("/", "/api", "/api/v2", "/a", "/a/b", "/ap", "/static", "/A", "/api/v2/x");
  private static final List<String> SEGMENTS = List.of("api", "v2", "a", "b", "ap", "apix", "static", "A", "x", "", ".", "..", "%2e", "api;x");
  private static final List<String> WORKSPACES = List.of("blue", "green", "red");

  @Property
  void resolve_agreesWithTheLinearModel(
      @ForAll("routeSpecs") List<Tuple.Tuple3<String, String, String>> specs,
      @ForAll("requests") List<Tuple.Tuple2<String, String>> requests) {
    RoutingTable.Builder builder = RoutingTable.builder();
    WORKSPACES.forEach(builder::workspace);
    ReferenceModel model = new ReferenceModel();
    Set<String> seen = new HashSet<>();
    for (Tuple.Tuple3<String, String, String> spec : specs) {
      HostName host = HostName.parse(spec.get1());
      PathPrefix prefix = PathPrefix.of(spec.get2());
      if (!seen.add(host + " " + prefix)) {
        continue;
      }
      builder.domain(host, DomainStatus.VERIFIED).route(host, prefix, WorkspaceId.of(spec.get3()));
      model.add(Route.of(host, prefix, WorkspaceId.of(spec.get3())));
    }
    RoutingTable table = builder.build();
    for (Tuple.Tuple2<String, String> request : requests) {
      String host = request.get1();
      String path = request.get2();
      Resolution actual = table.resolve(host, path);
      Statistics.label("outcome").collect(actual.outcome());
      String where = "host \"" + host + "\" path \"" + path + "\"";
      assertEquals(model.outcome(host, path), actual.outcome(), where);
      if (actual.isRouted()) {
        assertEquals(model.route(host, path), actual.route(), where);
        // The answer is one made ahead of time: resolving again gives the same object.
        assertSame(actual, table.resolve(host, path));
      }
      // Any CharSequence is resolved exactly like a String.
      assertSame(actual, table.resolve(CharBuffer.wrap(host), CharBuffer.wrap(path)));
    }
    // Each request list also asks for every routed host, spelled as a client might.
    for (Route r : model.routes()) {
      String host = r.host().isWildcard() ? "Any" + r.host().toString().substring(1) : r.host().toString();
      for (String spelling : List.of(host, host.toUpperCase(Locale.ROOT) + ".", host + ":8080")) {
        List<String> paths = new ArrayList<>();
        requests.forEach(request -> paths.add(request.get2()));
        String prefix = r.prefix().toString();
        paths.addAll(List.of(prefix, prefix + "/x", prefix + "x", prefix + "/"));
        for (String path : paths) {
          Resolution actual = table.resolve(spelling, path);
          Statistics.label("outcome for a routed host").collect(actual.outcome());
          assertEquals(model.route(spelling, path), actual.isRouted() ? actual.route() : null, spelling + path);
        }
      }
    }
    Statistics.label("outcome").coverage(c -> c.check(Resolution.Outcome.ROUTED).percentage(p -> p > 0.05));
    Statistics.label("outcome for a routed host").coverage(c -> {
      c.check(Resolution.Outcome.ROUTED).percentage(p -> p > 15);
      c.check(Resolution.Outcome.NO_ROUTE).percentage(p -> p > 1);
    });
  }

  @Provide
  Arbitrary<List<Tuple.Tuple3<String, String, String>>> routeSpecs() {
    Arbitrary<String> host = Combinators.combine(
            Arbitraries.of("", "*."),
            Arbitraries.of(LABELS).list().ofMinSize(0).ofMaxSize(2),
            Arbitraries.of(LABELS),
            Arbitraries.of(TLDS))
        .as((star, more, label, tld) -> {
          StringBuilder s = new StringBuilder(star);
          for (String m : more) {
            s.append(m).append('.');
          }
          return s.append(label).append('.').append(tld).toString();
        });
    return Combinators.combine(host, Arbitraries.of(PREFIXES), Arbitraries.of(WORKSPACES))
        .as(Tuple::of)
        .list()
        .ofMaxSize(12);
  }

  @Provide
  Arbitrary<List<Tuple.Tuple2<String, String>>> requests() {
    Arbitrary<String> name = Combinators.combine(
            Arbitraries.of(LABELS).list().ofMinSize(0).ofMaxSize(3),
            Arbitraries.of(LABELS),
            Arbitraries.of(TLDS))
        .as((more, label, tld) -> String.join(".", more) + (more.isEmpty() ? "" : ".") + label + "." + tld);
    Arbitrary<String> cased = Combinators.combine(name, Arbitraries.longs())
        .as(ResolvePropertiesTest::mixCase);
    Arbitrary<String> decorated = Combinators.combine(
            cased,
            Arbitraries.of("", "", "", ".", ":8080", ".:443", ":", ":abc", ":123456", "..", ":80:80"),
            Arbitraries.of("", "", "", "", "*.", ".", "-", "a..", "a_b.", "İ.", "K."))
        .as((n, suffix, prefix) -> prefix + n + suffix);
    Arbitrary<String> hostile = Arbitraries.of(
        "", "[::1]", "[::1]:8080", "1.2.3.4", "1.2.3.4:80", "*.shop.com", "*", ".", "..", "a..b.com",
        "shop.com\u0000", "shop.com\n", "bücher.io", "SHOP.COM ", " shop.com", "x".repeat(10_000),
        ("a".repeat(63) + ".").repeat(4) + "com");
    Arbitrary<String> host = Arbitraries.frequencyOf(
        Tuple.of(8, decorated), Tuple.of(1, hostile), Tuple.of(1, Arbitraries.strings().ofMaxLength(20)));
    Arbitrary<String> path = Arbitraries.frequencyOf(
        Tuple.of(8, Arbitraries.of(SEGMENTS).list().ofMaxSize(5).map(s -> s.isEmpty() ? "/" : "/" + String.join("/", s))),
        Tuple.of(1, Arbitraries.of("", "*", "api", "//", "/api//", "/api/", "/" + "a/".repeat(5_000), "/api?x=1")),
        Tuple.of(1, Arbitraries.strings().ofMaxLength(12)));
    return Combinators.combine(host, path).as(Tuple::of).list().ofMinSize(1).ofMaxSize(30);
  }

  private static String mixCase(String s, long bits) {
    char[] chars = s.toCharArray();
    for (int i = 0; i < chars.length && i < 64; i++) {
      if ((bits >>> i & 1) == 1 && chars[i] >= 'a' && chars[i] <= 'z') {
        chars[i] = (char) (chars[i] - 32);
      }
    }
    return new String(chars);
  }
}
