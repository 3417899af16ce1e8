package dev.switchover.servlet;

import dev.switchover.testkit.AppRequest;
import dev.switchover.testkit.EventStream;
import dev.switchover.testkit.AppResponse;
import dev.switchover.testkit.WorkspaceApp;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Collections;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The testkit's {@link WorkspaceApp} as an asynchronous servlet: it reads the body, then answers
 * from whatever thread the app's answer arrives on and completes the async cycle. An app that
 * throws makes {@code service} throw (the container answers 500); an answer that fails is 500.
 */
final class WorkspaceAppServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;

  @SuppressWarnings("serial") // never serialized
  private final WorkspaceApp app;

  WorkspaceAppServlet(WorkspaceApp app) {
    this.app = app;
  }

  @Override
  protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
    String upgrade = request.getHeader("Upgrade");
    if (upgrade != null
        && upgrade.equalsIgnoreCase("websocket")
        && WorkspaceWebSocket.upgrade(request, response, app.name())) {
      return;
    }
    String query = request.getQueryString();
    String servletPath = request.getServletPath();
    String pathInfo = request.getPathInfo();
    if (EventStream.isStream(servletPath + (pathInfo == null ? "" : pathInfo))) {
      stream(request, response);
      return;
    }
    AppRequest.Builder b =
        AppRequest.builder(request.getMethod(), request.getRequestURI() + (query == null ? "" : "?" + query))
            .serverName(request.getServerName())
            .canonicalPath(servletPath + (pathInfo == null ? "" : pathInfo));
    for (String name : Collections.list(request.getHeaderNames())) {
      for (String value : Collections.list(request.getHeaders(name))) {
        b.header(name, value);
      }
    }
    b.body(request.getInputStream().readAllBytes());
    AppRequest appRequest = b.build();
    var answer = app.serve(appRequest); // fail=sync throws here, before the async cycle starts
    AsyncContext async = request.startAsync();
    async.setTimeout(0);
    var unused = answer.whenComplete((a, failure) -> write(async, a, failure));
  }

  /** {@link EventStream}'s events, written in blocking mode, until the client goes away. */
  private void stream(HttpServletRequest request, HttpServletResponse response) {
    response.setStatus(200);
    response.setContentType(EventStream.CONTENT_TYPE);
    response.setHeader(WorkspaceApp.WORKSPACE_HEADER, app.name());
    try {
      var out = response.getOutputStream();
      EventStream.serve(
          app,
          request.getQueryString(),
          request.getHeader("Last-Event-ID"),
          bytes -> {
            out.write(bytes);
            out.flush();
          });
    } catch (IOException e) {
      // the client went away
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void write(AsyncContext async, @Nullable AppResponse answer, @Nullable Throwable failure) {
    HttpServletResponse response = (HttpServletResponse) async.getResponse();
    try {
      if (failure != null || answer == null) {
        response.setStatus(500);
      } else {
        response.setStatus(answer.status());
        for (Map.Entry<String, String> h : answer.headers().entrySet()) {
          // added, as a servlet adds its cookies: a set would replace the canary cookie, which
          // Jetty's startAsync() response (the container's own, unwrapped) cannot keep
          response.addHeader(h.getKey(), h.getValue());
        }
        byte[] body = answer.body();
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
      }
    } catch (IOException | RuntimeException e) {
      // the client went away: the async cycle completes all the same
    } finally {
      async.complete();
    }
  }
}
