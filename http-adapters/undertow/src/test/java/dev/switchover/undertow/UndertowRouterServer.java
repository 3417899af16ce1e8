package dev.switchover.undertow;

import dev.switchover.WorkspaceId;
import dev.switchover.testkit.RouterServer;
import dev.switchover.testkit.LoopbackTls;
import dev.switchover.testkit.RouterServerSpec;
import dev.switchover.testkit.Transport;
import dev.switchover.testkit.WorkspaceTarget;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.HttpHandler;
import java.net.InetSocketAddress;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** An Undertow server on a free loopback port, with a {@link SwitchoverHttpHandler} (built from a spec) in it. */
final class UndertowRouterServer implements RouterServer {
  private final Undertow server;
  private final @Nullable AutoCloseable handler;

  private UndertowRouterServer(Undertow server, @Nullable AutoCloseable handler) {
    this.server = server;
    this.handler = handler;
  }

  static UndertowRouterServer start(RouterServerSpec spec) {
    SwitchoverHttpHandler.Builder builder =
        SwitchoverHttpHandler.builder(spec.router())
            .retryAfter(spec.retryAfter())
            .upstreamTimeout(spec.upstreamTimeout())
            .decodeEncodedSeparators(spec.decodeEncodedSeparators());
    spec.previewTokens().ifPresent(builder::previewTokens);
    spec.canaryKey().ifPresent(builder::canaryKey);
    spec.upstreamTls().ifPresent(builder::upstreamTls);
    for (Map.Entry<WorkspaceId, WorkspaceTarget> e : spec.targets().entrySet()) {
      WorkspaceTarget target = e.getValue();
      if (target instanceof WorkspaceTarget.InProcess inProcess) {
        builder.handler(e.getKey(), new WorkspaceAppHttpHandler(inProcess.app()));
      } else if (target instanceof WorkspaceTarget.Upstream upstream) {
        builder.upstream(e.getKey(), upstream.baseUris());
      }
    }
    spec.unknownHostApp()
        .ifPresent(app -> builder.unknownHostHandler(new WorkspaceAppHttpHandler(app)));
    SwitchoverHttpHandler handler = builder.build();
    return start(handler, handler, spec.transport());
  }

  static UndertowRouterServer start(HttpHandler root, @Nullable AutoCloseable handler) {
    return start(root, handler, Transport.HTTP_1_1);
  }

  private static UndertowRouterServer start(
      HttpHandler root, @Nullable AutoCloseable handler, Transport transport) {
    Undertow.Builder builder = Undertow.builder();
    if (transport == Transport.H2_TLS) {
      builder.addHttpsListener(0, "127.0.0.1", LoopbackTls.serverContext());
    } else {
      builder.addHttpListener(0, "127.0.0.1");
    }
    Undertow server =
        builder
            // Undertow refuses bodies above 2 MiB by default; the suite sends several MiB.
            .setServerOption(UndertowOptions.MAX_ENTITY_SIZE, -1L)
            // h2c (prior knowledge and upgrade) on a cleartext listener, h2 by ALPN over TLS
            .setServerOption(UndertowOptions.ENABLE_HTTP2, transport != Transport.HTTP_1_1)
            .setHandler(root)
            .build();
    server.start();
    return new UndertowRouterServer(server, handler);
  }

  @Override
  public int port() {
    return ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
  }

  @Override
  public void stop() throws Exception {
    try {
      if (handler != null) {
        handler.close(); // its pooled connections live on the server's I/O threads
      }
    } finally {
      server.stop();
    }
  }
}
