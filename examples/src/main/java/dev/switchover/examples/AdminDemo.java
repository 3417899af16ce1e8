package dev.switchover.examples;

import static dev.switchover.examples.ShopDeployment.SHOP;

import dev.switchover.admin.AdminApi;
import dev.switchover.admin.AdminServer;
import dev.switchover.micrometer.PrometheusScrapeServlet;
import dev.switchover.micrometer.SwitchoverMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.Locale;

/**
 * The demo's {@code --admin} mode: the Domains page on 127.0.0.1 over the demo's router, with the
 * client load running on {@code shop.localhost} while a person releases and rolls back by clicking.
 * The page needs no token: the API answers only the loopback interface when it has none. The
 * router's metrics are scraped at {@code /metrics} on the same listener.
 */
final class AdminDemo {
  private AdminDemo() {}

  static int run(ShopDeployment shop, Switchboard switchboard, int adminPort, int clients, int rate, InputStream in, PrintStream out)
      throws IOException, InterruptedException {
    AdminApi api = AdminApi.builder().router(shop.router()).build();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (SwitchoverMetrics metrics = SwitchoverMetrics.of(shop.router());
        AdminServer admin = AdminServer.builder(api).port(adminPort)
            .servlet("/metrics", new PrometheusScrapeServlet(registry)).build().start()) {
      metrics.bindTo(registry);
      // The page switches behind the switchboard's back: every 200 counts, from either workspace.
      Load load = new Load(shop.port(), SHOP, clients, rate, null);
      out.println("  Domains page: " + admin.uri() + "  (loopback only; no token needed)");
      out.println("  metrics:      " + admin.uri().resolve("metrics"));
      out.printf(Locale.ROOT, "  load: %d keep-alive clients on %s, at most %,d requests/s; type quit to stop%n%n", load.clients(), SHOP, rate);
      load.start();
      try {
        new CommandLoop(shop, switchboard, out).run(in);
      } finally {
        load.stop();
      }
      out.printf(Locale.ROOT, "requests sent %,d, failed %,d, served by %s%n", load.sent(), load.failed(), load.servedBy());
      for (String failure : load.failures()) {
        out.println("  " + failure);
      }
      return load.failed() == 0 ? BlueGreenDemo.OK : BlueGreenDemo.FAILED;
    }
  }
}
