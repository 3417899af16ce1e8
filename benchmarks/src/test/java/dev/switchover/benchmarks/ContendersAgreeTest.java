package dev.switchover.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Every contender gives Switchover's answers on the benchmark workload, before anything is timed:
 * on a small table, on 1,000 domains, and with a workspace per route (so that an answer names the
 * very route that matched, not just blue or green).
 */
final class ContendersAgreeTest {
  @Test
  void contenders_tenDomains_giveSwitchoversAnswers() {
    assertAllAgree(Workload.of(10, 1 << 12, 1, false));
  }

  @Test
  void contenders_thousandDomains_giveSwitchoversAnswers() {
    assertAllAgree(Workload.of(1_000));
  }

  @Test
  void contenders_workspacePerRoute_matchTheSameRoute() {
    assertAllAgree(Workload.of(200, 1 << 14, 7, true));
    assertAllAgree(Workload.of(1_000, 1 << 14, 8, true));
  }

  @Test
  void workload_benchmarkMix_hasHitsWildcardHitsAndMisses() {
    Workload w = Workload.of(1_000);
    Agreement.Answers expected = new Agreement.Answers(w, new SwitchoverContender(w));
    long misses = 0;
    long wildcardHits = 0;
    for (int i = 0; i < w.requests(); i++) {
      if (expected.get(i) == null) {
        misses++;
      } else if (w.baselineKeys[i].startsWith("*.")) {
        wildcardHits++;
      }
    }
    long n = w.requests();
    // 90% exact hits, 5% wildcard hits, 5% misses, give or take the random draw
    assertTrue(misses > n * 4 / 100 && misses < n * 6 / 100, "misses: " + misses + " of " + n);
    assertTrue(wildcardHits > n * 4 / 100 && wildcardHits < n * 6 / 100, "wildcard hits: " + wildcardHits + " of " + n);
    assertTrue(Arrays.stream(w.hosts).anyMatch(h -> h.endsWith(":8080")), "some hosts have a port");
    assertTrue(Arrays.stream(w.hosts).anyMatch(h -> h.endsWith(".") || h.endsWith(".:8080")), "some hosts end with a dot");
    assertTrue(Arrays.stream(w.hosts).anyMatch(h -> !h.equals(h.toLowerCase(java.util.Locale.ROOT))), "some hosts are mixed case");
  }

  @Test
  void contenders_edgeCases_agreeOnEach() {
    Workload w = Workload.of(20, 1 << 4, 3, true);
    SwitchoverContender switchover = new SwitchoverContender(w);
    Contender[] others = {new JettyContender(w), new UndertowContender(w), new PredicateListContender(w)};
    String exact = Workload.domainName(3);
    String wildcardParent = Workload.domainName(9).substring(2);
    String[][] cases = {
      {exact.toUpperCase(java.util.Locale.ROOT) + ".:8080", "/api/v2/x"},
      {exact, "/apix"},
      {exact, "/api/v2x"},
      {exact, "/api/"},
      {exact, "/static"},
      {"A." + wildcardParent, "/static/app.js"},
      {"a.b." + wildcardParent, "/"},
      {wildcardParent, "/"},
      {"x." + exact, "/"},
    };
    for (String[] c : cases) {
      String want = switchover.find(c[0], c[1]);
      for (Contender other : others) {
        assertEquals(want, other.find(c[0], c[1]), other.getClass().getSimpleName() + " on " + c[0] + c[1]);
      }
    }
    assertEquals("w3-2", switchover.find(exact, "/api/v2/x"));
    assertEquals("w3-0", switchover.find(exact, "/apix"));
    assertEquals("w9-3", switchover.find("A." + wildcardParent, "/static/app.js"));
    assertNull(switchover.find("a.b." + wildcardParent, "/"));
    assertNotNull(switchover.find(exact + ".", "/"));
  }

  private static void assertAllAgree(Workload w) {
    SwitchoverContender switchover = new SwitchoverContender(w);
    Agreement.Answers expected = new Agreement.Answers(w, switchover);
    Agreement.check("jettyStructures", w, expected, new JettyContender(w), Integer.MAX_VALUE);
    Agreement.check("undertowStructures", w, expected, new UndertowContender(w), Integer.MAX_VALUE);
    Agreement.check("linearPredicates", w, expected, new PredicateListContender(w), Integer.MAX_VALUE);
    Agreement.checkBaseline(w, expected, w.baselineMap());
  }
}
