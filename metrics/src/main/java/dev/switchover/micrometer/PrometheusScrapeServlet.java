package dev.switchover.micrometer;

import static com.google.common.base.Preconditions.checkNotNull;
import static java.nio.charset.StandardCharsets.UTF_8;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Serves a Prometheus registry's scrape, in the Prometheus text format, to {@code GET}. Mount it
 * on the standalone admin listener ({@code AdminServer.Builder#servlet("/metrics", ...)}) or in
 * the host application's container. Needs {@code micrometer-registry-prometheus} on the class
 * path. Thread-safe.
 *
 * <pre>{@code
 * PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
 * SwitchoverMetrics.of(router).bindTo(registry);
 * AdminServer.builder(api).port(8081).servlet("/metrics", new PrometheusScrapeServlet(registry));
 * }</pre>
 */
public final class PrometheusScrapeServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;
  private static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  @SuppressWarnings("serial") // a servlet is not serialized by the containers this runs in
  private final PrometheusMeterRegistry registry;

  /** A servlet serving {@code registry}'s scrape. */
  public PrometheusScrapeServlet(PrometheusMeterRegistry registry) {
    this.registry = checkNotNull(registry, "registry");
  }

  @Override
  protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    byte[] body = registry.scrape().getBytes(UTF_8);
    resp.setStatus(200);
    resp.setContentType(CONTENT_TYPE);
    resp.setHeader("Cache-Control", "no-store");
    resp.setContentLength(body.length);
    try (OutputStream out = resp.getOutputStream()) {
      out.write(body);
    }
  }
}
