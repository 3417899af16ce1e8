package dev.switchover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@code HostEntry.match} against {@code PathPrefix.matches}, with long prefixes and many of them. */
final class PathMatchTest {
  private static final String[] SEGS = {"a", "b", "ab", "A", "x-y", "~", "a.b", "z", "\u00e9", ""};

  /**
   * Path characters a lookup must not mistake for a prefix's: beyond Latin-1 with the low byte of
   * '/', 'a' or NUL (which a byte copy would take for them), NUL itself (which reads like the end
   * of the path), and two that alias nothing: one in Latin-1 beyond ASCII, and the fullwidth '/'.
   */
  private static final String[] ALIASES = {"\u012f", "\u0161", "\u0100", "\u0000", "\u00e1", "\uff0f"};

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
            sb.append('/').append(r.nextInt(8) == 0 ? ALIASES[r.nextInt(ALIASES.length)] : SEGS[r.nextInt(SEGS.length)]);
          }
        } else {
          sb.append(SEGS[r.nextInt(SEGS.length)]);
        }
        paths.add(sb.toString());
      }
      paths.add("");
      paths.add("/");
      paths.add("//");
      assertAgreesWithLinearScan(e, routes, paths, "seed " + seed);
    }
  }

  /**
   * Prefixes around the lengths where a host's prefixes stop being kept as a list (and where a
   * prefix or the '/' after it crosses a word), with paths that are each prefix, extend it, stop
   * one short, or put a character that aliases '/' or a letter in a byte copy where it matters.
   */
  @Test
  void match_prefixesAroundTheListLimits_agreeWithLinearScan() {
    HostName host = HostName.parse("shop.example.com");
    boolean sawList = false;
    boolean sawTable = false;
    for (int longest = 1; longest <= HostEntry.LIST_LONGEST + 3; longest++) {
      for (int count = 1; count <= HostEntry.LIST_MAX + 2; count++) {
        for (boolean root : new boolean[] {true, false}) {
          List<Route> routes = new ArrayList<>();
          if (root) {
            routes.add(Route.of(host, PathPrefix.ROOT, WorkspaceId.of("root")));
          }
          List<String> prefixes = prefixes(longest, count);
          for (String p : prefixes) {
            routes.add(Route.of(host, PathPrefix.of(p), WorkspaceId.of("w" + routes.size())));
          }
          HostEntry e = HostEntry.of(host, DomainStatus.VERIFIED, routes);
          int longestKept = prefixes.stream().mapToInt(String::length).max().orElse(0);
          assertEquals(
              prefixes.size() <= HostEntry.LIST_MAX && longestKept <= HostEntry.LIST_LONGEST,
              e.keepsPrefixesAsList(),
              "the form of " + prefixes);
          sawList |= e.keepsPrefixesAsList();
          sawTable |= !e.keepsPrefixesAsList();
          assertAgreesWithLinearScan(e, routes, paths(prefixes), "longest " + longest + " count " + count + " root " + root);
        }
      }
    }
    assertTrue(sawList && sawTable, "both forms tried");
  }

  /**
   * Up to {@code count} prefixes, the longest {@code longest} characters: runs of 'a' that are
   * prefixes of one another, neighbours of the same length that differ only in their last
   * character, and ones with a '/' inside.
   */
  private static List<String> prefixes(int longest, int count) {
    List<String> prefixes = new ArrayList<>();
    for (int k = 0; k < count; k++) {
      int length = Math.max(2, longest - k / 2);
      String p = "/" + "a".repeat(length - 1);
      if (k % 2 == 1) {
        p = p.substring(0, p.length() - 1) + "b"; // the same length as the one before
      }
      if (k % 4 == 3 && length > 3) {
        p = "/a/" + "b".repeat(length - 3);
      }
      if (!prefixes.contains(p)) {
        prefixes.add(p);
      }
    }
    return prefixes;
  }

  /** Paths that are each prefix, extend it, stop one short, or hold an alias where it matters. */
  private static List<String> paths(List<String> prefixes) {
    List<String> paths = new ArrayList<>();
    for (String p : prefixes) {
      paths.add(p);
      paths.add(p + "/");
      paths.add(p + "/x/y/z/w");
      paths.add(p + "x");
      paths.add(p.substring(0, p.length() - 1));
      for (String alias : ALIASES) {
        paths.add(p + alias);
        paths.add(p + alias + "/x");
        paths.add(p.substring(0, p.length() - 1) + alias);
        paths.add(p.substring(0, p.length() - 1) + alias + "/x");
        paths.add(alias + p);
        paths.add("/" + alias + p.substring(1));
      }
    }
    paths.add("/");
    paths.add("");
    paths.add("x/aaa");
    return paths;
  }

  private static void assertAgreesWithLinearScan(HostEntry e, List<Route> routes, List<String> paths, String what) {
    for (String path : paths) {
      Route best = null;
      for (Route rt : routes) {
        if (rt.prefix().matches(path)
            && (best == null || rt.prefix().toString().length() > best.prefix().toString().length())) {
          best = rt;
        }
      }
      Resolution got = e.match(path);
      assertEquals(best == null ? null : Resolution.of(best), got.isRouted() ? got : null, what + " path " + path);
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
