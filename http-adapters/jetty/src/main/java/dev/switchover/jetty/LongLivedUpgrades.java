package dev.switchover.jetty;

import dev.switchover.Admission;
import dev.switchover.LongLivedConnection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.TunnelSupport;
import org.jspecify.annotations.Nullable;

/**
 * The upgraded connections of one {@link SwitchoverHandler}: each WebSocket over HTTP/1.1 becomes
 * a {@link LongLivedConnection} when its workspace answers 101, each WebSocket over HTTP/2 (RFC
 * 8441, an extended {@code CONNECT}) when its workspace answers 200 and takes the stream over as a
 * tunnel; each ends when the connection the upgrade put on its end point (the stream's tunnel, for
 * HTTP/2) closes. Jetty's WebSocket server adds the connector's {@link Connection.Listener}s to
 * the connection it makes, so one listener per connector sees every upgraded connection close,
 * whatever handler upgraded it.
 *
 * <p>When the grace of its workspace ends, a connection is closed by the closer its endpoint left
 * in the request ({@link SwitchoverHandler#closeOnGraceEnd}: a WebSocket close 1001), or else by
 * closing its end point.
 */
final class LongLivedUpgrades implements Connection.Listener {
  /** The request attribute that holds where an endpoint leaves its closer. */
  static final String GRACE_CLOSER = LongLivedUpgrades.class.getName() + ".graceCloser";

  /** The upgraded end points, with the connection that carried the upgrade request. */
  private final Map<EndPoint, Upgraded> upgraded = new ConcurrentHashMap<>();
  private final Set<Connector> listenedTo = ConcurrentHashMap.newKeySet();

  /**
   * Prepares a request that asks for a WebSocket: a place for its endpoint's closer, and this
   * listener on its connector. Does nothing for other requests.
   */
  void prepare(Request request) {
    if (!isWebSocket(request) && !isWebSocketOverHttp2(request)) {
      return;
    }
    request.setAttribute(GRACE_CLOSER, new AtomicReference<@Nullable Runnable>());
    Connector connector = request.getConnectionMetaData().getConnector();
    if (listenedTo.add(connector)) {
      connector.addEventListener(this);
    }
  }

  /**
   * Whether the request asks to be upgraded to a WebSocket. (Here, not in {@link
   * UpstreamWebSocket}, so that no request loads the WebSocket classes until one is bridged.)
   */
  static boolean isWebSocket(Request request) {
    String upgrade = request.getHeaders().get(HttpHeader.UPGRADE);
    return upgrade != null && upgrade.trim().equalsIgnoreCase("websocket");
  }

  /** Whether the request asks for a WebSocket over HTTP/2: an extended {@code CONNECT} (RFC 8441). */
  static boolean isWebSocketOverHttp2(Request request) {
    if (!HttpMethod.CONNECT.is(request.getMethod())) {
      return false;
    }
    TunnelSupport tunnel = request.getTunnelSupport();
    return tunnel != null && "websocket".equalsIgnoreCase(tunnel.getProtocol());
  }

  /**
   * Whether the request's answer was an upgrade this tracks: then its admission has become a
   * long-lived connection (and is not to be closed as a request's).
   */
  boolean tookOver(Request request, int status, Admission admission) {
    if (!(request.getAttribute(GRACE_CLOSER) instanceof AtomicReference<?> closer)) {
      return false;
    }
    Connection connection = request.getConnectionMetaData().getConnection();
    EndPoint endPoint;
    TunnelSupport tunnel = request.getTunnelSupport();
    if (status == HttpStatus.SWITCHING_PROTOCOLS_101) {
      endPoint = connection.getEndPoint();
    } else if (status == HttpStatus.OK_200 && tunnel != null && isWebSocketOverHttp2(request)) {
      // The WebSocket runs on the stream's tunnel end point; the HTTP/2 connection goes on.
      endPoint = tunnel.getEndPoint();
    } else {
      return false;
    }
    LongLivedConnection longLived =
        admission.longLived(
            () -> {
              if (closer.get() instanceof Runnable endpoints) {
                endpoints.run();
              } else {
                endPoint.close();
              }
            });
    upgraded.put(endPoint, new Upgraded(connection, longLived));
    if (!endPoint.isOpen()) {
      ended(endPoint);
    }
    return true;
  }

  /** Sets the closer of an upgraded request's endpoint; see {@link SwitchoverHandler#closeOnGraceEnd}. */
  static void closer(Request request, Runnable closer) {
    if (request.getAttribute(GRACE_CLOSER) instanceof AtomicReference<?> slot) {
      @SuppressWarnings("unchecked") // only prepare() sets the attribute
      AtomicReference<@Nullable Runnable> s = (AtomicReference<@Nullable Runnable>) slot;
      s.set(closer);
    }
  }

  @Override
  public void onClosed(Connection connection) {
    Upgraded u = upgraded.get(connection.getEndPoint());
    // The connection that carried the upgrade request closes at the upgrade itself, its end point
    // still open; closed with its end point, the upgrade never took place.
    if (u != null && (u.requestConnection != connection || !connection.getEndPoint().isOpen())) {
      ended(connection.getEndPoint());
    }
  }

  private void ended(EndPoint endPoint) {
    Upgraded u = upgraded.remove(endPoint);
    if (u != null) {
      u.longLived.close();
    }
  }

  private record Upgraded(Connection requestConnection, LongLivedConnection longLived) {}
}
