package dev.switchover.benchmarks;

import static com.google.common.base.Preconditions.checkArgument;

import com.google.common.collect.ImmutableList;
import dev.switchover.DomainStatus;
import dev.switchover.HostName;
import dev.switchover.PathPrefix;
import dev.switchover.RoutingTable;
import dev.switchover.WorkspaceId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The one workload every contender is built from and timed on.
 *
 * <ul>
 *   <li>{@code domains} domains, each with routes {@code /}, {@code /api}, {@code /api/v2} and
 *       {@code /static}; one domain in ten (every tenth) is a wildcard {@code *.<name>}; the
 *       routes go to {@code blue} or {@code green} (or, for the stricter agreement test, to a
 *       workspace of their own, so that an answer names the very route that matched).
 *   <li>Requests made here, outside any measured code, walked by index: 90% hits on exact hosts
 *       with paths of depth 1 to 4, 5% hits under wildcards, 5% misses (unknown names, two labels
 *       under a wildcard, a wildcard's bare parent, a label under a domain that is not a
 *       wildcard). Hosts come in mixed case, some with {@code :8080}, some with a trailing dot.
 * </ul>
 *
 * <p>The same {@code (domains, seed)} always gives the same workload. Immutable once made.
 */
final class Workload {
  static final WorkspaceId BLUE = WorkspaceId.of("blue");
  static final WorkspaceId GREEN = WorkspaceId.of("green");
  static final ImmutableList<String> PREFIXES = ImmutableList.of("/", "/api", "/api/v2", "/static");
  /** Request count: a power of two, large enough that a walk does not live in the L1 cache. */
  static final int DEFAULT_REQUESTS = 1 << 16;
  static final long DEFAULT_SEED = 6L;

  private static final ImmutableList<PathPrefix> PATH_PREFIXES =
      PREFIXES.stream().map(PathPrefix::of).collect(ImmutableList.toImmutableList());
  // Segments that hit each prefix, hit it on a boundary, or only look like it (/apix, /api/v2x).
  private static final String[] FIRST = {"api", "api", "static", "apix", "about", "account", "img"};
  private static final String[] SECOND = {"v2", "v2", "v1", "users", "v2x", "app.js", "orders"};
  private static final String[] DEEPER = {"items", "42", "detail", "a", "v2", "edit"};

  /** One route as data: {@code host} is a name or {@code *.parent}, lower case. */
  record RouteSpec(String host, String prefix, String workspace) {
    boolean isWildcard() {
      return host.startsWith("*.");
    }

    /** For a wildcard {@code *.parent}, the parent; for a name, the name. */
    String hostKey() {
      return isWildcard() ? host.substring(2) : host;
    }
  }

  final int domains;
  /** Each domain's name ({@code *.parent} for a wildcard), in generation order. */
  final ImmutableList<String> domainNames;
  /** Four routes per domain, domain by domain, in {@link #PREFIXES} order. */
  final ImmutableList<RouteSpec> routes;
  /** Request hosts, as a server would hand them over: mixed case, maybe a port or trailing dot. */
  final String[] hosts;
  /** Request paths, decoded and normalized. */
  final String[] paths;
  /**
   * The {@code hashMapBaseline} keys: each request's host already lower-cased, without port or
   * trailing dot, and for a wildcard hit already turned into the wildcard's name.
   */
  final String[] baselineKeys;
  private final boolean distinctWorkspaces;

  private Workload(int domains, int requests, long seed, boolean distinctWorkspaces) {
    checkArgument(domains >= 1, "need at least one domain, got %s", domains);
    checkArgument(Integer.bitCount(requests) == 1, "the request count must be a power of two, got %s", requests);
    this.domains = domains;
    this.distinctWorkspaces = distinctWorkspaces;
    List<String> names = new ArrayList<>(domains);
    List<RouteSpec> routeList = new ArrayList<>(domains * PREFIXES.size());
    for (int d = 0; d < domains; d++) {
      String name = domainName(d);
      names.add(name);
      long bits = mix(seed ^ d);
      for (int p = 0; p < PREFIXES.size(); p++) {
        String workspace =
            distinctWorkspaces ? "w" + d + "-" + p : ((bits >>> p) & 1) == 0 ? BLUE.name() : GREEN.name();
        routeList.add(new RouteSpec(name, PREFIXES.get(p), workspace));
      }
    }
    this.domainNames = ImmutableList.copyOf(names);
    this.routes = ImmutableList.copyOf(routeList);
    this.hosts = new String[requests];
    this.paths = new String[requests];
    this.baselineKeys = new String[requests];
    SplittableRandom random = new SplittableRandom(seed);
    for (int i = 0; i < requests; i++) {
      makeRequest(i, random);
    }
  }

  /** The benchmarks' workload: blue and green, {@link #DEFAULT_REQUESTS} requests. */
  static Workload of(int domains) {
    return new Workload(domains, DEFAULT_REQUESTS, DEFAULT_SEED, false);
  }

  /** A workload of your choosing; {@code distinctWorkspaces} gives every route its own workspace. */
  static Workload of(int domains, int requests, long seed, boolean distinctWorkspaces) {
    return new Workload(domains, requests, seed, distinctWorkspaces);
  }

  int requests() {
    return hosts.length;
  }

  static boolean isWildcardDomain(int d) {
    return d % 10 == 9;
  }

  /** Names that share long suffixes and differ early, as the names of many tenants do. */
  static String domainName(int d) {
    return isWildcardDomain(d)
        ? "*.tenant" + d + ".example.net"
        : "shop" + d + ".customer" + (d % 97) + ".example.com";
  }

  /** The Switchover table of this workload: every domain verified, every route added. */
  RoutingTable table() {
    RoutingTable.Builder b = RoutingTable.builder().workspace(BLUE).workspace(GREEN);
    Map<String, WorkspaceId> workspaces = new HashMap<>();
    workspaces.put(BLUE.name(), BLUE);
    workspaces.put(GREEN.name(), GREEN);
    for (int d = 0; d < domains; d++) {
      HostName host = HostName.parse(domainNames.get(d));
      b.domain(host, DomainStatus.VERIFIED);
      for (int p = 0; p < PREFIXES.size(); p++) {
        String name = routes.get(d * PREFIXES.size() + p).workspace();
        WorkspaceId ws = workspaces.get(name);
        if (ws == null) {
          ws = WorkspaceId.of(name);
          workspaces.put(name, ws);
          b.workspace(ws);
        }
        b.route(host, PATH_PREFIXES.get(p), ws);
      }
    }
    return b.build();
  }

  /**
   * The {@code hashMapBaseline} map: each domain's name ({@code *.parent} for a wildcard) to the
   * workspace of its {@code /} route. Its keys are the workload's own strings; a request's {@link
   * #baselineKeys} are equal strings made separately, as a request's would be.
   */
  Map<String, String> baselineMap() {
    Map<String, String> map = new HashMap<>();
    for (int d = 0; d < domains; d++) {
      map.put(domainNames.get(d), routes.get(d * PREFIXES.size()).workspace());
    }
    return map;
  }

  private void makeRequest(int i, SplittableRandom random) {
    int kind = random.nextInt(100);
    String name;
    String baselineKey;
    if (kind < 90 || domains < 10) {
      // a hit on an exact host (a workload under ten domains has no wildcard to hit)
      int d = exactDomain(random);
      name = domainName(d);
      baselineKey = name;
    } else if (kind < 95) {
      int d = wildcardDomain(random);
      String parent = domainName(d).substring(2);
      name = label(random) + "." + parent;
      baselineKey = domainName(d);
    } else {
      name = miss(random);
      baselineKey = name;
    }
    hosts[i] = decorate(name, random);
    paths[i] = path(random);
    baselineKeys[i] = baselineKey;
  }

  private int exactDomain(SplittableRandom random) {
    while (true) {
      int d = random.nextInt(domains);
      if (!isWildcardDomain(d)) {
        return d;
      }
    }
  }

  private int wildcardDomain(SplittableRandom random) {
    int wildcards = domains / 10;
    return random.nextInt(wildcards) * 10 + 9;
  }

  private String miss(SplittableRandom random) {
    int d = random.nextInt(domains);
    return switch (random.nextInt(4)) {
      case 0 -> "unknown" + random.nextInt(1_000_000) + ".example.org";
      // a domain's own name with one more label: two more under a wildcard, one under a name
      case 1 -> isWildcardDomain(d)
          ? label(random) + "." + label(random) + "." + domainName(d).substring(2)
          : label(random) + "." + domainName(d);
      // the bare parent of a wildcard, or a near miss of an exact name
      case 2 -> isWildcardDomain(d)
          ? domainName(d).substring(2)
          : "shop" + d + ".customer" + (d % 97 + 1) + ".example.com";
      default -> "www.shop" + (domains + random.nextInt(1_000_000)) + ".customer1.example.com";
    };
  }

  private static String label(SplittableRandom random) {
    return "u" + Integer.toString(random.nextInt(1 << 20), 36);
  }

  /** Mixed case for half the requests, {@code :8080} for a quarter, a trailing dot for a tenth. */
  private static String decorate(String name, SplittableRandom random) {
    String host = name;
    if (random.nextBoolean()) {
      char[] chars = host.toCharArray();
      for (int c = 0; c < chars.length; c++) {
        if (random.nextBoolean()) {
          chars[c] = Character.toUpperCase(chars[c]);
        }
      }
      host = new String(chars);
    }
    if (random.nextInt(10) == 0) {
      host = host + ".";
    }
    if (random.nextInt(4) == 0) {
      host = host + ":8080";
    }
    return host;
  }

  private static String path(SplittableRandom random) {
    int depth = 1 + random.nextInt(4);
    StringBuilder p = new StringBuilder();
    p.append('/').append(FIRST[random.nextInt(FIRST.length)]);
    if (depth >= 2) {
      p.append('/').append(SECOND[random.nextInt(SECOND.length)]);
    }
    for (int k = 3; k <= depth; k++) {
      p.append('/').append(DEEPER[random.nextInt(DEEPER.length)]);
    }
    if (random.nextInt(16) == 0) {
      p.append('/');
    }
    return p.toString();
  }

  /**
   * Collects the garbage that making a workload and building contenders leaves, so that what is
   * timed reads data laid out as a long-running server's is after its first collections, packed
   * together, rather than strewn among dead objects. Every benchmark state calls this last in its
   * setup.
   */
  static void settle() {
    System.gc();
  }

  /** The SplitMix64 finalizer: spreads a seed into bits to pick workspaces from. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  @Override
  public String toString() {
    return "Workload{domains=" + domains + ", routes=" + routes.size() + ", requests=" + requests()
        + (distinctWorkspaces ? ", a workspace per route" : ", blue and green") + "}";
  }
}
