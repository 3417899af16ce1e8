package dev.switchover.testkit;

import static java.util.Objects.requireNonNull;

import dev.switchover.rawhttp.RawResponse;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * The application a workspace runs in the conformance suite, independent of any server: it names
 * itself in every answer, so that a test can tell which workspace served a request, and echoes
 * what it received. Adapters bridge it into their in-process handler type; a {@link
 * WorkspaceServer} serves it as an upstream.
 *
 * <p>The query selects a behaviour: {@code hold=<id>} waits for the {@link #gate gate} of that id
 * to open; {@code delay=<ms>} answers after that long (a slow request); {@code fail=sync} throws
 * from {@link #serve}, {@code fail=async} completes the answer exceptionally; {@code echo} answers
 * the request body itself; {@code set-cookie=<name>} sets that cookie (to {@code from-app}) with an
 * empty body. Otherwise the body is {@code name=value} lines describing the request
 * (see {@link RawResponse#echo()}), or nothing with {@code empty}; the status is the one {@code
 * status=<code>} names, 200 without it. Every answer carries {@value #WORKSPACE_HEADER}.
 *
 * <p>Once {@link #stop() stopped} (its server "shut down"), the app answers 500 and counts the
 * request, so that a test can prove no request reached a stopped workspace. Thread-safe; {@link
 * #serve} never blocks.
 */
public final class WorkspaceApp {
  /** The response header that names the workspace that served a request. */
  public static final String WORKSPACE_HEADER = RawResponse.WORKSPACE_HEADER;

  private static final ScheduledExecutorService TIMER =
      Executors.newScheduledThreadPool(
          2,
          r -> {
            Thread t = new Thread(r, "workspace-app-timer");
            t.setDaemon(true);
            return t;
          });

  private final String name;
  private final Map<String, Gate> gates = new ConcurrentHashMap<>();
  private final AtomicLong served = new AtomicLong();
  private final AtomicLong servedAfterStop = new AtomicLong();
  private volatile boolean stopped;

  private WorkspaceApp(String name) {
    this.name = requireNonNull(name, "name");
  }

  /** An app that names itself {@code name} in every answer. */
  public static WorkspaceApp named(String name) {
    return new WorkspaceApp(name);
  }

  /** The name this app answers with. */
  public String name() {
    return name;
  }

  /** The gate with this id (created on first use). */
  public Gate gate(String id) {
    return gates.computeIfAbsent(id, Gate::new);
  }

  /** Marks the app stopped: later requests are answered 500 and counted. */
  public void stop() {
    stopped = true;
  }

  /** How many requests reached the app after {@link #stop()}: zero in a correct adapter. */
  public long servedAfterStop() {
    return servedAfterStop.get();
  }

  /** How many requests the app has answered or is answering. */
  public long served() {
    return served.get();
  }

  /**
   * Serves one request. The returned future completes with the answer, possibly later and on
   * another thread.
   *
   * @throws IllegalStateException for {@code fail=sync}, on purpose
   */
  public CompletableFuture<AppResponse> serve(AppRequest request) {
    served.incrementAndGet();
    if (stopped) {
      servedAfterStop.incrementAndGet();
      return CompletableFuture.completedFuture(
          AppResponse.text(500, name, "workspace " + name + " is stopped\n"));
    }
    String query = request.query();
    String fail = parameter(query, "fail");
    if ("sync".equals(fail)) {
      throw new IllegalStateException("workspace " + name + " fails on purpose");
    }
    if ("async".equals(fail)) {
      return CompletableFuture.supplyAsync(
          () -> {
            throw new IllegalStateException("workspace " + name + " fails on purpose, later");
          },
          TIMER);
    }
    CompletableFuture<Void> ready = CompletableFuture.completedFuture(null);
    String hold = parameter(query, "hold");
    if (hold != null) {
      ready = gate(hold).arrive();
    }
    String delay = parameter(query, "delay");
    if (delay != null) {
      long millis = Long.parseLong(delay);
      ready =
          ready.thenCompose(
              v -> {
                CompletableFuture<Void> later = new CompletableFuture<>();
                var unused =
                    TIMER.schedule(() -> later.complete(null), millis, TimeUnit.MILLISECONDS);
                return later;
              });
    }
    return ready.thenApply(v -> answer(request, query));
  }

  private AppResponse answer(AppRequest request, String query) {
    String status = parameter(query, "status");
    int code = status == null ? 200 : Integer.parseInt(status);
    if (parameter(query, "empty") != null) {
      return new AppResponse(code, Map.of(WORKSPACE_HEADER, name), new byte[0]);
    }
    String setCookie = parameter(query, "set-cookie");
    if (setCookie != null) {
      return new AppResponse(code, Map.of(WORKSPACE_HEADER, name, "Set-Cookie", setCookie + "=from-app; Path=/"), new byte[0]);
    }
    if (parameter(query, "echo") != null) {
      return new AppResponse(
          200,
          Map.of(WORKSPACE_HEADER, name, "Content-Type", "application/octet-stream"),
          request.body());
    }
    StringBuilder text = new StringBuilder(256);
    line(text, "workspace", name);
    line(text, "method", request.method());
    line(text, "target", request.target());
    line(text, "server-name", request.serverName());
    line(text, "canonical", request.canonicalPath());
    line(text, "host", request.header("Host"));
    line(text, "forwarded", request.header("Forwarded"));
    line(text, "x-forwarded-for", request.header("X-Forwarded-For"));
    line(text, "x-forwarded-proto", request.header("X-Forwarded-Proto"));
    line(text, "x-forwarded-host", request.header("X-Forwarded-Host"));
    line(text, "x-forwarded-port", request.header("X-Forwarded-Port"));
    line(text, "x-forwarded-server", request.header("X-Forwarded-Server"));
    line(text, "via", request.header("Via"));
    line(text, "body-length", Integer.toString(request.bodyLength()));
    return AppResponse.text(code, name, text.toString());
  }

  private static void line(StringBuilder text, String key, @Nullable String value) {
    text.append(key).append('=').append(value == null ? "-" : value).append('\n');
  }

  /** The value of a query parameter (the empty string if it has none), or null if absent. */
  static @Nullable String parameter(String query, String key) {
    int start = 0;
    while (start <= query.length()) {
      int end = query.indexOf('&', start);
      if (end < 0) {
        end = query.length();
      }
      int eq = query.indexOf('=', start);
      int keyEnd = eq >= 0 && eq < end ? eq : end;
      if (query.regionMatches(start, key, 0, key.length()) && keyEnd - start == key.length()) {
        return keyEnd == end ? "" : query.substring(keyEnd + 1, end);
      }
      start = end + 1;
    }
    return null;
  }

  @Override
  public String toString() {
    return "WorkspaceApp{" + name + (stopped ? ", stopped" : "") + "}";
  }
}
