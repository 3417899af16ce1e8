package dev.switchover.undertow;

import dev.switchover.testkit.AppRequest;
import dev.switchover.testkit.AppResponse;
import dev.switchover.testkit.WorkspaceApp;
import dev.switchover.testkit.EventStream;
import dev.switchover.testkit.WebSocketEcho;
import io.undertow.websockets.WebSocketConnectionCallback;
import io.undertow.websockets.WebSocketProtocolHandshakeHandler;
import io.undertow.websockets.core.protocol.version13.Hybi13Handshake;
import java.util.List;
import java.util.Set;
import io.undertow.server.HttpHandler;
import io.undertow.util.Headers;
import io.undertow.websockets.core.AbstractReceiveListener;
import io.undertow.websockets.core.BufferedBinaryMessage;
import io.undertow.websockets.core.BufferedTextMessage;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;
import java.util.OptionalInt;
import org.xnio.Buffers;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderValues;
import io.undertow.util.HttpString;
import io.undertow.util.SameThreadExecutor;
import io.undertow.util.StatusCodes;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * The testkit's {@link WorkspaceApp} as an in-process, non-blocking Undertow handler: it reads
 * the body asynchronously, and answers from whatever thread the app's answer arrives on. An app
 * that throws makes {@code handleRequest} throw (Undertow answers 500); an answer that fails is
 * answered 500.
 */
final class WorkspaceAppHttpHandler implements HttpHandler {
  private final WorkspaceApp app;
  /** The app's WebSocket endpoint, as an Undertow application makes one. */
  private final HttpHandler webSockets;

  WorkspaceAppHttpHandler(WorkspaceApp app) {
    this.app = app;
    this.webSockets =
        new WebSocketProtocolHandshakeHandler(
            List.of(new Hybi13Handshake(Set.of(WebSocketEcho.SUBPROTOCOL), false)),
            (WebSocketConnectionCallback)
            (exchange, channel) -> {
              SwitchoverHttpHandler.closeOnGraceEnd(exchange, channel);
              channel.getReceiveSetter().set(new Echo(app.name()));
              channel.resumeReceives();
            });
  }

  /** {@link WebSocketEcho} on Undertow's WebSocket API; Undertow answers pings itself. */
  private static final class Echo extends AbstractReceiveListener {
    private final String workspace;

    Echo(String workspace) {
      this.workspace = workspace;
    }

    @Override
    protected void onFullTextMessage(WebSocketChannel channel, BufferedTextMessage message) {
      String text = message.getData();
      OptionalInt close = WebSocketEcho.closeAsked(text);
      if (close.isPresent()) {
        WebSockets.sendClose(close.getAsInt(), WebSocketEcho.CLOSE_REASON, channel, null);
      } else {
        WebSockets.sendText(WebSocketEcho.reply(workspace, text), channel, null);
      }
    }

    @Override
    @SuppressWarnings("deprecation") // Undertow hands the message's data out as XNIO's Pooled
    protected void onFullBinaryMessage(WebSocketChannel channel, BufferedBinaryMessage message) {
      var data = message.getData();
      ByteBuffer copy = ByteBuffer.allocate(Math.toIntExact(Buffers.remaining(data.getResource())));
      for (ByteBuffer b : data.getResource()) {
        copy.put(b);
      }
      data.free();
      WebSockets.sendBinary(copy.flip(), channel, null);
    }
  }

  @Override
  public void handleRequest(HttpServerExchange exchange) throws Exception {
    String upgrade = exchange.getRequestHeaders().getFirst(Headers.UPGRADE);
    if (upgrade != null && upgrade.equalsIgnoreCase("websocket")) {
      webSockets.handleRequest(exchange);
      return;
    }
    if (EventStream.isStream(exchange.getRelativePath())) {
      stream(exchange);
      return;
    }
    String query = exchange.getQueryString();
    String target = rawPath(exchange) + (query == null || query.isEmpty() ? "" : "?" + query);
    AppRequest.Builder request =
        AppRequest.builder(exchange.getRequestMethod().toString(), target)
            .serverName(exchange.getHostName())
            .canonicalPath(exchange.getRelativePath());
    for (HeaderValues values : exchange.getRequestHeaders()) {
      for (String value : values) {
        request.header(values.getHeaderName().toString(), value);
      }
    }
    if (exchange.getRequestContentLength() == 0) {
      respond(exchange, app.serve(request.build()));
      return;
    }
    exchange
        .getRequestReceiver()
        .receiveFullBytes(
            (ex, body) -> {
              CompletableFuture<AppResponse> answer;
              try {
                answer = app.serve(request.body(body).build());
              } catch (RuntimeException e) {
                answer = CompletableFuture.failedFuture(e);
              }
              respond(ex, answer);
            });
  }

  /** {@link EventStream}'s events, written in blocking mode on a worker thread, until the client goes away. */
  private void stream(HttpServerExchange exchange) {
    exchange.dispatch(
        () -> {
          exchange.startBlocking();
          exchange.setStatusCode(StatusCodes.OK);
          exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, EventStream.CONTENT_TYPE);
          exchange.getResponseHeaders().put(new HttpString(WorkspaceApp.WORKSPACE_HEADER), app.name());
          try {
            var out = exchange.getOutputStream();
            EventStream.serve(
                app,
                exchange.getQueryString(),
                exchange.getRequestHeaders().getFirst("Last-Event-ID"),
                bytes -> {
                  out.write(bytes);
                  out.flush();
                });
          } catch (java.io.IOException e) {
            // the client went away, or the router ended the stream
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } finally {
            exchange.endExchange();
          }
        });
  }

  /** The raw path as received: without the scheme and authority of an absolute-form target. */
  private static String rawPath(HttpServerExchange exchange) {
    String uri = exchange.getRequestURI();
    if (exchange.isHostIncludedInRequestURI()) {
      int authority = uri.indexOf("//");
      int path = authority < 0 ? -1 : uri.indexOf('/', authority + 2);
      return path < 0 ? "/" : uri.substring(path);
    }
    return uri;
  }

  private static void respond(HttpServerExchange exchange, CompletableFuture<AppResponse> answer) {
    // Dispatched: Undertow does not end the exchange when the handler returns.
    exchange.dispatch(
        SameThreadExecutor.INSTANCE,
        () -> {
          var unused = answer.whenComplete((a, failure) -> write(exchange, a, failure));
        });
  }

  private static void write(
      HttpServerExchange exchange, @Nullable AppResponse answer, @Nullable Throwable failure) {
    if (failure != null || answer == null) {
      exchange.setStatusCode(StatusCodes.INTERNAL_SERVER_ERROR);
      exchange.endExchange();
      return;
    }
    exchange.setStatusCode(answer.status());
    for (Map.Entry<String, String> h : answer.headers().entrySet()) {
      exchange.getResponseHeaders().put(new HttpString(h.getKey()), h.getValue());
    }
    exchange.getResponseSender().send(ByteBuffer.wrap(answer.body()));
  }

  @Override
  public String toString() {
    return "WorkspaceAppHttpHandler{" + app.name() + "}";
  }
}
