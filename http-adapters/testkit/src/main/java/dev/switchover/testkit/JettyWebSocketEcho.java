package dev.switchover.testkit;

import java.nio.ByteBuffer;
import java.util.OptionalInt;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;
import java.util.function.BiConsumer;

/**
 * {@link WebSocketEcho} as a Jetty WebSocket endpoint (Jetty's own API): the upstream WebSocket
 * workspace, and the Jetty adapter's in-process one. Jetty answers pings itself.
 */
public final class JettyWebSocketEcho extends Session.Listener.AbstractAutoDemanding {
  private final String workspace;

  /** An endpoint of {@code workspace}. */
  public JettyWebSocketEcho(String workspace) {
    this.workspace = workspace;
  }

  /**
   * A handler that upgrades every WebSocket request of {@code server} to an echo endpoint of
   * {@code workspace}, and passes any other request to {@code next}.
   */
  public static WebSocketUpgradeHandler handler(Server server, String workspace, Handler next) {
    return handler(server, workspace, next, (request, closer) -> {});
  }

  /**
   * As {@link #handler(Server, String, Handler)}, telling {@code onGraceEnd}, for each upgrade
   * request, how to close its WebSocket with 1001 "going away" (an adapter's hook for in-process
   * endpoints).
   */
  public static WebSocketUpgradeHandler handler(
      Server server, String workspace, Handler next, BiConsumer<Request, Runnable> onGraceEnd) {
    WebSocketUpgradeHandler upgrades =
        WebSocketUpgradeHandler.from(
            server,
            container -> {
              container.setMaxTextMessageSize(64L * 1024 * 1024);
              container.setMaxBinaryMessageSize(64L * 1024 * 1024);
              container.addMapping(
                  "/*",
                  (request, response, callback) -> {
                    if (request.getSubProtocols().contains(WebSocketEcho.SUBPROTOCOL)) {
                      response.setAcceptedSubProtocol(WebSocketEcho.SUBPROTOCOL);
                    }
                    JettyWebSocketEcho endpoint = new JettyWebSocketEcho(workspace);
                    onGraceEnd.accept(
                        request,
                        () -> {
                          Session session = endpoint.getSession();
                          if (session != null) {
                            session.close(1001, "going away", Callback.NOOP);
                          }
                        });
                    return endpoint;
                  });
            });
    upgrades.setHandler(next);
    return upgrades;
  }

  @Override
  public void onWebSocketText(String message) {
    Session session = getSession();
    OptionalInt close = WebSocketEcho.closeAsked(message);
    if (close.isPresent()) {
      session.close(close.getAsInt(), WebSocketEcho.CLOSE_REASON, Callback.NOOP);
    } else {
      session.sendText(WebSocketEcho.reply(workspace, message), Callback.NOOP);
    }
  }

  @Override
  public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
    ByteBuffer copy = ByteBuffer.allocate(payload.remaining()).put(payload).flip();
    callback.succeed();
    getSession().sendBinary(copy, Callback.NOOP);
  }
}
