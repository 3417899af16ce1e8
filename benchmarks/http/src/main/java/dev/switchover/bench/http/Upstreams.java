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

/**
 * The two upstream workspaces, {@code blue} and {@code green}: one Jetty server with a loopback
 * connector per workspace, answering every request 200 with a body that is the workspace's name.
 * The handler is non-blocking and writes a prebuilt buffer, so the upstreams cost as little as a
 * real HTTP server can.
 *
 * <p>Usage: {@code Upstreams <bluePort> <greenPort>}
 */
public final class Upstreams {
  private Upstreams() {}

  /** Starts the upstreams and runs until killed. */
  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      throw new IllegalArgumentException("usage: Upstreams <bluePort> <greenPort>");
    }
    int bluePort = Loopback.port(args[0], "bluePort");
    int greenPort = Loopback.port(args[1], "greenPort");
    Server server = new Server();
    Loopback.addConnector(server, bluePort);
    Loopback.addConnector(server, greenPort);
    server.setHandler(new NameHandler(Map.of(bluePort, "blue", greenPort, "green")));
    server.start();
    System.out.printf("upstreams: blue on %d, green on %d%n", bluePort, greenPort);
    server.join();
  }

  /** Answers with the name of the workspace whose port the request came in on. */
  private static final class NameHandler extends Handler.Abstract.NonBlocking {
    private final Map<Integer, ByteBuffer> bodies;

    NameHandler(Map<Integer, String> names) {
      Map<Integer, ByteBuffer> b = new HashMap<>();
      names.forEach(
          (port, name) ->
              b.put(port, ByteBuffer.wrap(name.getBytes(StandardCharsets.US_ASCII)).asReadOnlyBuffer()));
      this.bodies = Map.copyOf(b);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      ByteBuffer body = bodies.get(Request.getLocalPort(request));
      if (body == null) {
        Response.writeError(request, response, callback, 500);
        return true;
      }
      response.setStatus(200);
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
      response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.remaining());
      response.write(true, body.slice(), callback);
      return true;
    }
  }
}
