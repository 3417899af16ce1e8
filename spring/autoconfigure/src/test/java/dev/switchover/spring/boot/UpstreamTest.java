package dev.switchover.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.switchover.rawhttp.RawConnection;
import dev.switchover.rawhttp.RawResponse;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** A workspace bound to upstream servers by properties is reached through the filter's proxy. */
final class UpstreamTest {
  @Test
  void upstreamWorkspace_servesItsDomain() throws Exception {
    HttpServer upstream = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    ExecutorService threads = Executors.newFixedThreadPool(2);
    upstream.setExecutor(threads);
    upstream.createContext(
        "/",
        exchange -> {
          byte[] body = ("red upstream: " + exchange.getRequestURI() + " for " + exchange.getRequestHeaders().getFirst("Host"))
              .getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("X-Workspace", "red");
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    upstream.start();
    String base = "http://127.0.0.1:" + upstream.getAddress().getPort();
    try (ConfigurableApplicationContext app =
        new SpringApplicationBuilder(ShopApplication.class, Servers.Tomcat.class)
            .properties(
                "server.port=0",
                "spring.main.banner-mode=off",
                "switchover.workspaces.blue.servlet=blue-app",
                // Two base URIs separated by a comma and a space, as one line of YAML would give them.
                "switchover.workspaces.red.upstream=" + base + ", " + base,
                "switchover.domains.shop.localhost=verified",
                "switchover.domains.red.localhost=verified",
                "switchover.routes[0].host=shop.localhost",
                "switchover.routes[0].workspace=blue",
                "switchover.routes[1].host=red.localhost",
                "switchover.routes[1].workspace=red")
            .run()) {
      int port = Integer.parseInt(app.getEnvironment().getProperty("local.server.port", "0"));
      for (int i = 0; i < 2; i++) {
        RawResponse r = RawConnection.getOnce(port, "red.localhost", "/basket?n=" + i);
        assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
        assertThat(r.workspace()).isEqualTo("red");
        assertThat(r.bodyText()).isEqualTo("red upstream: /basket?n=" + i + " for red.localhost");
      }
      assertThat(RawConnection.getOnce(port, Shop.DOMAIN, "/").workspace()).isEqualTo("blue");
    } finally {
      upstream.stop(0);
      threads.shutdownNow();
    }
  }
}
