package dev.switchover.jetty;

import dev.switchover.WorkspaceId;
import dev.switchover.testkit.JettyWebSocketEcho;
import dev.switchover.testkit.RouterServer;
import dev.switchover.testkit.JettyTransport;
import dev.switchover.testkit.RouterServerSpec;
import dev.switchover.testkit.Transport;
import dev.switchover.testkit.WorkspaceTarget;
import java.util.Map;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/** A Jetty server on a free loopback port, with a {@link SwitchoverHandler} (built from a spec) in it. */
final class JettyRouterServer implements RouterServer {
  private final Server server;
  private final ServerConnector connector;
  private final Handler handler;

  private JettyRouterServer(Server server, ServerConnector connector, Handler handler) {
    this.server = server;
    this.connector = connector;
    this.handler = handler;
  }

  static JettyRouterServer start(RouterServerSpec spec) throws Exception {
    Server server = new Server();
    SwitchoverHandler.Builder builder =
        SwitchoverHandler.builder(spec.router())
            .retryAfter(spec.retryAfter())
            .upstreamTimeout(spec.upstreamTimeout())
            .decodeEncodedSeparators(spec.decodeEncodedSeparators());
    spec.previewTokens().ifPresent(builder::previewTokens);
    spec.canaryKey().ifPresent(builder::canaryKey);
    spec.upstreamTls().ifPresent(builder::upstreamTls);
    for (Map.Entry<WorkspaceId, WorkspaceTarget> e : spec.targets().entrySet()) {
      WorkspaceTarget target = e.getValue();
      if (target instanceof WorkspaceTarget.InProcess inProcess) {
        // The app's WebSockets as a Jetty application makes them, with the adapter's hook.
        builder.handler(
            e.getKey(),
            JettyWebSocketEcho.handler(
                server,
                inProcess.app().name(),
                new WorkspaceAppHandler(inProcess.app()),
                SwitchoverHandler::closeOnGraceEnd));
      } else if (target instanceof WorkspaceTarget.Upstream upstream) {
        builder.upstream(e.getKey(), upstream.baseUris());
      }
    }
    spec.unknownHostApp().ifPresent(app -> builder.unknownHostHandler(new WorkspaceAppHandler(app)));
    return start(server, builder.build(), spec.decodeEncodedSeparators(), spec.transport());
  }

  /** On {@code server}, made beforehand for handlers that need it. */
  static JettyRouterServer start(Server server, Handler handler) throws Exception {
    return start(server, handler, false, Transport.HTTP_1_1);
  }

  /** On {@code server}, made beforehand for handlers that need it, accepting {@code transport}. */
  static JettyRouterServer start(Server server, Handler handler, Transport transport) throws Exception {
    return start(server, handler, false, transport);
  }

  static JettyRouterServer start(Handler handler) throws Exception {
    return start(handler, false);
  }

  /** With {@code ambiguousSeparators}, Jetty lets {@code %2F} and {@code %5C} reach the handler. */
  static JettyRouterServer start(Handler handler, boolean ambiguousSeparators) throws Exception {
    return start(new Server(), handler, ambiguousSeparators, Transport.HTTP_1_1);
  }

  private static JettyRouterServer start(
      Server server, Handler handler, boolean ambiguousSeparators, Transport transport) throws Exception {
    HttpConfiguration http = new HttpConfiguration();
    if (ambiguousSeparators) {
      http.setUriCompliance(
          UriCompliance.DEFAULT.with(
              "separators",
              UriCompliance.Violation.AMBIGUOUS_PATH_SEPARATOR,
              UriCompliance.Violation.AMBIGUOUS_PATH_ENCODING,
              UriCompliance.Violation.SUSPICIOUS_PATH_CHARACTERS));
    }
    ServerConnector connector = new ServerConnector(server, JettyTransport.connectionFactories(http, transport));
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    server.setHandler(handler);
    server.start();
    return new JettyRouterServer(server, connector, handler);
  }

  Handler handler() {
    return handler;
  }

  @Override
  public int port() {
    return connector.getLocalPort();
  }

  @Override
  public void stop() throws Exception {
    server.stop();
  }
}
