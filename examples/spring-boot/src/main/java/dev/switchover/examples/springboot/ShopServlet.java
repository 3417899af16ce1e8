package dev.switchover.examples.springboot;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * One version of a very small shop: {@code /} lists the products as text, {@code /api/products}
 * as JSON; version 2 adds free shipping. Every answer names its workspace in {@code X-Workspace}.
 */
final class ShopServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;

  private final String workspace;
  private final int version;

  ShopServlet(String workspace, int version) {
    this.workspace = workspace;
    this.version = version;
  }

  @Override
  protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    resp.setHeader("X-Workspace", workspace);
    String path = req.getRequestURI();
    if (path.equals("/api/products")) {
      resp.setContentType("application/json");
      resp.getWriter()
          .print("{\"version\":" + version + ",\"products\":[\"coffee beans\",\"green tea\"]"
              + (version >= 2 ? ",\"freeShippingOver\":20.00" : "") + "}\n");
      return;
    }
    resp.setContentType("text/plain; charset=utf-8");
    if (!path.equals("/")) {
      resp.setStatus(404);
      resp.getWriter().print("no page " + path + " in shop v" + version + " (" + workspace + ")\n");
      return;
    }
    StringBuilder text = new StringBuilder();
    text.append("Switchover shop v").append(version).append(" (").append(workspace).append(")\n");
    text.append("  coffee beans   12.00\n");
    text.append("  green tea       8.50\n");
    if (version >= 2) {
      text.append("  new in v2: free shipping over 20.00\n");
    }
    resp.getWriter().print(text);
  }
}
