package dev.switchover.servlet;

import dev.switchover.LongLivedConnection;
import dev.switchover.testkit.WebSocketEcho;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.Session;
import jakarta.websocket.server.ServerContainer;
import jakarta.websocket.server.ServerEndpointConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.jspecify.annotations.Nullable;

/**
 * {@link WebSocketEcho} as a Jakarta WebSocket endpoint that a workspace's servlet upgrades to
 * through its container ({@code ServerContainer.upgradeHttpToWebSocket}), made long-lived with
 * {@link SwitchoverFilter#longLived}. Public, as Jakarta WebSocket wants its endpoint classes.
 */
@SuppressWarnings("exports") // test code: public only for Jakarta WebSocket's check
public final class WorkspaceWebSocket extends Endpoint {
  private static final int MAX_MESSAGE = 64 * 1024 * 1024;

  private final String workspace;
  private volatile @Nullable Session session;
  private volatile Optional<LongLivedConnection> longLived = Optional.empty();

  private WorkspaceWebSocket(String workspace) {
    this.workspace = workspace;
  }

  /**
   * Upgrades the request to an echo endpoint of {@code workspace}, if the container has Jakarta
   * WebSocket; false, with nothing done, if it has not.
   */
  static boolean upgrade(HttpServletRequest request, HttpServletResponse response, String workspace) throws IOException {
    if (!(request.getServletContext().getAttribute(ServerContainer.class.getName()) instanceof ServerContainer container)) {
      return false;
    }
    WorkspaceWebSocket endpoint = new WorkspaceWebSocket(workspace);
    endpoint.longLived = SwitchoverFilter.longLived(request, endpoint::goAway);
    ServerEndpointConfig config =
        ServerEndpointConfig.Builder.create(WorkspaceWebSocket.class, "/")
            .subprotocols(List.of(WebSocketEcho.SUBPROTOCOL))
            .configurator(
                new ServerEndpointConfig.Configurator() {
                  @Override
                  public <T> T getEndpointInstance(Class<T> endpointClass) {
                    return endpointClass.cast(endpoint);
                  }
                })
            .build();
    try {
      container.upgradeHttpToWebSocket(request, response, config, Map.of());
    } catch (IOException | RuntimeException | jakarta.websocket.DeploymentException e) {
      endpoint.longLived.ifPresent(LongLivedConnection::close);
      throw new IOException("upgrade failed: " + e, e);
    }
    return true;
  }

  private void goAway() {
    Session s = session;
    if (s != null) {
      try {
        s.close(new CloseReason(CloseReason.CloseCodes.GOING_AWAY, "going away"));
      } catch (IOException e) {
        longLived.ifPresent(LongLivedConnection::close);
      }
    }
  }

  @Override
  public void onOpen(Session s, EndpointConfig config) {
    session = s;
    s.setMaxTextMessageBufferSize(MAX_MESSAGE);
    s.setMaxBinaryMessageBufferSize(MAX_MESSAGE);
    s.addMessageHandler(
        String.class,
        (MessageHandler.Whole<String>)
            text -> {
              OptionalInt close = WebSocketEcho.closeAsked(text);
              try {
                if (close.isPresent()) {
                  s.close(new CloseReason(CloseReason.CloseCodes.getCloseCode(close.getAsInt()), WebSocketEcho.CLOSE_REASON));
                } else {
                  s.getBasicRemote().sendText(WebSocketEcho.reply(workspace, text));
                }
              } catch (IOException e) {
                // the client went away
              }
            });
    s.addMessageHandler(
        ByteBuffer.class,
        (MessageHandler.Whole<ByteBuffer>)
            bytes -> {
              try {
                s.getBasicRemote().sendBinary(bytes);
              } catch (IOException e) {
                // the client went away
              }
            });
  }

  @Override
  public void onClose(Session s, CloseReason reason) {
    longLived.ifPresent(LongLivedConnection::close);
  }
}
