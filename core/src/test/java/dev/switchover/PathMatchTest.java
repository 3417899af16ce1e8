package dev.switchover;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@code HostEntry.match} against {@code PathPrefix.matches}, with long prefixes and many of them. */
final class PathMatchTest {
  private static final String[] SEGS = {"a", "b", "ab", "A", "x-y", "~", "a.b", "z", "\u00e9", ""};

  @Test
  void match_randomPrefixSets_agreeWithLinearScan() {
    HostName host = HostName.parse("shop.example.com");
    WorkspaceId ws = WorkspaceId.of("blue");
    for (long seed = 0; seed < 3000; seed++) {
      Random r = new Random(seed);
      Set<String> prefixes = new LinkedHashSet<>();
      int count = r.nextInt(seed % 10 == 0 ? 600 : 12);
      boolean longOnes = r.nextInt(4) == 0;
      for (int i = 0; i < count; i++) {
        String p = randomPrefix(r, longOnes);
        if (!p.isEmpty()) {
          prefixes.add(p);
        }
      }
      List<Route> routes = new ArrayList<>();
      for (String p : prefixes) {
        routes.add(Route.of(host, PathPrefix.of(p), ws));
      }
      HostEntry e = HostEntry.of(host, DomainStatus.VERIFIED, routes);
      List<String> paths = new ArrayList<>();
      for (String p : prefixes) {
        paths.add(p);
        paths.add(p + "/");
        paths.add(p + "x");
        paths.add(p + "/q");
        paths.add(p.substring(0, p.length() - 1));
      }
      for (int i = 0; i < 50; i++) {
        StringBuilder sb = new StringBuilder();
        int depth = r.nextInt(8);
        if (r.nextInt(10) != 0) {
          for (int d = 0; d < depth; d++) {
            sb.append('/').append(SEGS[r.nextInt(SEGS.length)]);
          }
        } else {
          sb.append(SEGS[r.nextInt(SEGS.length)]);
        }
        paths.add(sb.toString());
      }
      paths.add("");
      paths.add("/");
      paths.add("//");
      for (String path : paths) {
        Route best = null;
        for (Route rt : routes) {
          if (rt.prefix().matches(path)
              && (best == null || rt.prefix().toString().length() > best.prefix().toString().length())) {
            best = rt;
          }
        }
        Resolution got = e.match(path);
        assertEquals(best == null ? null : Resolution.of(best), got.isRouted() ? got : null, "seed " + seed + " path " + path + " prefixes " + prefixes.size());
      }
    }
  }

  private static String randomPrefix(Random r, boolean longOnes) {
    if (r.nextInt(15) == 0) {
      return "/";
    }
    StringBuilder sb = new StringBuilder();
    int depth = 1 + r.nextInt(longOnes ? 300 : 4);
    for (int d = 0; d < depth; d++) {
      String s = SEGS[r.nextInt(SEGS.length - 2)];
      if (longOnes && r.nextBoolean()) {
        s = s.repeat(1 + r.nextInt(40));
      }
      if (sb.length() + 1 + s.length() > PathPrefix.MAX_LENGTH) {
        break;
      }
      sb.append('/').append(s);
    }
    return sb.length() == 0 ? "/" : sb.toString();
  }
}
