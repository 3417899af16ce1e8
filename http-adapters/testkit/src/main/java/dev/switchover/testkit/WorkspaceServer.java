package dev.switchover.testkit;

import static java.util.Objects.requireNonNull;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP/1.1 server on a free loopback port that serves one {@link WorkspaceApp}: the
 * upstream an adapter proxies to. Built on the JDK's {@code com.sun.net.httpserver}, so that no
 * adapter's own server stands on both sides of a test.
 *
 * <pre>{@code
 * try (WorkspaceServer green = WorkspaceServer.start(WorkspaceApp.named("green"))) {
 *   URI upstream = green.baseUri(); // http://127.0.0.1:<port>
 * }
 * }</pre>
 */
public final class WorkspaceServer implements AutoCloseable {
  static {
    // Read once, when the JDK server's configuration loads. It closes connections idle for
    // idleInterval seconds (30 by default), which races with a proxy's pool reusing them in a long
    // soak: the suite tests the adapter, not that race. And without nodelay, its separate writes
    // of headers and body meet delayed ACKs: 40 ms per response.
    setIfAbsent("sun.net.httpserver.idleInterval", "3600");
    setIfAbsent("sun.net.httpserver.nodelay", "true");
  }

  private static final AtomicInteger THREADS = new AtomicInteger();

  private final WorkspaceApp app;
  private final HttpServer server;
  private final ExecutorService executor;

  private WorkspaceServer(WorkspaceApp app, HttpServer server, ExecutorService executor) {
    this.app = app;
    this.server = server;
    this.executor = executor;
  }

  private static void setIfAbsent(String property, String value) {
    if (System.getProperty(property) == null) {
      System.setProperty(property, value);
    }
  }

  /** Starts a server for {@code app} on a free port of 127.0.0.1. */
  public static WorkspaceServer start(WorkspaceApp app) throws IOException {
    requireNonNull(app, "app");
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
    ExecutorService executor =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "workspace-" + app.name() + "-" + THREADS.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    WorkspaceServer ws = new WorkspaceServer(app, server, executor);
    server.createContext("/", ws::exchange);
    server.start();
    return ws;
  }

  /** The app this server serves. */
  public WorkspaceApp app() {
    return app;
  }

  /** The server's base URI, {@code http://127.0.0.1:<port>}. */
  public URI baseUri() {
    InetSocketAddress address = server.getAddress();
    return URI.create("http://" + address.getAddress().getHostAddress() + ":" + address.getPort());
  }

  /** The port the server listens on. */
  public int port() {
    return server.getAddress().getPort();
  }

  /** Stops the server at once: connections are closed, in-flight exchanges are cut off. */
  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  private void exchange(HttpExchange exchange) throws IOException {
    if (EventStream.isStream(exchange.getRequestURI().getPath())) {
      stream(exchange);
      return;
    }
    try (exchange) {
      AppResponse response;
      try {
        response = app.serve(toAppRequest(exchange)).join();
      } catch (IllegalStateException | CompletionException e) {
        response = AppResponse.text(500, app.name(), "failed: " + e.getMessage() + "\n");
      }
      for (Map.Entry<String, String> h : response.headers().entrySet()) {
        exchange.getResponseHeaders().set(h.getKey(), h.getValue());
      }
      byte[] body = response.body();
      exchange.sendResponseHeaders(response.status(), body.length == 0 ? -1 : body.length);
      if (body.length > 0) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      }
    }
  }

  /** Sends {@link EventStream}'s events until the client goes away or the server stops. */
  private void stream(HttpExchange exchange) throws IOException {
    try (exchange) {
      exchange.getResponseHeaders().set("Content-Type", EventStream.CONTENT_TYPE);
      exchange.getResponseHeaders().set(WorkspaceApp.WORKSPACE_HEADER, app.name());
      exchange.sendResponseHeaders(200, 0);
      OutputStream out = exchange.getResponseBody();
      EventStream.serve(
          app,
          exchange.getRequestURI().getRawQuery(),
          exchange.getRequestHeaders().getFirst("Last-Event-ID"),
          bytes -> {
            out.write(bytes);
            out.flush();
          });
    } catch (IOException e) {
      // the client went away
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // the server stops
    }
  }

  private static AppRequest toAppRequest(HttpExchange exchange) throws IOException {
    // URI.toString() is the request target exactly as received (getRawPath would read "//x" as
    // an authority).
    String target = exchange.getRequestURI().toString();
    AppRequest.Builder request = AppRequest.builder(exchange.getRequestMethod(), target);
    for (Map.Entry<String, List<String>> h : exchange.getRequestHeaders().entrySet()) {
      for (String value : h.getValue()) {
        request.header(h.getKey(), value);
      }
    }
    try (InputStream in = exchange.getRequestBody()) {
      request.body(in.readAllBytes());
    }
    return request.build();
  }

  @Override
  public String toString() {
    return "WorkspaceServer{" + app.name() + " at " + baseUri() + "}";
  }
}
