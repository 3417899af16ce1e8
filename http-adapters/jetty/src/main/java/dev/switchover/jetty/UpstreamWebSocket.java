package dev.switchover.jetty;

import dev.switchover.Admission;
import dev.switchover.RequestOutcome;
import dev.switchover.http.internal.ForwardingHeaders;
import dev.switchover.http.internal.UpstreamBase;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.websocket.core.CloseStatus;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.OpCode;
import org.eclipse.jetty.websocket.core.WebSocketComponents;
import org.eclipse.jetty.websocket.core.client.CoreClientUpgradeRequest;
import org.eclipse.jetty.websocket.core.client.UpgradeListener;
import org.eclipse.jetty.websocket.core.client.WebSocketCoreClient;
import org.eclipse.jetty.websocket.core.exception.UpgradeException;
import org.eclipse.jetty.websocket.core.server.Handshaker;
import org.eclipse.jetty.websocket.core.server.ServerUpgradeRequest;
import org.eclipse.jetty.websocket.core.server.ServerUpgradeResponse;
import org.eclipse.jetty.websocket.core.server.WebSocketNegotiator;
import org.eclipse.jetty.websocket.core.server.WebSocketServerComponents;
import org.jspecify.annotations.Nullable;

/**
 * WebSockets to upstream workspaces, bridged with Jetty's own WebSocket client and server (the
 * websocket-core API): the adapter connects to the upstream first, with the client's path,
 * query, fields and subprotocols (so that an upstream's refusal, a 401 or 403 say, reaches the
 * client with its status and fields and counts as that answer, an upstream that cannot be reached
 * or does not speak WebSocket is answered 502, one that takes longer than the upstream timeout
 * 504, and the client gets the subprotocol the upstream chose), then accepts the client's upgrade and relays frames both ways as they come: text,
 * binary and continuation frames (a fragmented message stays fragmented), pings and pongs (each
 * answered by the real peer), and close frames with their code and reason. A side reads its next
 * frame only once the last one has been written to the other side: a slow reader holds up the
 * writer (backpressure) instead of filling memory.
 *
 * <p>Relaying frames, not bytes, is what lets the router end a bridged WebSocket cleanly when its
 * grace ends: a close frame 1001 "going away" to both sides, between two frames. A managed bean
 * of the handler; its client is started with it.
 */
final class UpstreamWebSocket extends ContainerLifeCycle {
  private static final int GOING_AWAY = CloseStatus.SHUTDOWN;

  private final WebSocketCoreClient client = new WebSocketCoreClient();
  private final long timeoutMillis;

  UpstreamWebSocket(long timeoutMillis) {
    this.timeoutMillis = timeoutMillis;
    addManaged(client);
  }

  /** Bridges the request's WebSocket to {@code base}; answers the request either way. */
  boolean bridge(Request request, Response response, Callback callback, UpstreamBase base, @Nullable Admission admission)
      throws Exception {
    WebSocketComponents components = WebSocketServerComponents.ensureWebSocketComponents(request.getConnectionMetaData().getConnector().getServer());
    Side clientSide = new Side("client");
    Side upstreamSide = new Side("upstream");
    clientSide.other = upstreamSide;
    upstreamSide.other = clientSide;
    WebSocketNegotiator negotiator =
        new WebSocketNegotiator() {
          @Override
          public @Nullable FrameHandler negotiate(ServerUpgradeRequest upgrade, ServerUpgradeResponse answer, Callback cb) {
            CoreSession upstream = connect(upgrade, base, upstreamSide, answer, cb, admission);
            if (upstream == null) {
              return null; // answered
            }
            String subprotocol = upstream.getNegotiatedSubProtocol();
            if (subprotocol != null && !subprotocol.isEmpty()) {
              answer.setAcceptedSubProtocol(subprotocol);
            }
            answer.setExtensions(List.of()); // frames go through as they are: no compression here
            LongLivedUpgrades.closer(
                request,
                () -> {
                  clientSide.close(GOING_AWAY, "going away");
                  upstreamSide.close(GOING_AWAY, "going away");
                });
            return clientSide;
          }

          @Override
          public void customize(org.eclipse.jetty.websocket.core.Configuration configuration) {
            configuration.setMaxFrameSize(64 * 1024);
            configuration.setAutoFragment(true);
          }
        };
    return Handshaker.newInstance().upgradeRequest(negotiator, request, response, callback, components, null);
  }

  /**
   * Connects to the upstream; null, with the request answered, if that fails: with the upstream's
   * own status and fields if it refused the handshake (see {@link #refused}), 502 if it could not
   * be reached or did not speak WebSocket, 504 if it took longer than the timeout.
   */
  private @Nullable CoreSession connect(
      ServerUpgradeRequest upgrade,
      UpstreamBase base,
      Side upstreamSide,
      ServerUpgradeResponse answer,
      Callback callback,
      @Nullable Admission admission) {
    String query = upgrade.getHttpURI().getQuery();
    String target = base.target(upgrade.getHttpURI().getPath(), query);
    URI uri = URI.create((base.scheme().equals("https") ? "wss" : "ws") + target.substring(target.indexOf(':')));
    CoreClientUpgradeRequest request = CoreClientUpgradeRequest.from(client, uri, upstreamSide);
    request.setSubProtocols(upgrade.getSubProtocols());
    request.timeout(timeoutMillis, TimeUnit.MILLISECONDS);
    HttpFields fields = forwardedFields(upgrade);
    request.headers(h -> h.add(fields));
    // The upstream's answer, kept so that a refusal can be passed on with its fields.
    AtomicReference<org.eclipse.jetty.client.@Nullable Response> upstreamAnswer = new AtomicReference<>();
    request.addListener(
        new UpgradeListener() {
          @Override
          public void onHandshakeResponse(org.eclipse.jetty.client.Request sent, org.eclipse.jetty.client.Response received) {
            upstreamAnswer.set(received);
          }
        });
    CompletableFuture<CoreSession> connecting;
    try {
      connecting = client.connect(request);
      return connecting.get(timeoutMillis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return failed(upgrade, answer, callback, admission, HttpStatus.BAD_GATEWAY_502);
    } catch (TimeoutException e) {
      return failed(upgrade, answer, callback, admission, HttpStatus.GATEWAY_TIMEOUT_504);
    } catch (ExecutionException | java.io.IOException | RuntimeException e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      org.eclipse.jetty.client.Response received = upstreamAnswer.get();
      if (cause instanceof UpgradeException && received != null && isRefusal(received.getStatus())) {
        return refused(received, answer, callback);
      }
      // Jetty's client reports its own timeout inside an UpgradeException.
      boolean timedOut = false;
      for (Throwable c = cause; c != null && !timedOut; c = c.getCause()) {
        timedOut = c instanceof TimeoutException;
      }
      return failed(
          upgrade, answer, callback, admission, timedOut ? HttpStatus.GATEWAY_TIMEOUT_504 : HttpStatus.BAD_GATEWAY_502);
    }
  }

  /**
   * Whether an upstream's answer to a handshake is a refusal to pass on (a redirect, a client
   * error such as 401 or 403, or a server error), rather than a sign that it does not speak
   * WebSocket at all (a 2xx: it took the upgrade for an ordinary request), which is 502.
   */
  static boolean isRefusal(int status) {
    return status >= 300 && status <= 599;
  }

  /**
   * Answers the client with the status and fields of the upstream's refusal, without its body
   * (Jetty's WebSocket client does not keep it). The request's admission records that status
   * when the response completes, as for any proxied answer: a 4xx is no failure of the workspace.
   */
  private static @Nullable CoreSession refused(
      org.eclipse.jetty.client.Response received, ServerUpgradeResponse answer, Callback callback) {
    HttpFields upstreamFields = received.getHeaders();
    Set<String> dropped =
        ForwardingHeaders.notForwardedFromARefusedUpgrade(upstreamFields.getValuesList(HttpHeader.CONNECTION));
    answer.setStatus(received.getStatus());
    HttpFields.Mutable out = answer.getHeaders();
    for (HttpField field : upstreamFields) {
      if (!dropped.contains(field.getLowerCaseName())) {
        out.add(field);
      }
    }
    out.put(HttpHeader.CONTENT_LENGTH, 0L);
    answer.write(true, null, callback);
    return null;
  }

  private static @Nullable CoreSession failed(
      Request request, Response response, Callback callback, @Nullable Admission admission, int status) {
    if (admission != null) {
      admission.failed(status == HttpStatus.GATEWAY_TIMEOUT_504 ? RequestOutcome.GATEWAY_TIMEOUT : RequestOutcome.BAD_GATEWAY);
    }
    Response.writeError(request, response, callback, status);
    return null;
  }

  /** The client's request fields for the upstream, with the forwarding fields every adapter adds. */
  private static HttpFields forwardedFields(Request request) {
    HttpFields.Mutable out = HttpFields.build();
    HttpFields in = request.getHeaders();
    Set<String> hop = ForwardingHeaders.hopByHopFields(in.getValuesList(HttpHeader.CONNECTION));
    for (HttpField field : in) {
      String lower = field.getLowerCaseName();
      if (!ForwardingHeaders.NOT_FORWARDED_TO_A_WEBSOCKET.contains(lower) && !hop.contains(lower.toLowerCase(Locale.ROOT))) {
        out.add(field);
      }
    }
    String host = in.get(HttpHeader.HOST);
    if (host != null) {
      out.put(HttpHeader.HOST, host);
    }
    ForwardingHeaders.of(
            Request.getRemoteAddr(request),
            host,
            request.getHttpURI().getScheme(),
            request.getConnectionMetaData().getProtocol(),
            Request.getLocalPort(request),
            in.getValuesList(HttpHeader.FORWARDED),
            in.getValuesList(HttpHeader.VIA),
            in.getValuesList(HttpHeader.X_FORWARDED_FOR))
        .forEachField(
            (name, value) -> {
              if (value != null) {
                out.put(name, value);
              }
            });
    return out;
  }

  /** One side of a bridge: what it receives goes to the other side. */
  private static final class Side implements FrameHandler {
    private final String name;
    private final CompletableFuture<CoreSession> session = new CompletableFuture<>();
    @Nullable Side other;

    Side(String name) {
      this.name = name;
    }

    @Override
    public void onOpen(CoreSession coreSession, Callback callback) {
      session.complete(coreSession);
      callback.succeeded();
      // A side reads once both are open: the upstream opens first, before the client's upgrade.
      Side o = requireOther();
      var unused = o.session.thenAccept(peer -> coreSession.demand());
    }

    @Override
    public void onFrame(Frame frame, Callback callback) {
      CoreSession self = session.join();
      CoreSession peer = requireOther().session.join();
      if (frame.getOpCode() == OpCode.CLOSE) {
        // The close goes on with its code and reason; the session answers this side's close.
        CloseStatus status = CloseStatus.getCloseStatus(frame);
        peer.close(status.getCode(), status.getReason(), Callback.NOOP);
        callback.succeeded();
        return;
      }
      // A new frame: this side's payload is unmasked, and the other side masks it if it must.
      Frame copy = new Frame(frame.getOpCode(), frame.isFin(), frame.getPayload());
      peer.sendFrame(
          copy,
          Callback.from(
              () -> {
                callback.succeeded();
                self.demand();
              },
              failure -> {
                callback.failed(failure);
                peer.abort();
              }),
          false);
    }

    @Override
    public void onError(Throwable cause, Callback callback) {
      callback.succeeded();
    }

    @Override
    public void onClosed(CloseStatus closeStatus, Callback callback) {
      callback.succeeded();
      Side o = other;
      CoreSession peer = o == null ? null : o.session.getNow(null);
      if (peer != null && peer.isOutputOpen()) {
        if (closeStatus.isAbnormal() || !CloseStatus.isTransmittableStatusCode(closeStatus.getCode())) {
          peer.abort();
        } else {
          peer.close(closeStatus.getCode(), closeStatus.getReason(), Callback.NOOP);
        }
      }
    }

    void close(int code, String reason) {
      CoreSession s = session.getNow(null);
      if (s != null && s.isOutputOpen()) {
        s.close(code, reason, Callback.NOOP);
      }
    }

    private Side requireOther() {
      Side o = other;
      if (o == null) {
        throw new IllegalStateException("a bridge side without its other side: " + name);
      }
      return o;
    }

    @Override
    public String toString() {
      return "UpstreamWebSocket.Side{" + name + "}";
    }
  }
}
