package dev.switchover.undertow;

import dev.switchover.Admission;
import dev.switchover.RequestOutcome;
import dev.switchover.http.internal.ForwardingHeaders;
import dev.switchover.http.internal.UpstreamBase;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.util.SameThreadExecutor;
import io.undertow.util.StatusCodes;
import io.undertow.websockets.WebSocketConnectionCallback;
import io.undertow.websockets.WebSocketProtocolHandshakeHandler;
import io.undertow.websockets.client.WebSocketClient;
import io.undertow.websockets.client.WebSocketClientNegotiation;
import io.undertow.websockets.core.AbstractReceiveListener;
import io.undertow.websockets.core.BufferedBinaryMessage;
import io.undertow.websockets.core.BufferedTextMessage;
import io.undertow.websockets.core.CloseMessage;
import io.undertow.websockets.core.WebSocketCallback;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;
import io.undertow.websockets.core.protocol.version13.Hybi13Handshake;
import io.undertow.websockets.spi.WebSocketHttpExchange;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.xnio.IoFuture;
import org.xnio.IoUtils;
import org.xnio.Pooled;

/**
 * A WebSocket to an upstream workspace, bridged with Undertow's own WebSocket client and server:
 * the adapter connects to the upstream first (so that a refused or failed upstream handshake is
 * answered 502, and the client gets the subprotocol the upstream chose), then accepts the
 * client's upgrade and relays messages both ways: text and binary (whole messages, so a message
 * sent in fragments arrives whole), pings and pongs (each answered by the real peer), and close
 * frames with their code and reason. Each side reads its next message only once the last one has
 * been handed on: a slow reader holds up the writer instead of filling memory.
 *
 * <p>Relaying messages, not bytes, is what lets the router end a bridged WebSocket cleanly when
 * its grace ends: a close frame 1001 "going away" to the client, between two messages, never in
 * the middle of one (Undertow's {@code ProxyHandler} would relay the raw bytes, where no frame can
 * be added).
 */
// Undertow's BufferedBinaryMessage still hands its data out as XNIO's deprecated Pooled.
@SuppressWarnings("deprecation")
final class UpstreamWebSocket {
  /** How long a side that was sent a close frame has to answer it before its connection is closed. */
  private static final long CLOSE_ANSWER_MILLIS = 5_000;
  /** The largest message the bridge buffers, either way. */
  static final long MAX_MESSAGE_BYTES = 64L * 1024 * 1024;

  private UpstreamWebSocket() {}

  /** Whether the request asks to be upgraded to a WebSocket. */
  static boolean isUpgrade(HttpServerExchange exchange) {
    String upgrade = exchange.getRequestHeaders().getFirst(Headers.UPGRADE);
    return upgrade != null && upgrade.trim().equalsIgnoreCase("websocket");
  }

  /** Connects to the upstream, then upgrades the client and relays until either side closes. */
  static void bridge(HttpServerExchange exchange, UpstreamBase base, Admission admission, long timeoutMillis) {
    String query = exchange.getQueryString();
    String target = base.target(exchange.getRequestURI(), query == null || query.isEmpty() ? null : query);
    URI uri = URI.create((base.scheme().equals("https") ? "wss" : "ws") + target.substring(target.indexOf(':')));
    Map<String, List<String>> headers = forwardedHeaders(exchange);
    List<String> subprotocols = new ArrayList<>();
    HeaderValues asked = exchange.getRequestHeaders().get(Headers.SEC_WEB_SOCKET_PROTOCOL);
    for (int i = 0; asked != null && i < asked.size(); i++) {
      String list = asked.get(i);
      for (int start = 0; start <= list.length(); ) {
        int comma = list.indexOf(',', start);
        int end = comma < 0 ? list.length() : comma;
        String p = list.substring(start, end).trim();
        if (!p.isEmpty()) {
          subprotocols.add(p);
        }
        start = end + 1;
      }
    }
    WebSocketClientNegotiation negotiation =
        new WebSocketClientNegotiation(subprotocols, List.of()) {
          @Override
          public void beforeRequest(Map<String, List<String>> request) {
            request.putAll(headers);
          }
        };
    exchange.dispatch(
        SameThreadExecutor.INSTANCE,
        () -> {
          IoFuture<WebSocketChannel> connecting =
              WebSocketClient.connectionBuilder(
                      exchange.getConnection().getWorker(), exchange.getConnection().getByteBufferPool(), uri)
                  .setClientNegotiation(negotiation)
                  .connect();
          exchange
              .getIoThread()
              .executeAfter(
                  () -> {
                    if (connecting.getStatus() == IoFuture.Status.WAITING) {
                      connecting.cancel();
                    }
                  },
                  timeoutMillis,
                  TimeUnit.MILLISECONDS);
          connecting.addNotifier(
              (future, ignored) -> {
                IoFuture.Status status = future.getStatus();
                if (status == IoFuture.Status.DONE) {
                  WebSocketChannel upstream;
                  try {
                    upstream = future.get();
                  } catch (IOException e) {
                    fail(exchange, admission, StatusCodes.BAD_GATEWAY);
                    return;
                  }
                  exchange.dispatch(
                      SameThreadExecutor.INSTANCE,
                      () -> accept(exchange, upstream, negotiation.getSelectedSubProtocol()));
                } else {
                  fail(exchange, admission, status == IoFuture.Status.CANCELLED
                      ? StatusCodes.GATEWAY_TIME_OUT
                      : StatusCodes.BAD_GATEWAY);
                }
              },
              null);
        });
  }

  private static void fail(HttpServerExchange exchange, Admission admission, int status) {
    admission.failed(status == StatusCodes.GATEWAY_TIME_OUT ? RequestOutcome.GATEWAY_TIMEOUT : RequestOutcome.BAD_GATEWAY);
    exchange.dispatch(
        SameThreadExecutor.INSTANCE,
        () -> {
          exchange.setStatusCode(status);
          exchange.setPersistent(false);
          exchange.endExchange();
        });
  }

  private static void accept(HttpServerExchange exchange, WebSocketChannel upstream, @Nullable String subprotocol) {
    WebSocketConnectionCallback connected =
        (WebSocketHttpExchange ws, WebSocketChannel client) -> {
          SwitchoverHttpHandler.closeOnGraceEnd(ws, client, upstream);
          relay(client, upstream);
          relay(upstream, client);
          client.addCloseTask(c -> closeAfter(upstream));
          upstream.addCloseTask(c -> closeAfter(client));
          client.resumeReceives();
          upstream.resumeReceives();
        };
    Set<String> protocols = subprotocol == null || subprotocol.isEmpty() ? Set.of() : Set.of(subprotocol);
    try {
      new WebSocketProtocolHandshakeHandler(List.of(new Hybi13Handshake(protocols, false)), connected)
          .handleRequest(exchange);
    } catch (Exception e) {
      IoUtils.safeClose(upstream);
      exchange.setStatusCode(StatusCodes.BAD_REQUEST);
      exchange.endExchange();
      return;
    }
    if (exchange.getStatusCode() != StatusCodes.SWITCHING_PROTOCOLS) {
      IoUtils.safeClose(upstream); // the client's handshake was refused
    }
  }

  /**
   * Closes the other side of a bridge whose one side has closed: at once, unless a close frame
   * was sent to it, whose answer it is then given a moment to send (Undertow closes the channel
   * when it arrives).
   */
  private static void closeAfter(WebSocketChannel other) {
    if (!other.isOpen()) {
      return;
    }
    if (other.isCloseFrameSent()) {
      other.getIoThread().executeAfter(() -> IoUtils.safeClose(other), CLOSE_ANSWER_MILLIS, TimeUnit.MILLISECONDS);
    } else {
      IoUtils.safeClose(other);
    }
  }

  /** Hands each message {@code from} one side on to the other, reading the next once it is sent. */
  private static void relay(WebSocketChannel from, WebSocketChannel to) {
    from.getReceiveSetter()
        .set(
            new AbstractReceiveListener() {
              // Whole messages are buffered: a larger one closes the WebSocket with 1009.
              @Override
              protected long getMaxTextBufferSize() {
                return MAX_MESSAGE_BYTES;
              }

              @Override
              protected long getMaxBinaryBufferSize() {
                return MAX_MESSAGE_BYTES;
              }

              @Override
              protected void onFullTextMessage(WebSocketChannel channel, BufferedTextMessage message) {
                channel.suspendReceives();
                WebSockets.sendText(message.getData(), to, resume(channel));
              }

              @Override
              protected void onFullBinaryMessage(WebSocketChannel channel, BufferedBinaryMessage message) {
                channel.suspendReceives();
                var data = message.getData();
                WebSockets.sendBinary(data.getResource(), to, resume(channel, data));
              }

              @Override
              protected void onFullPingMessage(WebSocketChannel channel, BufferedBinaryMessage message) {
                var data = message.getData();
                WebSockets.sendPing(data.getResource(), to, resume(channel, data));
              }

              @Override
              protected void onFullPongMessage(WebSocketChannel channel, BufferedBinaryMessage message) {
                var data = message.getData();
                WebSockets.sendPong(data.getResource(), to, resume(channel, data));
              }

              @Override
              protected void onFullCloseMessage(WebSocketChannel channel, BufferedBinaryMessage message) {
                var data = message.getData();
                try {
                  CloseMessage close = new CloseMessage(data.getResource());
                  int code = close.getCode();
                  String reason = close.getReason();
                  // The close goes on to the other side, and back to this one, with its code.
                  sendClose(to, code, reason);
                  sendClose(channel, code, reason);
                } finally {
                  data.free();
                }
              }
            });
  }

  /** Sends a close frame, unless one was sent already (then the channel is closing anyway). */
  static void sendClose(WebSocketChannel channel, int code, @Nullable String reason) {
    if (channel.isCloseFrameSent() || !channel.isOpen()) {
      return;
    }
    // 1005 and 1006 say that no code came; they are never sent (RFC 6455, 7.4.1).
    if (code == 1005 || code == 1006) {
      WebSockets.sendClose(ByteBuffer.allocate(0), channel, null);
      return;
    }
    WebSockets.sendClose(code, reason == null ? "" : reason, channel, null);
  }

  private static WebSocketCallback<Void> resume(WebSocketChannel channel) {
    return new WebSocketCallback<>() {
      @Override
      public void complete(WebSocketChannel to, @Nullable Void context) {
        channel.resumeReceives();
      }

      @Override
      public void onError(WebSocketChannel to, @Nullable Void context, Throwable error) {
        IoUtils.safeClose(channel, to);
      }
    };
  }

  private static WebSocketCallback<Void> resume(
      WebSocketChannel channel, Pooled<ByteBuffer[]> data) {
    return new WebSocketCallback<>() {
      @Override
      public void complete(WebSocketChannel to, @Nullable Void context) {
        free(data);
        channel.resumeReceives();
      }

      @Override
      public void onError(WebSocketChannel to, @Nullable Void context, Throwable error) {
        free(data);
        IoUtils.safeClose(channel, to);
      }
    };
  }

  private static void free(Pooled<ByteBuffer[]> data) {
    data.free();
  }

  /** The client's request fields for the upstream, with the forwarding fields every adapter adds. */
  private static Map<String, List<String>> forwardedHeaders(HttpServerExchange exchange) {
    Map<String, List<String>> out = new java.util.LinkedHashMap<>();
    var headers = exchange.getRequestHeaders();
    Set<String> hop = ForwardingHeaders.hopByHopFields(values(headers.get(Headers.CONNECTION)));
    for (HeaderValues field : headers) {
      String name = field.getHeaderName().toString();
      String lower = name.toLowerCase(Locale.ROOT);
      if (!ForwardingHeaders.NOT_FORWARDED_TO_A_WEBSOCKET.contains(lower) && !hop.contains(lower)) {
        out.put(name, new ArrayList<>(field));
      }
    }
    String host = headers.getFirst(Headers.HOST);
    if (host != null) {
      out.put("Host", List.of(host));
    }
    InetSocketAddress source = exchange.getSourceAddress();
    ForwardingHeaders.of(
            source == null || source.getAddress() == null ? null : source.getAddress().getHostAddress(),
            host,
            exchange.getRequestScheme(),
            exchange.getProtocol().toString(),
            exchange.getDestinationAddress().getPort(),
            values(headers.get(Headers.FORWARDED)),
            values(headers.get(Headers.VIA)),
            values(headers.get(Headers.X_FORWARDED_FOR)))
        .forEachField(
            (name, value) -> {
              if (value != null) {
                out.put(name, List.of(value));
              }
            });
    return out;
  }

  private static Iterable<String> values(@Nullable HeaderValues values) {
    return values == null ? List.of() : values;
  }
}
