package dev.switchover.bench.http;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * The WebSocket load of run.sh's {@code PROTOCOL=ws}: {@code connections} WebSockets to {@code
 * ws://127.0.0.1:<port>/} with the {@code Host} the proxies route on, each sending a text message
 * of {@code bytes} bytes and waiting for its echo, back to back, for {@code seconds} seconds. It
 * prints one {@code RESULT} line as run.sh's wrk script does: round trips per second ({@code rps})
 * and their latencies. The JDK's WebSocket client, the same for every contender, so that a
 * direct connection and one through a proxy are measured alike.
 *
 * <p>Usage: {@code WsRate <port> <host> <connections> <seconds> <bytes>}, in a JVM started with
 * {@code -Djdk.httpclient.allowRestrictedHeaders=host}.
 */
public final class WsRate {
  private WsRate() {}

  /** Runs the load and prints its RESULT line. */
  public static void main(String[] args) throws Exception {
    if (args.length != 5) {
      throw new IllegalArgumentException("usage: WsRate <port> <host> <connections> <seconds> <bytes>");
    }
    int port = Loopback.port(args[0], "port");
    String host = args[1];
    int connections = Integer.parseInt(args[2]);
    long seconds = Long.parseLong(args[3]);
    String message = "x".repeat(Integer.parseInt(args[4]));
    HttpClient client = HttpClient.newHttpClient();
    AtomicBoolean running = new AtomicBoolean(true);
    List<Echoes> all = new ArrayList<>();
    int failedToConnect = 0;
    for (int i = 0; i < connections; i++) {
      Echoes echoes = new Echoes(message, running);
      try {
        client.newWebSocketBuilder()
            .header("Host", host)
            .connectTimeout(Duration.ofSeconds(5))
            .buildAsync(URI.create("ws://127.0.0.1:" + port + "/"), echoes)
            .get(10, TimeUnit.SECONDS);
        all.add(echoes);
      } catch (Exception e) {
        failedToConnect++;
        System.err.println("connection " + i + " failed: " + e);
      }
    }
    long start = System.nanoTime();
    all.forEach(Echoes::start);
    TimeUnit.SECONDS.sleep(seconds);
    running.set(false);
    long elapsed = System.nanoTime() - start;
    int errors = failedToConnect;
    long[] latencies = new long[0];
    for (Echoes e : all) {
      e.stop();
      errors += e.error == null ? 0 : 1;
      long[] mine = Arrays.copyOf(e.latencies, e.count);
      long[] merged = Arrays.copyOf(latencies, latencies.length + mine.length);
      System.arraycopy(mine, 0, merged, latencies.length, mine.length);
      latencies = merged;
    }
    Arrays.sort(latencies);
    int n = latencies.length;
    System.out.printf(
        Locale.ROOT,
        "RESULT requests=%d duration_us=%d rps=%.1f p50_us=%d p99_us=%d max_us=%d connect=%d read=%d write=0 status=0 timeout=0%n",
        n,
        elapsed / 1000,
        n / (elapsed / 1e9),
        n == 0 ? 0 : latencies[n / 2] / 1000,
        n == 0 ? 0 : latencies[Math.min(n - 1, (int) (n * 0.99))] / 1000,
        n == 0 ? 0 : latencies[n - 1] / 1000,
        failedToConnect,
        errors - failedToConnect);
    System.exit(0); // the JDK client's threads are not daemons
  }

  /** One WebSocket: a message out, its echo back, again, until stopped. */
  private static final class Echoes implements WebSocket.Listener {
    private final String message;
    private final AtomicBoolean running;
    private final StringBuilder received = new StringBuilder();
    private @Nullable WebSocket socket;
    private long sentAt;
    long[] latencies = new long[1 << 16];
    int count;
    volatile @Nullable Throwable error;
    private final CompletableFuture<Void> done = new CompletableFuture<>();

    Echoes(String message, AtomicBoolean running) {
      this.message = message;
      this.running = running;
    }

    @Override
    public void onOpen(WebSocket webSocket) {
      this.socket = webSocket;
      webSocket.request(1);
    }

    void start() {
      send();
    }

    private void send() {
      WebSocket s = socket;
      if (s == null || !running.get()) {
        done.complete(null);
        return;
      }
      sentAt = System.nanoTime();
      s.sendText(message, true).exceptionally(this::failed);
    }

    @Override
    public @Nullable CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      received.append(data);
      webSocket.request(1);
      if (last) {
        if (received.length() != message.length()) {
          failed(new IllegalStateException("echo of " + received.length() + " characters, sent " + message.length()));
          return null;
        }
        received.setLength(0);
        if (count == latencies.length) {
          latencies = Arrays.copyOf(latencies, count * 2);
        }
        latencies[count++] = System.nanoTime() - sentAt;
        send();
      }
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable e) {
      failed(e);
    }

    private @Nullable WebSocket failed(Throwable e) {
      error = e;
      done.complete(null);
      return null;
    }

    void stop() throws Exception {
      done.get(10, TimeUnit.SECONDS);
      WebSocket s = socket;
      if (s != null) {
        s.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(10, TimeUnit.SECONDS);
      }
    }
  }
}
