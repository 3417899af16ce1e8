package dev.switchover.bench.http;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;
import org.jspecify.annotations.Nullable;

/**
 * The two upstream workspaces, {@code blue} and {@code green}: one Jetty server with a loopback
 * connector per workspace, answering every request 200 with a body that is the workspace's name.
 * The handler is non-blocking and writes a prebuilt buffer, so the upstreams cost as little as a
 * real HTTP server can.
 *
 * <p>Each workspace also records its {@link Onsets}, and a control endpoint on a third loopback
 * connector of the same server tells the {@link Switcher} when a workspace started serving: {@code GET
 * /onset?workspace=green&after=<nanoTime>} answers {@code onset_ns=<t> previous_ns=<p>} for the
 * first onset at or after that time ({@code previous_ns=none} for the workspace's first request
 * ever), or {@code onset_ns=none}.
 *
 * <p>With the system property {@value #WEBSOCKET} set, a WebSocket upgrade to either workspace is
 * answered by an endpoint that echoes every message ({@link WsRate}'s load).
 *
 * <p>Usage: {@code Upstreams <bluePort> <greenPort> <controlPort>}
 */
public final class Upstreams {
  /** The system property (run.sh's {@code PROTOCOL=ws}) that makes each workspace a WebSocket echo too. */
  static final String WEBSOCKET = "switchover.bench.websocket";

  private Upstreams() {}

  /** Starts the upstreams and runs until killed. */
  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      throw new IllegalArgumentException("usage: Upstreams <bluePort> <greenPort> <controlPort>");
    }
    int bluePort = Loopback.port(args[0], "bluePort");
    int greenPort = Loopback.port(args[1], "greenPort");
    int controlPort = Loopback.port(args[2], "controlPort");
    Map<String, Onsets> onsets = Map.of("blue", new Onsets(), "green", new Onsets());
    Server server = new Server();
    Loopback.addConnector(server, bluePort);
    Loopback.addConnector(server, greenPort);
    Loopback.addConnector(server, controlPort);
    Handler names = new NameHandler(Map.of(bluePort, "blue", greenPort, "green"), onsets, controlPort);
    server.setHandler(Boolean.getBoolean(WEBSOCKET) ? Echo.handler(server, names) : names);
    server.start();
    System.out.printf("upstreams: blue on %d, green on %d, control on %d%n", bluePort, greenPort, controlPort);
    server.join();
  }

  /** The control endpoint's answer to {@code /onset?query}: a status and a body. */
  private static Map.Entry<Integer, String> onset(@Nullable String rawQuery, Map<String, Onsets> onsets) {
    Map<String, String> query = new HashMap<>();
    for (String pair : rawQuery == null ? new String[0] : rawQuery.split("&", -1)) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        query.put(pair.substring(0, eq), pair.substring(eq + 1));
      }
    }
    @Nullable Onsets workspace = onsets.get(query.getOrDefault("workspace", ""));
    long time;
    try {
      time = Long.parseLong(query.getOrDefault("after", ""));
    } catch (NumberFormatException e) {
      workspace = null;
      time = 0;
    }
    if (workspace == null) {
      return Map.entry(400, "expected /onset?workspace=blue|green&after=<nanoTime>");
    }
    Onsets.@Nullable Onset onset = workspace.firstAtOrAfter(time);
    if (onset == null) {
      return Map.entry(200, "onset_ns=none");
    }
    Long previous = onset.previous();
    return Map.entry(200, "onset_ns=" + onset.at() + " previous_ns=" + (previous == null ? "none" : previous));
  }

  /**
   * Answers with the name of the workspace whose port the request came in on, and records its
   * arrival in that workspace's {@link Onsets}; on the control port, answers {@code /onset}.
   */
  private static final class NameHandler extends Handler.Abstract.NonBlocking {
    private final Map<Integer, ByteBuffer> bodies;
    private final Map<Integer, Onsets> onsets;
    private final Map<String, Onsets> onsetsByName;
    private final int controlPort;

    NameHandler(Map<Integer, String> names, Map<String, Onsets> onsetsByName, int controlPort) {
      this.onsetsByName = onsetsByName;
      this.controlPort = controlPort;
      Map<Integer, ByteBuffer> b = new HashMap<>();
      Map<Integer, Onsets> o = new HashMap<>();
      names.forEach(
          (port, name) -> {
            b.put(port, ByteBuffer.wrap(name.getBytes(StandardCharsets.US_ASCII)).asReadOnlyBuffer());
            o.put(port, onsetsByName.get(name));
          });
      this.bodies = Map.copyOf(b);
      this.onsets = Map.copyOf(o);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      int port = Request.getLocalPort(request);
      ByteBuffer body = bodies.get(port);
      Onsets arrivals = onsets.get(port);
      if (body == null || arrivals == null) {
        if (port == controlPort && "/onset".equals(request.getHttpURI().getPath())) {
          Map.Entry<Integer, String> answer = onset(request.getHttpURI().getQuery(), onsetsByName);
          response.setStatus(answer.getKey());
          response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
          response.write(true, ByteBuffer.wrap(answer.getValue().getBytes(StandardCharsets.UTF_8)), callback);
        } else {
          Response.writeError(request, response, callback, 404);
        }
        return true;
      }
      arrivals.arrived();
      response.setStatus(200);
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
      response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.remaining());
      response.write(true, body.slice(), callback);
      return true;
    }
  }

  /** A WebSocket endpoint that sends every message back as it came; public, for Jetty to call. */
  public static final class Echo extends Session.Listener.AbstractAutoDemanding {
    static Handler handler(Server server, Handler next) {
      WebSocketUpgradeHandler upgrades =
          WebSocketUpgradeHandler.from(server, container -> container.addMapping("/*", (rq, rs, cb) -> new Echo()));
      upgrades.setHandler(next);
      return upgrades;
    }

    /** Made by {@link #handler} only. */
    Echo() {}

    @Override
    public void onWebSocketText(String message) {
      getSession().sendText(message, org.eclipse.jetty.websocket.api.Callback.NOOP);
    }

    @Override
    public void onWebSocketBinary(ByteBuffer payload, org.eclipse.jetty.websocket.api.Callback callback) {
      ByteBuffer copy = ByteBuffer.allocate(payload.remaining()).put(payload).flip();
      callback.succeed();
      getSession().sendBinary(copy, org.eclipse.jetty.websocket.api.Callback.NOOP);
    }
  }
}
