package dev.switchover.admin;

import static com.google.common.base.Preconditions.checkNotNull;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.MappingMatch;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Serves an {@link AdminApi} in a Jakarta Servlet 6 container: the JSON API under {@code api/} and
 * the Domains page at the mount's root. Mount it on a path of its own with a trailing {@code /*}
 * (for example {@code /switchover/*}); the page calls the API by relative addresses, so any mount
 * works. The page's files carry a strict content security policy and need no other origin.
 * Thread-safe.
 *
 * <pre>{@code
 * ServletHolder admin = new ServletHolder(new AdminServlet(api));
 * context.addServlet(admin, "/switchover/*");               // Jetty ee10
 * // Spring Boot: new ServletRegistrationBean<>(new AdminServlet(api), "/switchover/*")
 * }</pre>
 */
public final class AdminServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;

  /** The page's files: name below the mount -> content type. */
  private static final Map<String, String> PAGE =
      Map.of(
          "/index.html", "text/html; charset=utf-8",
          "/app.js", "text/javascript; charset=utf-8",
          "/style.css", "text/css; charset=utf-8");

  private static final String CONTENT_SECURITY_POLICY =
      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self';"
          + " base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  @SuppressWarnings("serial") // a servlet is not serialized by the containers this runs in
  private final ApiHandler handler;

  /**
   * A servlet serving {@code api} in a host application's container.
   *
   * @throws IllegalArgumentException if {@code api} has no tokens: in a host container, the
   *     address and name a request seems to come from and go to may be set from forwarding
   *     headers a client chose (a forwarded-headers customizer or filter, a proxy on the same
   *     machine), so only {@link AdminServer}, which owns its listener, may serve an API without
   *     tokens to loopback callers
   */
  public AdminServlet(AdminApi api) {
    this(api, false);
  }

  /** For {@link AdminServer}: on a listener of its own, an API without tokens may serve loopback. */
  AdminServlet(AdminApi api, boolean ownListener) {
    checkNotNull(api, "api");
    if (!ownListener && !api.requiresTokens()) {
      throw new IllegalArgumentException(
          "an AdminServlet in a host application's container needs an AdminApi with at least one"
              + " token: there, who a request comes from can be set by forwarding headers; only"
              + " AdminServer, on a listener of its own, serves an API without tokens to loopback");
    }
    this.handler = new ApiHandler(api);
  }

  @Override
  protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    String path = req.getPathInfo();
    if (path == null) {
      if (req.getHttpServletMapping().getMappingMatch() == MappingMatch.PATH) {
        // Mounted on /switchover/* and called as /switchover: the page's relative addresses need the slash.
        resp.setStatus(308);
        resp.setHeader("Location", req.getRequestURI() + "/");
        return;
      }
      path = req.getServletPath().isEmpty() ? "/" : req.getServletPath(); // mapped as the default servlet
    }
    if (path.equals("/api") || path.startsWith("/api/")) {
      handler.handle(path, req, resp);
      return;
    }
    servePage(path.equals("/") ? "/index.html" : path, req, resp);
  }

  private static void servePage(String file, HttpServletRequest req, HttpServletResponse resp) throws IOException {
    String type = PAGE.get(file);
    if (type == null) {
      ApiHandler.writeProblem(resp, Problem.notFound("no such page: " + file), req.getRequestURI());
      return;
    }
    if (!req.getMethod().equals("GET") && !req.getMethod().equals("HEAD")) {
      resp.setHeader("Allow", "GET, HEAD");
      ApiHandler.writeProblem(resp, new Problem(405, "method-not-allowed", "Method not allowed", req.getMethod() + " is not allowed on the page"), req.getRequestURI());
      return;
    }
    byte[] bytes = pageFile(file);
    resp.setStatus(200);
    resp.setContentType(type);
    resp.setContentLength(bytes.length);
    resp.setHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
    resp.setHeader("X-Content-Type-Options", "nosniff");
    resp.setHeader("Referrer-Policy", "no-referrer");
    resp.setHeader("Cache-Control", "no-cache");
    if (req.getMethod().equals("GET")) {
      try (OutputStream out = resp.getOutputStream()) {
        out.write(bytes);
      }
    }
  }

  private static byte[] pageFile(String file) throws IOException {
    @Nullable InputStream in = AdminServlet.class.getResourceAsStream("page" + file);
    if (in == null) {
      throw new IOException("the admin jar lacks its page file " + file);
    }
    try (InputStream i = in) {
      return i.readAllBytes();
    }
  }
}
