package dev.switchover.benchmarks;

import java.util.HashMap;
import java.util.Map;
import org.eclipse.jetty.http.pathmap.MatchedResource;
import org.eclipse.jetty.http.pathmap.PathMappings;
import org.eclipse.jetty.http.pathmap.ServletPathSpec;
import org.eclipse.jetty.util.HostPort;
import org.eclipse.jetty.util.Index;
import org.jspecify.annotations.Nullable;

/**
 * Jetty 12's own matching structures, from its public API: per host a {@link PathMappings} of
 * servlet prefix specs ({@code /api/*}, with {@code /} as the default), and hosts in Jetty's
 * case-insensitive {@link Index} — the best structure Jetty offers for this job.
 *
 * <p>What each request does is what Jetty does on the way to a context: the HTTP parser reads
 * the {@code Host} header into a {@link HostPort} (splitting the port off), and the virtual-host
 * check of {@code ContextHandler} compares the name ignoring case and ignoring one trailing dot,
 * a wildcard {@code *.example.com} matching exactly one more label. Here that check is an {@link
 * Index} lookup of the name (without its trailing dot) and, if it fails, of the part after the
 * first dot among the wildcards; the region lookups ({@link Index#get(String, int, int)}) copy
 * nothing. Jetty's own {@code ContextHandlerCollection} is less kind at this scale: it maps
 * context paths first and then asks every context with that path whether its virtual hosts
 * match, in turn — a scan over all domains; that is not what is timed here.
 */
final class JettyContender implements Contender {
  private final Index<PathMappings<String>> exact;
  /** Wildcards {@code *.parent}, keyed by {@code parent}. */
  private final Index<PathMappings<String>> wildcards;

  JettyContender(Workload workload) {
    Map<String, PathMappings<String>> exactHosts = new HashMap<>();
    Map<String, PathMappings<String>> wildcardParents = new HashMap<>();
    for (Workload.RouteSpec r : workload.routes) {
      Map<String, PathMappings<String>> hosts = r.isWildcard() ? wildcardParents : exactHosts;
      PathMappings<String> mappings = hosts.computeIfAbsent(r.hostKey(), k -> new PathMappings<>());
      mappings.put(new ServletPathSpec(servletSpec(r.prefix())), r.workspace());
    }
    this.exact = new Index.Builder<PathMappings<String>>().caseSensitive(false).withAll(() -> exactHosts).build();
    this.wildcards =
        new Index.Builder<PathMappings<String>>().caseSensitive(false).withAll(() -> wildcardParents).build();
  }

  /** {@code /} is the servlet default mapping; {@code /api} becomes the prefix mapping {@code /api/*}. */
  static String servletSpec(String prefix) {
    return prefix.equals("/") ? "/" : prefix + "/*";
  }

  @Override
  public @Nullable String find(String host, String path) {
    String name = new HostPort(host).getHost();
    int end = name.length();
    if (end > 0 && name.charAt(end - 1) == '.') {
      end--;
    }
    PathMappings<String> mappings = exact.get(name, 0, end);
    if (mappings == null) {
      int dot = name.indexOf('.');
      if (dot > 0 && dot < end - 1) {
        mappings = wildcards.get(name, dot + 1, end - dot - 1);
      }
    }
    if (mappings == null) {
      return null;
    }
    MatchedResource<String> matched = mappings.getMatched(path);
    return matched == null ? null : matched.getResource();
  }
}
