package dev.switchover.examples;

import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * One version of a very small shop: {@code /} lists the products as text, {@code /api/products}
 * as JSON ({@code /api} links to it). Version 2 adds free shipping. Every answer names the
 * workspace that served it in an {@code X-Workspace} header, which is how the demo's clients
 * count who served them, and the app counts the requests it served. Thread-safe.
 */
final class ShopApp extends Handler.Abstract.NonBlocking {
  /** The response header that names the serving workspace. */
  static final String WORKSPACE_HEADER = "X-Workspace";

  private final String workspace;
  private final int version;
  private final LongAdder served = new LongAdder();

  ShopApp(String workspace, int version) {
    this.workspace = workspace;
    this.version = version;
  }

  String workspace() {
    return workspace;
  }

  int version() {
    return version;
  }

  /** How many requests this app has answered. */
  long served() {
    return served.sum();
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    served.increment();
    String path = Request.getPathInContext(request);
    String contentType;
    String body;
    if (path.equals("/api/products")) {
      contentType = "application/json";
      body = productsJson();
    } else if (path.equals("/api")) {
      contentType = "application/json";
      body = "{\"version\":" + version + ",\"workspace\":\"" + workspace + "\",\"links\":[\"/api/products\"]}\n";
    } else if (path.equals("/")) {
      contentType = "text/plain; charset=utf-8";
      body = productsText();
    } else {
      contentType = "text/plain; charset=utf-8";
      body = "no page " + path + " in shop v" + version + " (" + workspace + ")\n";
      response.setStatus(404);
    }
    response.getHeaders().put(WORKSPACE_HEADER, workspace);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
    Content.Sink.write(response, true, body, callback);
    return true;
  }

  private String productsText() {
    StringBuilder text = new StringBuilder();
    text.append("Switchover shop v").append(version).append(" (").append(workspace).append(")\n");
    text.append("  coffee beans   12.00\n");
    text.append("  green tea       8.50\n");
    if (version >= 2) {
      text.append("  new in v2: free shipping over 20.00\n");
    }
    return text.toString();
  }

  private String productsJson() {
    return "{\"version\":" + version + ",\"workspace\":\"" + workspace + "\",\"freeShipping\":"
        + (version >= 2) + ",\"products\":[{\"name\":\"coffee beans\",\"price\":\"12.00\"},"
        + "{\"name\":\"green tea\",\"price\":\"8.50\"}]}\n";
  }

  @Override
  public String toString() {
    return "ShopApp{v" + version + " as " + workspace + "}";
  }
}
