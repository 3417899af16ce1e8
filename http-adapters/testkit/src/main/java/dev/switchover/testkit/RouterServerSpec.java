package dev.switchover.testkit;

import static java.util.Objects.requireNonNull;

import dev.switchover.CanaryKey;
import dev.switchover.PreviewTokens;
import dev.switchover.Router;
import dev.switchover.WorkspaceId;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;

/**
 * Everything an adapter needs to start a router server for one test: the router, what each
 * workspace is bound to (a workspace of the table that is absent here is bound to nothing, and
 * must be answered 503), what to do with unknown hosts, the {@code Retry-After} for 503, the
 * upstream timeout (after which an adapter answers 504), and the preview tokens, if any. Immutable.
 */
public final class RouterServerSpec {
  private final Router router;
  private final Map<WorkspaceId, WorkspaceTarget> targets;
  private final @Nullable WorkspaceApp unknownHostApp;
  private final Duration retryAfter;
  private final Duration upstreamTimeout;
  private final boolean decodeEncodedSeparators;
  private final Transport transport;
  private final @Nullable PreviewTokens previewTokens;
  private final @Nullable CanaryKey canaryKey;
  private final @Nullable SSLContext upstreamTls;

  RouterServerSpec(
      Router router,
      Map<WorkspaceId, WorkspaceTarget> targets,
      @Nullable WorkspaceApp unknownHostApp,
      Duration retryAfter,
      Duration upstreamTimeout,
      boolean decodeEncodedSeparators,
      Transport transport,
      @Nullable PreviewTokens previewTokens,
      @Nullable CanaryKey canaryKey) {
    this.router = requireNonNull(router, "router");
    this.targets = Map.copyOf(new LinkedHashMap<>(targets));
    this.unknownHostApp = unknownHostApp;
    this.retryAfter = requireNonNull(retryAfter, "retryAfter");
    this.upstreamTimeout = requireNonNull(upstreamTimeout, "upstreamTimeout");
    this.decodeEncodedSeparators = decodeEncodedSeparators;
    this.transport = requireNonNull(transport, "transport");
    this.previewTokens = previewTokens;
    this.canaryKey = canaryKey;
    this.upstreamTls = null;
  }

  private RouterServerSpec(RouterServerSpec spec, SSLContext upstreamTls) {
    this.router = spec.router;
    this.targets = spec.targets;
    this.unknownHostApp = spec.unknownHostApp;
    this.retryAfter = spec.retryAfter;
    this.upstreamTimeout = spec.upstreamTimeout;
    this.decodeEncodedSeparators = spec.decodeEncodedSeparators;
    this.transport = spec.transport;
    this.previewTokens = spec.previewTokens;
    this.canaryKey = spec.canaryKey;
    this.upstreamTls = requireNonNull(upstreamTls, "upstreamTls");
  }

  /** The router the adapter admits every request through. */
  public Router router() {
    return router;
  }

  /** The bound workspaces and their targets; any other workspace is bound to nothing. */
  public Map<WorkspaceId, WorkspaceTarget> targets() {
    return targets;
  }

  /**
   * The next handler for requests to hosts the table does not know, bridged like an in-process
   * workspace; empty means unknown hosts are answered {@code 421 Misdirected Request}.
   */
  public Optional<WorkspaceApp> unknownHostApp() {
    return Optional.ofNullable(unknownHostApp);
  }

  /** The {@code Retry-After} to send with 503 (whole seconds). */
  public Duration retryAfter() {
    return retryAfter;
  }

  /** How long an upstream may take to answer before the adapter answers 504. */
  public Duration upstreamTimeout() {
    return upstreamTimeout;
  }

  /**
   * Whether the adapter is configured to decode encoded slashes and backslashes into separators
   * (and the server, if it refuses them by itself, to let them through); false in most tests.
   */
  public boolean decodeEncodedSeparators() {
    return decodeEncodedSeparators;
  }

  /**
   * The preview tokens the adapter routes by (its builder's {@code previewTokens}); empty in most
   * tests, where the adapter looks at no request for a token.
   */
  public Optional<PreviewTokens> previewTokens() {
    return Optional.ofNullable(previewTokens);
  }

  /**
   * Where the adapter finds a split route's sticky key (its builder's {@code canaryKey}); empty
   * for the adapter's default, the {@code switchover-canary} cookie.
   */
  public Optional<CanaryKey> canaryKey() {
    return Optional.ofNullable(canaryKey);
  }

  /**
   * The TLS context the adapter reaches {@code https} and {@code h2} upstreams with (its
   * builder's {@code upstreamTls}); empty for the adapter's default, the JVM's trust store.
   */
  public Optional<SSLContext> upstreamTls() {
    return Optional.ofNullable(upstreamTls);
  }

  /** A copy of this spec whose adapter reaches TLS upstreams with {@code context}. */
  RouterServerSpec withUpstreamTls(SSLContext context) {
    return new RouterServerSpec(this, context);
  }

  @Override
  public String toString() {
    return "RouterServerSpec{targets="
        + targets
        + ", unknownHostApp="
        + unknownHostApp
        + ", retryAfter="
        + retryAfter
        + ", upstreamTimeout="
        + upstreamTimeout
        + ", decodeEncodedSeparators="
        + decodeEncodedSeparators
        + ", transport="
        + transport
        + ", previewTokens="
        + previewTokens
        + ", canaryKey="
        + canaryKey
        + "}";
  }

  /** How the server accepts connections: {@link Transport#HTTP_1_1} in most tests. */
  public Transport transport() {
    return transport;
  }
}
