package dev.switchover.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchover.Router;
import io.undertow.Undertow;
import io.undertow.server.handlers.PathHandler;
import io.undertow.servlet.Servlets;
import io.undertow.servlet.api.DeploymentManager;
import io.undertow.servlet.api.InstanceFactory;
import io.undertow.servlet.util.ImmediateInstanceFactory;
import jakarta.servlet.Servlet;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The servlet mounted by a host application in its own container, below a path of its choice. */
final class ServletMountTest {
  @Test
  void servlet_inUndertow_belowAMount_servesTheApiAndThePage() throws Exception {
    Router router = Router.create(AdminFixture.blueGreen());
    AdminApi api = AdminApi.builder().router(router).token("alice", Role.OPERATOR, AdminFixture.OPERATOR_SECRET).build();
    InstanceFactory<? extends Servlet> servlet = new ImmediateInstanceFactory<>(new AdminServlet(api));
    DeploymentManager manager =
        Servlets.defaultContainer()
            .addDeployment(
                Servlets.deployment()
                    .setClassLoader(ServletMountTest.class.getClassLoader())
                    .setContextPath("/")
                    .setDeploymentName("host-app")
                    .addServlet(Servlets.servlet("admin", AdminServlet.class, servlet).addMapping("/switchover/*")));
    manager.deploy();
    PathHandler root = new PathHandler(manager.start());
    Undertow undertow = Undertow.builder().addHttpListener(0, "127.0.0.1").setHandler(root).build();
    undertow.start();
    try {
      int port = ((InetSocketAddress) undertow.getListenerInfo().get(0).getAddress()).getPort();
      URI base = URI.create("http://127.0.0.1:" + port + "/switchover/");
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
      HttpResponse<String> table = client.send(
          HttpRequest.newBuilder(base.resolve("api/table")).header("Authorization", "Bearer " + AdminFixture.OPERATOR_SECRET).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, table.statusCode(), table.body());
      assertTrue(table.body().contains("\"revision\":1"), table.body());

      HttpResponse<String> promote = client.send(
          HttpRequest.newBuilder(base.resolve("api/domains/shop.example.com/promote"))
              .header("Authorization", "Bearer " + AdminFixture.OPERATOR_SECRET).header("If-Match", "\"1\"")
              .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"workspace\":\"green\"}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, promote.statusCode(), promote.body());
      assertEquals("green", router.resolve("shop.example.com", "/").workspace().name());

      HttpResponse<String> page = client.send(HttpRequest.newBuilder(base).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, page.statusCode());
      assertTrue(page.body().contains("Domains"), page.body());

      HttpResponse<String> bare = client.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/switchover")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(308, bare.statusCode());
      assertEquals("/switchover/", bare.headers().firstValue("Location").orElseThrow());
    } finally {
      undertow.stop();
      manager.stop();
      manager.undeploy();
    }
  }
}
