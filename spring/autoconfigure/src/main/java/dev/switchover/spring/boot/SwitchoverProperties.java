package dev.switchover.spring.boot;

import dev.switchover.DomainStatus;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.core.Ordered;

/**
 * The {@code switchover.*} properties: the workspaces and what serves each, the domains and their
 * routes, the store, the servlet filter, the admin servlet, the metrics and the shutdown. A name
 * that is not one of these (a misspelt key) fails startup, as does a value that breaks a rule; the
 * message names the property and what was expected. Not thread-safe: Spring binds it once.
 *
 * <pre>{@code
 * switchover:
 *   workspaces:
 *     blue: { servlet: shop-v1 }
 *     green: { upstream: http://10.0.0.7:8080 }
 *   domains:
 *     shop.example.com: verified
 *   routes:
 *     - { host: shop.example.com, path: /, workspace: blue }
 *   admin:
 *     tokens:
 *       alice: { role: operator, secret: ${ALICE_TOKEN} }
 * }</pre>
 */
@ConfigurationProperties(prefix = SwitchoverProperties.PREFIX, ignoreUnknownFields = false)
public class SwitchoverProperties {
  /** The prefix of every Switchover property. */
  public static final String PREFIX = "switchover";

  /** The filter's order by default: after the forwarded-header and character-encoding filters, before Spring Security's. */
  public static final int DEFAULT_FILTER_ORDER = Ordered.HIGHEST_PRECEDENCE + 100;

  /** Whether to configure Switchover at all. */
  private boolean enabled = true;

  /**
   * The workspaces, by name (1 to 64 of a-z, 0-9, '-', '_' and '.'; a name with a '.' goes in
   * brackets: "[shop.v2]"), each bound to a servlet of this application or to upstream servers.
   */
  private Map<String, Workspace> workspaces = new LinkedHashMap<>();

  /** The public domains and their verification status; only a verified domain may carry routes. */
  private Map<String, DomainStatus> domains = new LinkedHashMap<>();

  /** The routes: a host (or "*.example.com") and a path prefix, to a workspace. */
  private List<Route> routes = new ArrayList<>();

  /** The platform-owned suffix under which preview hosts need no verification, such as "preview.example.net". */
  private @Nullable String previewSuffix;

  /** Preview hosts (under the preview suffix), each sending every path to one workspace. */
  private Map<String, String> previews = new LinkedHashMap<>();

  /** How many earlier tables the router keeps for its history and rollback. */
  private int historySize = 32;

  private final Store store = new Store();
  private final Filter filter = new Filter();
  private final Admin admin = new Admin();
  private final Metrics metrics = new Metrics();
  private final Shutdown shutdown = new Shutdown();

  /** Whether to configure Switchover at all. */
  public boolean isEnabled() {
    return enabled;
  }

  /** Whether to configure Switchover at all. */
  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  /** The workspaces by name. */
  public Map<String, Workspace> getWorkspaces() {
    return workspaces;
  }

  /** The workspaces by name. */
  public void setWorkspaces(Map<String, Workspace> workspaces) {
    this.workspaces = workspaces;
  }

  /** The domains and their status. */
  public Map<String, DomainStatus> getDomains() {
    return domains;
  }

  /** The domains and their status. */
  public void setDomains(Map<String, DomainStatus> domains) {
    this.domains = domains;
  }

  /** The routes. */
  public List<Route> getRoutes() {
    return routes;
  }

  /** The routes. */
  public void setRoutes(List<Route> routes) {
    this.routes = routes;
  }

  /** The preview suffix, if any. */
  public @Nullable String getPreviewSuffix() {
    return previewSuffix;
  }

  /** The preview suffix. */
  public void setPreviewSuffix(@Nullable String previewSuffix) {
    this.previewSuffix = previewSuffix;
  }

  /** The preview hosts, each to its workspace. */
  public Map<String, String> getPreviews() {
    return previews;
  }

  /** The preview hosts, each to its workspace. */
  public void setPreviews(Map<String, String> previews) {
    this.previews = previews;
  }

  /** How many earlier tables the router keeps. */
  public int getHistorySize() {
    return historySize;
  }

  /** How many earlier tables the router keeps. */
  public void setHistorySize(int historySize) {
    this.historySize = historySize;
  }

  /** Where the routing table is kept. */
  public Store getStore() {
    return store;
  }

  /** The servlet filter. */
  public Filter getFilter() {
    return filter;
  }

  /** The admin servlet. */
  public Admin getAdmin() {
    return admin;
  }

  /** The Micrometer binder. */
  public Metrics getMetrics() {
    return metrics;
  }

  /** What the application waits for when it shuts down. */
  public Shutdown getShutdown() {
    return shutdown;
  }

  /** What serves one workspace: a servlet of this application, or upstream servers; neither answers 503. */
  public static class Workspace {
    /** The name of the servlet of this application that serves the workspace. */
    private @Nullable String servlet;

    /** The upstream base URIs (http or https) that serve the workspace, taken in turn. */
    private List<URI> upstream = new ArrayList<>();

    /** The servlet's name, if bound to one. */
    public @Nullable String getServlet() {
      return servlet;
    }

    /** Binds the workspace to the servlet of this name. */
    public void setServlet(@Nullable String servlet) {
      this.servlet = servlet;
    }

    /** The upstream base URIs. */
    public List<URI> getUpstream() {
      return upstream;
    }

    /** Binds the workspace to upstream base URIs. */
    public void setUpstream(List<URI> upstream) {
      this.upstream = upstream;
    }
  }

  /** One route: host and path prefix to a workspace. */
  public static class Route {
    /** The host: a verified domain, a wildcard "*.example.com" under one, or a preview host. */
    private @Nullable String host;

    /** The path prefix, matched on segment boundaries. */
    private String path = "/";

    /** The workspace that serves the host's paths under the prefix. */
    private @Nullable String workspace;

    /** The host. */
    public @Nullable String getHost() {
      return host;
    }

    /** The host. */
    public void setHost(@Nullable String host) {
      this.host = host;
    }

    /** The path prefix. */
    public String getPath() {
      return path;
    }

    /** The path prefix. */
    public void setPath(String path) {
      this.path = path;
    }

    /** The workspace. */
    public @Nullable String getWorkspace() {
      return workspace;
    }

    /** The workspace. */
    public void setWorkspace(@Nullable String workspace) {
      this.workspace = workspace;
    }
  }

  /** Where the routing table is kept: in memory, unless etcd endpoints are given. */
  public static class Store {
    private final Etcd etcd = new Etcd();

    /** The etcd store, shared by a fleet. */
    public Etcd getEtcd() {
      return etcd;
    }
  }

  /**
   * The etcd store (switchover-etcd on the class path). The properties' table is written only when
   * the key prefix holds no state yet; after that, etcd's state is the truth.
   */
  public static class Etcd {
    /** The etcd members' client URLs, such as "http://10.0.0.1:2379"; setting them selects the etcd store. */
    private List<String> endpoints = new ArrayList<>();

    /** The key prefix under which the state is kept. */
    private String keyPrefix = "/switchover/";

    /** The etcd user, when etcd's authentication is on. */
    private @Nullable String user;

    /** The etcd user's password. */
    private @Nullable String password;

    /** How long a write waits for etcd before it fails. */
    private Duration writeTimeout = Duration.ofSeconds(2);

    /** How long loading the whole state may take, at startup and after a disconnect. */
    private Duration loadTimeout = Duration.ofSeconds(10);

    /** The endpoints. */
    public List<String> getEndpoints() {
      return endpoints;
    }

    /** The endpoints. */
    public void setEndpoints(List<String> endpoints) {
      this.endpoints = endpoints;
    }

    /** The key prefix. */
    public String getKeyPrefix() {
      return keyPrefix;
    }

    /** The key prefix. */
    public void setKeyPrefix(String keyPrefix) {
      this.keyPrefix = keyPrefix;
    }

    /** The user. */
    public @Nullable String getUser() {
      return user;
    }

    /** The user. */
    public void setUser(@Nullable String user) {
      this.user = user;
    }

    /** The password. */
    public @Nullable String getPassword() {
      return password;
    }

    /** The password. */
    public void setPassword(@Nullable String password) {
      this.password = password;
    }

    /** The write timeout. */
    public Duration getWriteTimeout() {
      return writeTimeout;
    }

    /** The write timeout. */
    public void setWriteTimeout(Duration writeTimeout) {
      this.writeTimeout = writeTimeout;
    }

    /** The load timeout. */
    public Duration getLoadTimeout() {
      return loadTimeout;
    }

    /** The load timeout. */
    public void setLoadTimeout(Duration loadTimeout) {
      this.loadTimeout = loadTimeout;
    }
  }

  /** What the filter does with a host the routing table does not know. */
  public enum UnknownHost {
    /** Pass the request down the filter chain: the application serves it (its actuator, its admin servlet). */
    CHAIN,
    /** Answer 421 Misdirected Request. */
    MISDIRECTED
  }

  /** What the filter does with a path holding an encoded slash or backslash. */
  public enum EncodedSeparators {
    /** Refuse it with 400. */
    REFUSE,
    /** Decode it, and route and forward the decoded form. */
    DECODE
  }

  /** The Switchover servlet filter (switchover-servlet on the class path, a servlet web application). */
  public static class Filter {
    /** Whether to register the filter. */
    private boolean enabled = true;

    /** The filter's order among the application's filters. */
    private int order = DEFAULT_FILTER_ORDER;

    /** The URL patterns the filter is mapped to. */
    private List<String> urlPatterns = new ArrayList<>(List.of("/*"));

    /** What to do with a host the table does not know. */
    private UnknownHost unknownHost = UnknownHost.CHAIN;

    /** The Retry-After sent with 503 for a workspace bound to nothing. */
    private Duration retryAfter = Duration.ofSeconds(5);

    /** How long an upstream may take to accept the connection, or stay silent, before 504. */
    private Duration upstreamTimeout = Duration.ofSeconds(30);

    /** The most threads of the upstream HTTP client's pool (at least 4). */
    private int upstreamThreads = 256;

    /** What to do with an encoded slash or backslash in a path. */
    private EncodedSeparators encodedSeparators = EncodedSeparators.REFUSE;

    /**
     * Where a canary's sticky key is found: cookie (default), cookie:NAME, header:NAME or
     * client-address.
     */
    private String canaryKey = "cookie";

    /** Where a canary's sticky key is found. */
    public String getCanaryKey() {
      return canaryKey;
    }

    /** Where a canary's sticky key is found. */
    public void setCanaryKey(String canaryKey) {
      this.canaryKey = canaryKey;
    }

    /** Whether to register the filter. */
    public boolean isEnabled() {
      return enabled;
    }

    /** Whether to register the filter. */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /** The order. */
    public int getOrder() {
      return order;
    }

    /** The order. */
    public void setOrder(int order) {
      this.order = order;
    }

    /** The URL patterns. */
    public List<String> getUrlPatterns() {
      return urlPatterns;
    }

    /** The URL patterns. */
    public void setUrlPatterns(List<String> urlPatterns) {
      this.urlPatterns = urlPatterns;
    }

    /** What to do with an unknown host. */
    public UnknownHost getUnknownHost() {
      return unknownHost;
    }

    /** What to do with an unknown host. */
    public void setUnknownHost(UnknownHost unknownHost) {
      this.unknownHost = unknownHost;
    }

    /** The Retry-After of a 503. */
    public Duration getRetryAfter() {
      return retryAfter;
    }

    /** The Retry-After of a 503. */
    public void setRetryAfter(Duration retryAfter) {
      this.retryAfter = retryAfter;
    }

    /** The upstream timeout. */
    public Duration getUpstreamTimeout() {
      return upstreamTimeout;
    }

    /** The upstream timeout. */
    public void setUpstreamTimeout(Duration upstreamTimeout) {
      this.upstreamTimeout = upstreamTimeout;
    }

    /** The upstream client's most threads. */
    public int getUpstreamThreads() {
      return upstreamThreads;
    }

    /** The upstream client's most threads. */
    public void setUpstreamThreads(int upstreamThreads) {
      this.upstreamThreads = upstreamThreads;
    }

    /** What to do with encoded separators. */
    public EncodedSeparators getEncodedSeparators() {
      return encodedSeparators;
    }

    /** What to do with encoded separators. */
    public void setEncodedSeparators(EncodedSeparators encodedSeparators) {
      this.encodedSeparators = encodedSeparators;
    }
  }

  /**
   * The admin servlet (switchover-admin on the class path, a servlet web application): registered
   * when at least one token is given, since in a host container only callers with a token are
   * answered.
   */
  public static class Admin {
    /** Whether to register the admin servlet (when tokens are given). */
    private boolean enabled = true;

    /** The path the admin API and the Domains page are served under. */
    private String path = "/switchover";

    /** The bearer tokens, by name (the name the audit records for a change). */
    private Map<String, Token> tokens = new LinkedHashMap<>();

    /** Whether to register the admin servlet. */
    public boolean isEnabled() {
      return enabled;
    }

    /** Whether to register the admin servlet. */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /** The path. */
    public String getPath() {
      return path;
    }

    /** The path. */
    public void setPath(String path) {
      this.path = path;
    }

    /** The tokens by name. */
    public Map<String, Token> getTokens() {
      return tokens;
    }

    /** The tokens by name. */
    public void setTokens(Map<String, Token> tokens) {
      this.tokens = tokens;
    }
  }

  /** What a token's holder may do. */
  public enum TokenRole {
    /** Read the table, domains, workspaces and history. */
    READ_ONLY,
    /** Read, and promote, swap, roll back and change domains. */
    OPERATOR
  }

  /** One admin bearer token. */
  public static class Token {
    /** What the token's holder may do. */
    private TokenRole role = TokenRole.READ_ONLY;

    /** The secret the caller presents as "Authorization: Bearer <secret>": at least 24 visible ASCII characters. */
    private @Nullable String secret;

    /** The role. */
    public TokenRole getRole() {
      return role;
    }

    /** The role. */
    public void setRole(TokenRole role) {
      this.role = role;
    }

    /** The secret. */
    public @Nullable String getSecret() {
      return secret;
    }

    /** The secret. */
    public void setSecret(@Nullable String secret) {
      this.secret = secret;
    }
  }

  /** The Micrometer binder (switchover-micrometer on the class path). */
  public static class Metrics {
    /** Whether to bind the router's counts to Micrometer. */
    private boolean enabled = true;

    /** Whether to bind the router's counts. */
    public boolean isEnabled() {
      return enabled;
    }

    /** Whether to bind the router's counts. */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }
  }

  /** What the application waits for when it shuts down. */
  public static class Shutdown {
    /**
     * The longest the shutdown waits for the workspaces' requests in flight to finish, before
     * the web server stops.
     */
    private Duration drainTimeout = Duration.ofSeconds(30);

    /** The drain timeout. */
    public Duration getDrainTimeout() {
      return drainTimeout;
    }

    /** The drain timeout. */
    public void setDrainTimeout(Duration drainTimeout) {
      this.drainTimeout = drainTimeout;
    }
  }
}
