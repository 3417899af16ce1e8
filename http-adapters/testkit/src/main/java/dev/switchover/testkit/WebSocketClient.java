package dev.switchover.testkit;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * One WebSocket opened by the suite through the router server, with the JDK's client: what it
 * received (whole messages), its pongs, and how and when it was closed.
 */
final class WebSocketClient implements WebSocket.Listener, AutoCloseable {
  /** A close frame the client received. */
  record Close(int code, String reason, long atNanos) {}

  private final BlockingQueue<Object> received = new LinkedBlockingQueue<>();
  private final BlockingQueue<ByteBuffer> pongs = new LinkedBlockingQueue<>();
  final CompletableFuture<Close> closed = new CompletableFuture<>();
  private final StringBuilder text = new StringBuilder();
  private @Nullable ByteBuffer binary;
  private @Nullable WebSocket socket;

  private WebSocketClient() {}

  /** Opens a WebSocket to {@code ws://localhost:<port><path>}. */
  static WebSocketClient open(HttpClient http, int port, String path) throws Exception {
    return open(http, port, path, List.of());
  }

  /** Opens a WebSocket to {@code ws://localhost:<port><path>}, offering {@code subprotocols}. */
  static WebSocketClient open(HttpClient http, int port, String path, List<String> subprotocols) throws Exception {
    WebSocketClient client = new WebSocketClient();
    WebSocket.Builder builder = http.newWebSocketBuilder().connectTimeout(Await.DEADLINE);
    if (!subprotocols.isEmpty()) {
      builder.subprotocols(subprotocols.get(0), subprotocols.subList(1, subprotocols.size()).toArray(String[]::new));
    }
    client.socket =
        builder
            .buildAsync(URI.create("ws://localhost:" + port + path), client)
            .get(Await.DEADLINE.toSeconds(), TimeUnit.SECONDS);
    return client;
  }

  WebSocket socket() {
    WebSocket s = socket;
    if (s == null) {
      throw new IllegalStateException("not open");
    }
    return s;
  }

  /** Sends a text message and returns the text answer. */
  String exchange(String message) throws Exception {
    socket().sendText(message, true).get(Await.DEADLINE.toSeconds(), TimeUnit.SECONDS);
    return nextText();
  }

  String nextText() throws Exception {
    Object m = received.poll(Await.DEADLINE.toSeconds(), TimeUnit.SECONDS);
    if (!(m instanceof String s)) {
      throw new AssertionError("expected a text message, got " + m + "; closed: " + closed.getNow(null));
    }
    return s;
  }

  ByteBuffer nextBinary() throws Exception {
    Object m = received.poll(Await.DEADLINE.toSeconds(), TimeUnit.SECONDS);
    if (!(m instanceof ByteBuffer b)) {
      throw new AssertionError("expected a binary message, got " + m + "; closed: " + closed.getNow(null));
    }
    return b;
  }

  ByteBuffer nextPong() throws Exception {
    ByteBuffer b = pongs.poll(Await.DEADLINE.toSeconds(), TimeUnit.SECONDS);
    if (b == null) {
      throw new AssertionError("no pong; closed: " + closed.getNow(null));
    }
    return b;
  }

  Close awaitClose() throws Exception {
    return closed.get(Await.DEADLINE.toSeconds(), TimeUnit.SECONDS);
  }

  @Override
  public @Nullable CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
    text.append(data);
    if (last) {
      received.add(text.toString());
      text.setLength(0);
    }
    webSocket.request(1);
    return null;
  }

  @Override
  public @Nullable CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
    ByteBuffer sofar = binary;
    ByteBuffer all = ByteBuffer.allocate((sofar == null ? 0 : sofar.remaining()) + data.remaining());
    if (sofar != null) {
      all.put(sofar);
    }
    all.put(data).flip();
    if (last) {
      received.add(all);
      binary = null;
    } else {
      binary = all;
    }
    webSocket.request(1);
    return null;
  }

  @Override
  public @Nullable CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
    ByteBuffer copy = ByteBuffer.allocate(message.remaining()).put(message).flip();
    pongs.add(copy);
    webSocket.request(1);
    return null;
  }

  @Override
  public @Nullable CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
    closed.complete(new Close(statusCode, reason, System.nanoTime()));
    return null; // the JDK then answers with a close frame of the same code
  }

  @Override
  public void onError(WebSocket webSocket, Throwable error) {
    closed.completeExceptionally(error);
  }

  @Override
  public void close() {
    WebSocket s = socket;
    if (s != null) {
      s.abort();
    }
  }
}
