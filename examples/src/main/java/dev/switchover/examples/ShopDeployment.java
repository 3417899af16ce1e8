package dev.switchover.examples;

import dev.switchover.DomainStatus;
import dev.switchover.Router;
import dev.switchover.RoutingTable;
import dev.switchover.jetty.SwitchoverHandler;
import java.util.List;

/**
 * What the demo runs: the shop's two versions as HTTP servers on loopback ({@code blue} = v1,
 * {@code green} = v2), and the router, a Jetty server whose {@link SwitchoverHandler} proxies each
 * request to the workspace the routing table names.
 *
 * <p>The table: production {@code shop.localhost} and staging {@code staging.shop.localhost} are
 * domains the host application owns ({@code *.localhost} never leaves the machine), so it marks
 * them verified on its own authority; production starts on blue, staging on green. Each
 * workspace also has a preview host under {@code preview.localhost}, which needs no verification.
 */
final class ShopDeployment implements AutoCloseable {
  static final String SHOP = "shop.localhost";
  static final String STAGING = "staging.shop.localhost";
  static final String PREVIEW_SUFFIX = "preview.localhost";
  static final String BLUE_PREVIEW = "blue.preview.localhost";
  static final String GREEN_PREVIEW = "green.preview.localhost";

  private final ShopApp blue;
  private final ShopApp green;
  private final Router router;
  private final LoopbackServer blueServer;
  private final LoopbackServer greenServer;
  private final LoopbackServer routerServer;

  private ShopDeployment(
      ShopApp blue,
      ShopApp green,
      Router router,
      LoopbackServer blueServer,
      LoopbackServer greenServer,
      LoopbackServer routerServer) {
    this.blue = blue;
    this.green = green;
    this.router = router;
    this.blueServer = blueServer;
    this.greenServer = greenServer;
    this.routerServer = routerServer;
  }

  /** The first table: production on blue, staging on green, a preview host for each. */
  static RoutingTable initialTable() {
    return RoutingTable.builder()
        .workspace("blue")
        .workspace("green")
        .domain(SHOP, DomainStatus.VERIFIED)
        .domain(STAGING, DomainStatus.VERIFIED)
        .route(SHOP, "/", "blue")
        .route(STAGING, "/", "green")
        .previewSuffix(PREVIEW_SUFFIX)
        .previewHost(BLUE_PREVIEW, "blue")
        .previewHost(GREEN_PREVIEW, "green")
        .build();
  }

  /**
   * Starts both versions on free ports and the router on {@code routerPort} (0: a free port), all
   * on 127.0.0.1.
   */
  static ShopDeployment start(int routerPort) throws Exception {
    ShopApp blue = new ShopApp("blue", 1);
    ShopApp green = new ShopApp("green", 2);
    Router router = Router.create(initialTable());
    LoopbackServer blueServer = LoopbackServer.start("shop-blue", blue, 0);
    LoopbackServer greenServer = null;
    try {
      greenServer = LoopbackServer.start("shop-green", green, 0);
      SwitchoverHandler switchover =
          SwitchoverHandler.builder(router)
              .upstream("blue", blueServer.uri())
              .upstream("green", greenServer.uri())
              .build();
      LoopbackServer routerServer = LoopbackServer.start("router", switchover, routerPort);
      return new ShopDeployment(blue, green, router, blueServer, greenServer, routerServer);
    } catch (Exception e) {
      if (greenServer != null) {
        greenServer.close();
      }
      blueServer.close();
      throw e;
    }
  }

  Router router() {
    return router;
  }

  /** The router's port on 127.0.0.1. */
  int port() {
    return routerServer.port();
  }

  List<ShopApp> apps() {
    return List.of(blue, green);
  }

  /** Where each version listens, for the banner. */
  String describeServers() {
    return "blue (shop v1) at " + blueServer.uri() + ", green (shop v2) at " + greenServer.uri()
        + ", router at " + routerServer.uri();
  }

  /** Stops the router first, then both versions. */
  @Override
  public void close() {
    try {
      routerServer.close();
    } finally {
      try {
        greenServer.close();
      } finally {
        blueServer.close();
      }
    }
  }
}
