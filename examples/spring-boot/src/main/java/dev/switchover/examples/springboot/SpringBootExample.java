package dev.switchover.examples.springboot;

import dev.switchover.rawhttp.RawConnection;
import dev.switchover.rawhttp.RawResponse;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

/**
 * The Switchover starter in a Spring Boot application: the shop's two versions are the servlets
 * {@code shop-v1} (workspace {@code blue}) and {@code shop-v2} ({@code green}), and {@code
 * application.yml} routes {@code shop.localhost} to blue and {@code green.preview.localhost} to
 * green. The starter registers the Switchover filter, the admin servlet under {@code /switchover}
 * and the metrics; nothing else is written in code.
 *
 * <p>The example starts the application on 127.0.0.1, asks for the shop and for green's preview,
 * promotes {@code shop.localhost} to green through the admin API, as an operator would, asks again,
 * and exits with 0 if every answer came from the workspace expected. Options: {@code --port N};
 * {@code --serve} keeps the application running afterwards, for {@code curl}.
 */
@SpringBootApplication
public class SpringBootExample {
  static final int OK = 0;
  static final int FAILED = 1;
  static final int USAGE = 2;
  private static final String SHOP = "shop.localhost";
  private static final String GREEN_PREVIEW = "green.preview.localhost";
  private static final String OPERATOR_SECRET_PROPERTY = "switchover.admin.tokens.operator.secret";

  /** For Spring. */
  public SpringBootExample() {}

  /** Version 1 of the shop, the servlet of workspace blue: named, and mapped to no path. */
  @Bean
  ServletRegistrationBean<ShopServlet> shopV1() {
    return named("shop-v1", new ShopServlet("blue", 1));
  }

  /** Version 2, the servlet of workspace green. */
  @Bean
  ServletRegistrationBean<ShopServlet> shopV2() {
    return named("shop-v2", new ShopServlet("green", 2));
  }

  private static ServletRegistrationBean<ShopServlet> named(String name, ShopServlet servlet) {
    // Mapped to no path: only the Switchover filter reaches it, by its name.
    ServletRegistrationBean<ShopServlet> registration = new ServletRegistrationBean<>(servlet, false);
    registration.setName(name);
    return registration;
  }

  /** Runs the example on standard output; with {@code --serve} the application keeps running. */
  public static void main(String[] args) {
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    int status = run(args, out);
    if (status != OK || !java.util.Arrays.asList(args).contains("--serve")) {
      System.exit(status);
    }
  }

  /** Runs the example; 0 if every answer came from the expected workspace, 1 if not, 2 for bad arguments. */
  public static int run(String[] args, PrintStream out) {
    int port = 0;
    boolean serve = false;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--serve")) {
        serve = true;
      } else if (args[i].equals("--port") && i + 1 < args.length && args[i + 1].matches("[0-9]{1,5}")) {
        port = Integer.parseInt(args[++i]);
      } else {
        out.println("usage: scripts/demo SpringBootExample [--port N] [--serve]");
        return USAGE;
      }
    }
    ConfigurableApplicationContext app =
        new SpringApplicationBuilder(SpringBootExample.class).properties("server.port=" + port).run();
    boolean ok = true;
    try {
      int actual = Integer.parseInt(app.getEnvironment().getProperty("local.server.port", "0"));
      String secret = app.getEnvironment().getProperty(OPERATOR_SECRET_PROPERTY, "");
      out.println("Spring Boot application at http://127.0.0.1:" + actual + ": " + SHOP + " -> blue (shop v1)");
      ok &= expect(out, actual, SHOP, "/", "blue");
      ok &= expect(out, actual, SHOP, "/api/products", "blue");
      ok &= expect(out, actual, GREEN_PREVIEW, "/", "green");

      RawResponse table = admin(actual, "GET", "/switchover/api/table", secret, null, null);
      String etag = table.header("ETag");
      RawResponse promoted =
          admin(actual, "POST", "/switchover/api/domains/" + SHOP + "/promote", secret, etag, "{\"workspace\":\"green\"}");
      out.printf(Locale.ROOT, "POST /switchover/api/domains/%s/promote {workspace: green}, If-Match: %s -> %d%n", SHOP, etag, promoted.status());
      ok &= promoted.status() == 200;
      ok &= expect(out, actual, SHOP, "/", "green");
      ok &= expect(out, actual, SHOP, "/api/products", "green");

      RawResponse metric = RawConnection.getOnce(actual, "localhost", "/actuator/metrics/switchover.requests");
      out.println("GET /actuator/metrics/switchover.requests -> " + metric.status());
      ok &= metric.status() == 200;
      out.println(ok ? "every answer came from the workspace expected" : "UNEXPECTED ANSWERS");
      if (ok && serve) {
        out.printf(Locale.ROOT, "serving; try: curl -H 'Host: %s' http://127.0.0.1:%d/%n", SHOP, actual);
        out.printf(Locale.ROOT, "the Domains page: http://127.0.0.1:%d/switchover/ (token: %s)%n", actual, OPERATOR_SECRET_PROPERTY);
        return OK;
      }
    } catch (IOException | RuntimeException e) {
      out.println("the example failed: " + e);
      ok = false;
    }
    SpringApplication.exit(app);
    return ok ? OK : FAILED;
  }

  private static boolean expect(PrintStream out, int port, String host, String path, String workspace) throws IOException {
    RawResponse r = RawConnection.getOnce(port, host, path);
    String served = r.workspace();
    boolean ok = r.status() == 200 && workspace.equals(served);
    out.printf(Locale.ROOT, "GET http://%s%s -> %d from %s%s%n", host, path, r.status(), served, ok ? "" : " (expected " + workspace + ")");
    return ok;
  }

  private static RawResponse admin(
      int port, String method, String target, String secret, @Nullable String ifMatch, @Nullable String json)
      throws IOException {
    StringBuilder request = new StringBuilder();
    request.append(method).append(' ').append(target).append(" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
    request.append("Authorization: Bearer ").append(secret).append("\r\n");
    if (ifMatch != null) {
      request.append("If-Match: ").append(ifMatch).append("\r\n");
    }
    if (json != null) {
      byte[] body = json.getBytes(StandardCharsets.UTF_8);
      request.append("Content-Type: application/json\r\nContent-Length: ").append(body.length).append("\r\n\r\n").append(json);
    } else {
      request.append("\r\n");
    }
    try (RawConnection c = RawConnection.open(port)) {
      return c.exchange(request.toString());
    }
  }
}
