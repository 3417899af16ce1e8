package dev.switchover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.quicktheories.generators.Generate.constant;
import static org.quicktheories.generators.Generate.frequency;
import static org.quicktheories.generators.Generate.pick;
import static org.quicktheories.generators.Generate.range;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;

import com.google.common.collect.HashMultiset;
import com.google.common.collect.Multiset;
import java.nio.CharBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.quicktheories.api.Pair;
import org.quicktheories.core.Gen;

/**
 * {@link RoutingTable#resolve} agrees with {@link ReferenceModel} for random tables and random,
 * often hostile, request hosts and paths: {@link PropertyRun#EXAMPLES} tables (10,000 in the
 * build), each asked up to 30 requests and every routed host in three spellings.
 */
final class ResolvePropertiesTest {
  private static final List<String> LABELS = List.of("a", "b", "shop", "api", "x-1", "k", "i", "xn--bcher-kva");
  private static final List<String> TLDS = List.of("com", "org", "localhost", "io");
  private static final List<String> PREFIXES = List.of("/", "/api", "/api/v2", "/a", "/a/b", "/ap", "/static", "/A", "/api/v2/x");
  private static final List<String> SEGMENTS = List.of("api", "v2", "a", "b", "ap", "apix", "static", "A", "x", "", ".", "..", "%2e", "api;x");
  private static final List<String> WORKSPACES = List.of("blue", "green", "red");

  record RouteSpec(String host, String prefix, String workspace) {}

  record Request(String host, String path) {}

  @Test
  void resolve_agreesWithTheLinearModel() {
    PropertyRun run = PropertyRun.of(0xf40c40225091L);
    Multiset<Resolution.Outcome> outcomes = HashMultiset.create();
    Multiset<Resolution.Outcome> routedHostOutcomes = HashMultiset.create();
    run.check(routeSpecs(), requests(), (specs, requests) -> agreesWithTheLinearModel(specs, requests, outcomes, routedHostOutcomes));
    run.assertShareAbove(0.05, Resolution.Outcome.ROUTED, outcomes);
    run.assertShareAbove(15, Resolution.Outcome.ROUTED, routedHostOutcomes);
    run.assertShareAbove(1, Resolution.Outcome.NO_ROUTE, routedHostOutcomes);
  }

  private static void agreesWithTheLinearModel(
      List<RouteSpec> specs,
      List<Request> requests,
      Multiset<Resolution.Outcome> outcomes,
      Multiset<Resolution.Outcome> routedHostOutcomes) {
    RoutingTable.Builder builder = RoutingTable.builder();
    ReferenceModel model = new ReferenceModel();
    Set<String> seen = new HashSet<>();
    for (RouteSpec spec : specs) {
      HostName host = HostName.parse(spec.host());
      PathPrefix prefix = PathPrefix.of(spec.prefix());
      if (!seen.add(host + " " + prefix)) {
        continue;
      }
      // A workspace of its own for each route, so that an answer names the very route that
      // matched: a resolution says workspace and prefix, not which host's route it was.
      WorkspaceId workspace = WorkspaceId.of(spec.workspace() + "-" + seen.size());
      builder.workspace(workspace).domain(host, DomainStatus.VERIFIED).route(host, prefix, workspace);
      model.add(Route.of(host, prefix, workspace));
    }
    RoutingTable table = builder.build();
    for (Request request : requests) {
      String host = request.host();
      String path = request.path();
      Resolution actual = table.resolve(host, path);
      outcomes.add(actual.outcome());
      String where = "host \"" + host + "\" path \"" + path + "\"";
      assertEquals(model.outcome(host, path), actual.outcome(), where);
      if (actual.isRouted()) {
        assertSame(Resolution.of(Objects.requireNonNull(model.route(host, path))), actual, where);
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
        requests.forEach(request -> paths.add(request.path()));
        String prefix = r.prefix().toString();
        paths.addAll(List.of(prefix, prefix + "/x", prefix + "x", prefix + "/"));
        for (String path : paths) {
          Resolution actual = table.resolve(spelling, path);
          routedHostOutcomes.add(actual.outcome());
          Route expected = model.route(spelling, path);
          assertEquals(expected == null ? null : Resolution.of(expected), actual.isRouted() ? actual : null, spelling + path);
        }
      }
    }
  }

  private static Gen<List<RouteSpec>> routeSpecs() {
    Gen<String> host = pick(List.of("", "*."))
        .zip(lists().of(pick(LABELS)).ofSizeBetween(0, 2), pick(LABELS), pick(TLDS), (star, more, label, tld) -> {
          StringBuilder s = new StringBuilder(star);
          for (String m : more) {
            s.append(m).append('.');
          }
          return s.append(label).append('.').append(tld).toString();
        });
    return ShrinkingLists.of(host.zip(pick(PREFIXES), pick(WORKSPACES), RouteSpec::new), 0, 12);
  }

  private static Gen<List<Request>> requests() {
    Gen<String> name = lists().of(pick(LABELS)).ofSizes(often(0, range(0, 3)))
        .zip(pick(LABELS), pick(TLDS), (more, label, tld) -> String.join(".", more) + (more.isEmpty() ? "" : ".") + label + "." + tld);
    Gen<String> cased = name.zip(longs().all(), ResolvePropertiesTest::mixCase);
    Gen<String> decorated = cased.zip(
        often("", pick(List.of("", "", "", ".", ":8080", ".:443", ":", ":abc", ":123456", "..", ":80:80"))),
        often("", pick(List.of("", "", "", "", "*.", ".", "-", "a..", "a_b.", "İ.", "K."))),
        (n, suffix, prefix) -> prefix + n + suffix);
    Gen<String> hostile = pick(List.of(
        "", "[::1]", "[::1]:8080", "1.2.3.4", "1.2.3.4:80", "*.shop.com", "*", ".", "..", "a..b.com",
        "shop.com\u0000", "shop.com\n", "bücher.io", "SHOP.COM ", " shop.com", "x".repeat(10_000),
        ("a".repeat(63) + ".").repeat(4) + "com"));
    Gen<String> host = frequency(Pair.of(8, decorated), Pair.of(1, hostile), Pair.of(1, anyChars(20)));
    Gen<String> path = frequency(
        Pair.of(8, lists().of(pick(SEGMENTS)).ofSizes(often(0, range(0, 5))).map(s -> s.isEmpty() ? "/" : "/" + String.join("/", s))),
        Pair.of(1, pick(List.of("", "*", "api", "//", "/api//", "/api/", "/" + "a/".repeat(5_000), "/api?x=1"))),
        Pair.of(1, anyChars(12)));
    return ShrinkingLists.of(host.zip(path, Request::new), 1, 30);
  }

  /**
   * {@code simplest} half the time, otherwise a value from {@code values}. A bare request name (no
   * extra labels, port or dot) on the path "/" is the request most likely to match a random
   * table: made this often, enough random requests are routed for the coverage check above.
   */
  private static <T> Gen<T> often(T simplest, Gen<T> values) {
    return frequency(Pair.of(1, constant(simplest)), Pair.of(1, values));
  }

  /** Up to {@code maxLength} chars, half of them ASCII, the others any UTF-16 unit (lone surrogates too). */
  private static Gen<String> anyChars(int maxLength) {
    Gen<Integer> unit = frequency(Pair.of(1, range(0, 0x7f, 'a')), Pair.of(1, range(0, 0xffff, 'a')));
    return lists().of(unit).ofSizeBetween(0, maxLength).map(units -> {
      StringBuilder s = new StringBuilder(units.size());
      units.forEach(u -> s.append((char) u.intValue()));
      return s.toString();
    });
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
