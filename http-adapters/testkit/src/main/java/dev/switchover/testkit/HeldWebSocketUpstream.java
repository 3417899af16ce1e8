package dev.switchover.testkit;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.zip.CRC32;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

/**
 * An upstream WebSocket workspace that reads slowly on purpose: it takes the first fragment of the
 * first binary message, then reads nothing more (its TCP window closes) until the test {@linkplain
 * #release releases} it; at the end of each binary message it answers with the text {@link
 * #answer}. What lies between it and the client is then all a bridge can hold of a message: the
 * sockets' buffers, and whatever the bridge buffers itself. The other way, a text message {@code
 * send <n>} makes it send a binary message of {@code n} bytes ({@link #bytes}), and tells when all
 * of it has been written ({@link #sentWhole}). A Jetty server on a free loopback port. Thread-safe.
 */
public final class HeldWebSocketUpstream implements AutoCloseable {
  private final Server server;
  private final ServerConnector connector;
  private final CompletableFuture<Void> firstFragment = new CompletableFuture<>();
  private final CompletableFuture<Void> released = new CompletableFuture<>();
  private final CompletableFuture<Void> sentWhole = new CompletableFuture<>();

  private HeldWebSocketUpstream() {
    this.server = new Server();
    this.connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    server.setHandler(
        WebSocketUpgradeHandler.from(
            server,
            container -> {
              container.setMaxBinaryMessageSize(1L << 30);
              container.addMapping("/*", (request, response, callback) -> new Endpoint());
            }));
  }

  /** Starts one on a free port of 127.0.0.1. */
  public static HeldWebSocketUpstream start() throws Exception {
    HeldWebSocketUpstream upstream = new HeldWebSocketUpstream();
    upstream.server.start();
    return upstream;
  }

  /** The text it answers a binary message of {@code length} bytes with that CRC-32. */
  public static String answer(long length, long crc32) {
    return "received " + length + " bytes, crc " + Long.toHexString(crc32);
  }

  /** The bytes of the message {@code send <n>} asks for: {@code n} bytes, the same each time. */
  public static byte[] bytes(int n) {
    byte[] bytes = new byte[n];
    new java.util.Random(n).nextBytes(bytes);
    return bytes;
  }

  /** Completes when the whole of a message {@code send <n>} asked for has been written. */
  public CompletableFuture<Void> sentWhole() {
    return sentWhole;
  }

  /** The server's base URI, {@code http://127.0.0.1:<port>}. */
  public URI baseUri() {
    return URI.create("http://127.0.0.1:" + connector.getLocalPort());
  }

  /** Waits until the first fragment has arrived (and reading has stopped). */
  public void awaitFirstFragment() throws InterruptedException, ExecutionException, TimeoutException {
    firstFragment.get(Await.DEADLINE.toSeconds(), TimeUnit.SECONDS);
  }

  /** Lets it read on, as fast as it can. */
  public void release() {
    released.complete(null);
  }

  @Override
  public void close() throws IOException {
    try {
      server.stop();
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("stopping " + this, e);
    }
  }

  @Override
  public String toString() {
    return "HeldWebSocketUpstream{" + baseUri() + "}";
  }

  /** Demands each frame itself, so that it can stop reading. (Public: Jetty calls it reflectively.) */
  public final class Endpoint extends Session.Listener.Abstract {
    private Endpoint() {}

    private final CRC32 crc = new CRC32();
    private long length;

    @Override
    public void onWebSocketOpen(Session session) {
      super.onWebSocketOpen(session);
      session.demand();
    }

    @Override
    public void onWebSocketText(String message) {
      Session session = getSession();
      if (message.startsWith("send ")) {
        session.sendBinary(
            ByteBuffer.wrap(bytes(Integer.parseInt(message.substring(5)))),
            Callback.from(() -> sentWhole.complete(null), sentWhole::completeExceptionally));
      }
      session.demand();
    }

    @Override
    public void onWebSocketPartialBinary(ByteBuffer payload, boolean last, Callback callback) {
      length += payload.remaining();
      crc.update(payload);
      callback.succeed();
      Session session = getSession();
      if (last) {
        session.sendText(answer(length, crc.getValue()), Callback.NOOP);
        length = 0;
        crc.reset();
      }
      if (firstFragment.complete(null)) {
        var unused = released.thenRun(session::demand);
      } else {
        session.demand();
      }
    }
  }
}
