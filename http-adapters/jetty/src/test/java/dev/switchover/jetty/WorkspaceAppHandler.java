package dev.switchover.jetty;

import dev.switchover.testkit.AppRequest;
import dev.switchover.testkit.EventStream;
import dev.switchover.testkit.AppResponse;
import dev.switchover.testkit.WorkspaceApp;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.CompletionException;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.thread.Invocable.InvocationType;
import org.jspecify.annotations.Nullable;

/**
 * The testkit's {@link WorkspaceApp} as an in-process, non-blocking Jetty handler: the app
 * answers asynchronously, and the handler completes its callback from whatever thread the answer
 * arrives on. An app that throws makes {@code handle} throw; an answer that fails fails the
 * callback.
 */
final class WorkspaceAppHandler extends Handler.Abstract.NonBlocking {
  private static final int MAX_BODY = 64 * 1024 * 1024;

  private final WorkspaceApp app;

  WorkspaceAppHandler(WorkspaceApp app) {
    this.app = app;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    if (EventStream.isStream(Request.getPathInContext(request))) {
      stream(request, response, callback);
      return true;
    }
    AppRequest.Builder appRequest =
        AppRequest.builder(request.getMethod(), request.getHttpURI().getPathQuery())
            .serverName(Request.getServerName(request))
            .canonicalPath(Request.getPathInContext(request));
    for (HttpField field : request.getHeaders()) {
      appRequest.header(field.getName(), field.getValue());
    }
    if (request.getLength() == 0) {
      respond(app.serve(appRequest.build()), response, callback);
    } else {
      Content.Source.asByteArrayAsync(
          request,
          MAX_BODY,
          Promise.Invocable.from(
              InvocationType.NON_BLOCKING,
              (byte[] body, @Nullable Throwable failure) -> {
                if (failure != null) {
                  callback.failed(failure);
                  return;
                }
                try {
                  respond(app.serve(appRequest.body(body).build()), response, callback);
                } catch (RuntimeException e) {
                  callback.failed(e);
                }
              }));
    }
    return true;
  }

  /** {@link EventStream}'s events, written by a thread of their own, until a write fails. */
  private void stream(Request request, Response response, Callback callback) {
    response.setStatus(200);
    response.getHeaders().put("Content-Type", EventStream.CONTENT_TYPE);
    response.getHeaders().put(WorkspaceApp.WORKSPACE_HEADER, app.name());
    String query = request.getHttpURI().getQuery();
    String lastEventId = request.getHeaders().get("Last-Event-ID");
    Thread writer =
        new Thread(
            () -> {
              try {
                EventStream.serve(
                    app,
                    query,
                    lastEventId,
                    bytes -> {
                      Callback.Completable written = new Callback.Completable();
                      response.write(false, ByteBuffer.wrap(bytes), written);
                      try {
                        written.get();
                      } catch (ExecutionException e) {
                        throw new IOException(e.getCause());
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException("interrupted while writing");
                      }
                    });
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                callback.failed(e);
              } catch (IOException | RuntimeException e) {
                callback.failed(e); // the client went away, or the router ended the stream
              }
            },
            "events-" + app.name());
    writer.setDaemon(true);
    writer.start();
  }

  private static void respond(
      CompletableFuture<AppResponse> answer, Response response, Callback callback) {
    var unused = answer.whenComplete((a, failure) -> respond(a, failure, response, callback));
  }

  private static void respond(
      @Nullable AppResponse answer,
      @Nullable Throwable failure,
      Response response,
      Callback callback) {
    if (failure != null || answer == null) {
      Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
      callback.failed(cause != null ? cause : new IllegalStateException("no answer"));
      return;
    }
    response.setStatus(answer.status());
    for (Map.Entry<String, String> h : answer.headers().entrySet()) {
      response.getHeaders().put(h.getKey(), h.getValue());
    }
    response.write(true, ByteBuffer.wrap(answer.body()), callback);
  }

  @Override
  public String toString() {
    return "WorkspaceAppHandler{" + app.name() + "}";
  }
}
