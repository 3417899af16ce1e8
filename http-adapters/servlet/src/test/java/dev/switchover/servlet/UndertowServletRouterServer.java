package dev.switchover.servlet;

import dev.switchover.testkit.LoopbackTls;
import dev.switchover.testkit.RouterServer;
import dev.switchover.testkit.Transport;
import dev.switchover.undertow.StrictFraming;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.servlet.Servlets;
import io.undertow.servlet.api.DeploymentInfo;
import io.undertow.servlet.api.DeploymentManager;
import io.undertow.servlet.api.FilterInfo;
import io.undertow.servlet.api.ServletInfo;
import io.undertow.servlet.util.ImmediateInstanceFactory;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Servlet;
import java.net.InetSocketAddress;
import java.util.Map;

/** Undertow's servlet container on a free loopback port with a deployment of the filter. */
final class UndertowServletRouterServer implements RouterServer {
  private final Undertow server;
  private final DeploymentManager manager;

  private UndertowServletRouterServer(Undertow server, DeploymentManager manager) {
    this.server = server;
    this.manager = manager;
  }

  /** The container on a free loopback port with {@code d} deployed. */
  static UndertowServletRouterServer start(ServletRouterServers.Deployment d) throws Exception {
    DeploymentInfo info =
        Servlets.deployment()
            .setClassLoader(UndertowServletRouterServer.class.getClassLoader())
            .setContextPath("/")
            .setDeploymentName("switchover")
            // Undertow's chunk decoder and length parser are lenient before any filter runs.
            .addInitialHandlerChainWrapper(StrictFraming::wrap);
    for (Map.Entry<String, Servlet> s : d.namedServlets().entrySet()) {
      info.addServlet(servlet(s.getKey(), s.getValue()));
    }
    info.addServlet(servlet("fallback", d.defaultServlet()).addMapping("/"));
    info.addFilter(
        new FilterInfo("switchover", SwitchoverFilter.class, new ImmediateInstanceFactory<>(d.filter()))
            .setAsyncSupported(true));
    info.addFilterUrlMapping("switchover", "/*", DispatcherType.REQUEST);
    DeploymentManager manager = Servlets.defaultContainer().addDeployment(info);
    manager.deploy();
    Undertow.Builder builder = Undertow.builder();
    if (d.transport() == Transport.H2_TLS) {
      builder.addHttpsListener(0, "127.0.0.1", LoopbackTls.serverContext());
    } else {
      builder.addHttpListener(0, "127.0.0.1");
    }
    Undertow server =
        builder
            // Undertow refuses bodies above 2 MiB by default; the suite sends several MiB.
            .setServerOption(UndertowOptions.MAX_ENTITY_SIZE, -1L)
            .setServerOption(UndertowOptions.ENABLE_HTTP2, d.transport() != Transport.HTTP_1_1)
            .setHandler(manager.start())
            .build();
    server.start();
    return new UndertowServletRouterServer(server, manager);
  }

  private static ServletInfo servlet(String name, Servlet servlet) {
    return new ServletInfo(name, servlet.getClass(), new ImmediateInstanceFactory<>(servlet))
        .setAsyncSupported(true);
  }

  @Override
  public int port() {
    return ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
  }

  @Override
  public void stop() throws Exception {
    try {
      manager.stop();
      manager.undeploy();
    } finally {
      server.stop();
    }
  }
}
