package dev.switchover.undertow;

import dev.switchover.Admission;
import dev.switchover.RequestOutcome;
import dev.switchover.http.internal.ForwardingHeaders;
import dev.switchover.http.internal.UpstreamBase;
import io.undertow.client.ClientCallback;
import io.undertow.client.ClientConnection;
import io.undertow.client.ClientExchange;
import io.undertow.client.ClientRequest;
import io.undertow.client.ClientResponse;
import io.undertow.client.UndertowClient;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderMap;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;
import io.undertow.util.SameThreadExecutor;
import io.undertow.util.StatusCodes;
import io.undertow.websockets.WebSocketConnectionCallback;
import io.undertow.websockets.WebSocketProtocolHandshakeHandler;
import io.undertow.websockets.client.WebSocket13ClientHandshake;
import io.undertow.websockets.client.WebSocketClientNegotiation;
import io.undertow.websockets.core.CloseMessage;
import io.undertow.websockets.core.StreamSinkFrameChannel;
import io.undertow.websockets.core.StreamSourceFrameChannel;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSocketFrameType;
import io.undertow.websockets.core.WebSockets;
import io.undertow.websockets.core.protocol.version13.Hybi13Handshake;
import io.undertow.websockets.spi.WebSocketHttpExchange;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.xnio.ChannelListener;
import org.xnio.IoFuture;
import org.xnio.IoUtils;
import org.xnio.OptionMap;
import org.xnio.StreamConnection;
import org.xnio.channels.StreamSourceChannel;

/**
 * A WebSocket to an upstream workspace, bridged with Undertow's own HTTP client and WebSocket
 * channels: the adapter sends the handshake to the upstream first, so that an upstream's refusal
 * (a 401 or 403, say) reaches the client with its status, its fields (but those of its
 * connection) and its body, and counts as that answer; an upstream that cannot be reached, does
 * not speak WebSocket or accepts with an extension it was not offered is answered 502, one that
 * takes longer than the upstream timeout 504. Then it accepts the client's upgrade with the
 * subprotocol the upstream chose, and relays both ways, frame data as it comes: text and binary
 * messages (a long one goes on in fragments, never held whole), pings and pongs (each answered by
 * the real peer), and close frames with their code and reason, or none.
 *
 * <p>Each direction relays through one buffer of {@value #RELAY_BUFFER_BYTES} bytes: while the
 * other side has not taken what was last read, this side is not read (backpressure), so that a
 * connection's memory does not grow with the size of its messages or with a slow reader.
 * Relaying frames, not bytes, is what lets the router end a bridged WebSocket cleanly when its
 * grace ends: a close frame 1001 "going away" to both sides (Undertow's {@code ProxyHandler}
 * would relay the raw bytes, where no frame can be added).
 */
final class UpstreamWebSocket {
  /** How long a side that was sent a close frame has to answer it before its connection is closed. */
  private static final long CLOSE_ANSWER_MILLIS = 5_000;
  /** The size of the buffer each direction of a bridge relays through. */
  static final int RELAY_BUFFER_BYTES = 16 * 1024;
  /** The longest body of an upstream's refusal that is passed on; a longer one is left out. */
  static final int MAX_REFUSAL_BODY_BYTES = 64 * 1024;

  private UpstreamWebSocket() {}

  /** Whether the request asks to be upgraded to a WebSocket. */
  static boolean isUpgrade(HttpServerExchange exchange) {
    String upgrade = exchange.getRequestHeaders().getFirst(Headers.UPGRADE);
    return upgrade != null && upgrade.trim().equalsIgnoreCase("websocket");
  }

  /**
   * Whether an upstream's answer to a handshake is a refusal to pass on (a redirect, a client
   * error such as 401 or 403, or a server error), rather than a sign that it does not speak
   * WebSocket at all (a 2xx: it took the upgrade for an ordinary request), which is 502.
   */
  static boolean isRefusal(int status) {
    return status >= 300 && status <= 599;
  }

  /** Sends the handshake to the upstream, then upgrades the client and relays until either side closes. */
  static void bridge(HttpServerExchange exchange, UpstreamBase base, Admission admission, long timeoutMillis) {
    String query = exchange.getQueryString();
    String target = base.target(exchange.getRequestURI(), query == null || query.isEmpty() ? null : query);
    URI http = URI.create(target);
    URI ws = URI.create((base.scheme().equals("https") ? "wss" : "ws") + target.substring(target.indexOf(':')));
    List<String> subprotocols = new ArrayList<>();
    HeaderValues asked = exchange.getRequestHeaders().get(Headers.SEC_WEB_SOCKET_PROTOCOL);
    for (int i = 0; asked != null && i < asked.size(); i++) {
      for (String p : asked.get(i).split(",", -1)) {
        if (!p.isBlank()) {
          subprotocols.add(p.trim());
        }
      }
    }
    WebSocketClientNegotiation negotiation = new WebSocketClientNegotiation(subprotocols, List.of());
    WebSocket13ClientHandshake handshake = new WebSocket13ClientHandshake(ws, negotiation, Set.of());
    Map<String, String> handshakeFields = handshake.createHeaders();
    String path = http.getRawPath() == null || http.getRawPath().isEmpty() ? "/" : http.getRawPath();
    ClientRequest request =
        new ClientRequest().setMethod(Methods.GET).setPath(http.getRawQuery() == null ? path : path + "?" + http.getRawQuery());
    forwardedHeaders(exchange).forEach((name, values) -> request.getRequestHeaders().putAll(new HttpString(name), values));
    handshakeFields.forEach((name, value) -> request.getRequestHeaders().put(new HttpString(name), value));
    Map<String, List<String>> sent = new java.util.HashMap<>();
    handshakeFields.forEach((name, value) -> sent.put(name, List.of(value)));
    Handshake h = new Handshake(exchange, admission, ws, handshake, negotiation, sent);
    exchange.dispatch(SameThreadExecutor.INSTANCE, () -> h.start(http, request, timeoutMillis));
  }

  /** One handshake with an upstream, settled once: bridged, refused, failed or timed out. */
  private static final class Handshake {
    private final HttpServerExchange exchange;
    private final Admission admission;
    private final URI ws;
    private final WebSocket13ClientHandshake handshake;
    private final WebSocketClientNegotiation negotiation;
    private final Map<String, List<String>> sent;
    private final AtomicBoolean settled = new AtomicBoolean();
    private volatile @Nullable ClientConnection connection;

    Handshake(
        HttpServerExchange exchange,
        Admission admission,
        URI ws,
        WebSocket13ClientHandshake handshake,
        WebSocketClientNegotiation negotiation,
        Map<String, List<String>> sent) {
      this.exchange = exchange;
      this.admission = admission;
      this.ws = ws;
      this.handshake = handshake;
      this.negotiation = negotiation;
      this.sent = sent;
    }

    void start(URI http, ClientRequest request, long timeoutMillis) {
      // On the client's I/O thread: both sides of the bridge then share one thread.
      IoFuture<ClientConnection> connecting =
          UndertowClient.getInstance()
              .connect(http, exchange.getIoThread(), exchange.getConnection().getByteBufferPool(), OptionMap.EMPTY);
      exchange
          .getIoThread()
          .executeAfter(
              () -> {
                if (settle()) {
                  connecting.cancel();
                  IoUtils.safeClose(connection);
                  fail(StatusCodes.GATEWAY_TIME_OUT);
                }
              },
              timeoutMillis,
              TimeUnit.MILLISECONDS);
      connecting.addNotifier(
          (future, ignored) -> {
            if (future.getStatus() != IoFuture.Status.DONE) {
              if (settle()) {
                fail(StatusCodes.BAD_GATEWAY);
              }
              return;
            }
            ClientConnection c;
            try {
              c = future.get();
            } catch (IOException e) {
              if (settle()) {
                fail(StatusCodes.BAD_GATEWAY);
              }
              return;
            }
            connection = c;
            if (settled.get()) {
              IoUtils.safeClose(c);
              return;
            }
            c.sendRequest(
                request,
                new ClientCallback<ClientExchange>() {
                  @Override
                  public void completed(ClientExchange sentRequest) {
                    sentRequest.setResponseListener(
                        new ClientCallback<ClientExchange>() {
                          @Override
                          public void completed(ClientExchange answered) {
                            answered(answered);
                          }

                          @Override
                          public void failed(IOException e) {
                            failedToSpeak();
                          }
                        });
                  }

                  @Override
                  public void failed(IOException e) {
                    failedToSpeak();
                  }
                });
          },
          null);
    }

    private boolean settle() {
      return settled.compareAndSet(false, true);
    }

    private void failedToSpeak() {
      IoUtils.safeClose(connection);
      if (settle()) {
        fail(StatusCodes.BAD_GATEWAY);
      }
    }

    private void answered(ClientExchange answered) {
      ClientResponse response = answered.getResponse();
      int status = response.getResponseCode();
      if (status == StatusCodes.SWITCHING_PROTOCOLS) {
        WebSocketChannel upstream;
        try {
          Map<String, List<String>> fields = new java.util.HashMap<>();
          for (HeaderValues field : response.getResponseHeaders()) {
            fields.put(field.getHeaderName().toString().toLowerCase(Locale.ROOT), new ArrayList<>(field));
          }
          handshake.handshakeChecker(ws, sent).checkHandshakeExtended(fields);
          String extensions = response.getResponseHeaders().getFirst(Headers.SEC_WEB_SOCKET_EXTENSIONS);
          if (extensions != null && !extensions.isBlank()) {
            // None was offered: frames the bridge cannot read (compressed, say) must not pass.
            throw new IOException("the upstream accepted with extensions it was not offered: " + extensions);
          }
          if (!settle()) {
            IoUtils.safeClose(answered.getConnection());
            return;
          }
          StreamConnection stream = answered.getConnection().performUpgrade();
          upstream = handshake.createChannel(stream, ws.toString(), exchange.getConnection().getByteBufferPool(), OptionMap.EMPTY);
        } catch (IOException | RuntimeException e) {
          failedToSpeak();
          return;
        }
        exchange.dispatch(SameThreadExecutor.INSTANCE, () -> accept(exchange, upstream, negotiation.getSelectedSubProtocol()));
      } else if (isRefusal(status)) {
        readRefusal(answered, response);
      } else {
        failedToSpeak();
      }
    }

    /** Reads the body of a refusal (up to a bound), then passes the refusal on. */
    private void readRefusal(ClientExchange answered, ClientResponse response) {
      StreamSourceChannel body = answered.getResponseChannel();
      ByteBuffer buffer = ByteBuffer.allocate(MAX_REFUSAL_BODY_BYTES);
      ChannelListener<StreamSourceChannel> reader =
          channel -> {
            try {
              while (buffer.hasRemaining()) {
                int n = channel.read(buffer);
                if (n < 0) {
                  channel.suspendReads();
                  refused(response, buffer.flip());
                  return;
                }
                if (n == 0) {
                  channel.resumeReads();
                  return;
                }
              }
              refused(response, ByteBuffer.allocate(0)); // too long to pass on
            } catch (IOException e) {
              refused(response, ByteBuffer.allocate(0));
            }
          };
      body.getReadSetter().set(reader);
      reader.handleEvent(body);
    }

    /**
     * Answers the client with the upstream's refusal. The request's admission records its status
     * when the exchange completes, as for any proxied answer: a 4xx is no failure of the workspace.
     */
    private void refused(ClientResponse response, ByteBuffer body) {
      IoUtils.safeClose(connection);
      if (!settle()) {
        return;
      }
      HeaderMap fields = response.getResponseHeaders();
      Set<String> dropped = ForwardingHeaders.notForwardedFromARefusedUpgrade(values(fields.get(Headers.CONNECTION)));
      exchange.dispatch(
          SameThreadExecutor.INSTANCE,
          () -> {
            exchange.setStatusCode(response.getResponseCode());
            HeaderMap out = exchange.getResponseHeaders();
            for (HeaderValues field : fields) {
              if (!dropped.contains(field.getHeaderName().toString().toLowerCase(Locale.ROOT))) {
                out.addAll(field.getHeaderName(), field);
              }
            }
            out.put(Headers.CONTENT_LENGTH, body.remaining());
            exchange.setPersistent(false);
            exchange.getResponseSender().send(body);
          });
    }

    private void fail(int status) {
      admission.failed(status == StatusCodes.GATEWAY_TIME_OUT ? RequestOutcome.GATEWAY_TIMEOUT : RequestOutcome.BAD_GATEWAY);
      exchange.dispatch(
          SameThreadExecutor.INSTANCE,
          () -> {
            exchange.setStatusCode(status);
            exchange.setPersistent(false);
            exchange.endExchange();
          });
    }
  }

  private static void accept(HttpServerExchange exchange, WebSocketChannel upstream, @Nullable String subprotocol) {
    WebSocketConnectionCallback connected =
        (WebSocketHttpExchange ws, WebSocketChannel client) -> {
          SwitchoverHttpHandler.closeOnGraceEnd(ws, client, upstream);
          client.getReceiveSetter().set(new Relay(client, upstream));
          upstream.getReceiveSetter().set(new Relay(upstream, client));
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

  /** Sends a close frame, unless one was sent already (then the channel is closing anyway). */
  static void sendClose(WebSocketChannel channel, int code, @Nullable String reason) {
    if (channel.isCloseFrameSent() || !channel.isOpen()) {
      return;
    }
    // 1005 and 1006 say that no code came; they are never sent (RFC 6455, 7.4.1): the frame goes
    // without a payload (WebSockets.sendClose would make an empty payload a 1000).
    if (code == NO_STATUS || code == 1006) {
      try {
        channel.sendClose();
      } catch (IOException e) {
        IoUtils.safeClose(channel);
      }
      return;
    }
    WebSockets.sendClose(code, reason == null ? "" : reason, channel, null);
  }

  /** The code of a close frame without one (RFC 6455, 7.1.5); never sent. */
  private static final int NO_STATUS = 1005;

  /**
   * What one side of a bridge receives, relayed to the other through one small buffer: each text
   * or binary message into one message of the other side, sent in fragments as its data comes;
   * each ping and pong as one; a close frame answered on both sides. Reading from this side stops
   * whenever the other side has not taken what was read (its frame is still being written), and
   * resumes when it has. Both sides of a bridge live on one I/O thread; the lock is for the grace
   * closer and Undertow's callbacks, should one ever come on another thread.
   */
  static final class Relay implements ChannelListener<WebSocketChannel> {
    private final WebSocketChannel from;
    private final WebSocketChannel to;
    /** Data read from {@code from} and not yet written to {@code to}; in fill mode. */
    private final ByteBuffer buffer = ByteBuffer.allocate(RELAY_BUFFER_BYTES);
    /** Frames received, not yet relayed: a message's frames come on its channel, not here. */
    private final Deque<StreamSourceFrameChannel> received = new ArrayDeque<>();
    private @Nullable StreamSourceFrameChannel source;
    private @Nullable StreamSinkFrameChannel sink;
    /** Whether {@link #source} has ended and {@link #sink} is being flushed. */
    private boolean ending;

    Relay(WebSocketChannel from, WebSocketChannel to) {
      this.from = from;
      this.to = to;
    }

    /** The receive listener of {@code from}: Undertow reads frames only while someone receives. */
    @Override
    public synchronized void handleEvent(WebSocketChannel channel) {
      try {
        StreamSourceFrameChannel next = from.receive();
        if (next != null) {
          received.add(next);
        }
        pump();
      } catch (IOException e) {
        IoUtils.safeClose(from, to);
      }
    }

    private synchronized void pump() {
      try {
        while (true) {
          StreamSinkFrameChannel out = sink;
          if (buffer.position() > 0 && out != null) {
            buffer.flip();
            out.write(buffer);
            buffer.compact();
            if (buffer.position() > 0) {
              awaitSink(out);
              return;
            }
          }
          if (ending && out != null) {
            if (!out.flush()) {
              awaitSink(out);
              return;
            }
            sink = null;
            source = null;
            ending = false;
            continue;
          }
          StreamSourceFrameChannel in = source;
          if (in == null) {
            in = received.poll();
            if (in == null) {
              from.resumeReceives();
              return;
            }
            source = in;
            if (in.getType() != WebSocketFrameType.CLOSE) {
              sink = to.send(in.getType());
            }
          }
          int n = in.read(buffer);
          if (n > 0) {
            continue;
          }
          if (n == 0) {
            // Nothing more yet: what was read of a message goes on now (as a fragment), and this
            // side reads on. A ping or pong goes whole: a control frame is never fragmented.
            boolean control = in.getType() == WebSocketFrameType.PING || in.getType() == WebSocketFrameType.PONG;
            if (out != null && !control && !out.flush()) {
              awaitSink(out);
              return;
            }
            in.getReadSetter().set(c -> pump());
            in.resumeReads();
            from.resumeReceives();
            return;
          }
          if (in.getType() == WebSocketFrameType.CLOSE) {
            closed();
            source = null;
            continue;
          }
          StreamSinkFrameChannel s = sink;
          if (s != null) {
            s.shutdownWrites();
            ending = true;
          }
        }
      } catch (IOException | RuntimeException e) {
        IoUtils.safeClose(from, to);
      }
    }

    /** Stops reading this side until the other side has taken what is waiting for it. */
    private void awaitSink(StreamSinkFrameChannel out) {
      from.suspendReceives();
      StreamSourceFrameChannel in = source;
      if (in != null) {
        in.suspendReads();
      }
      out.getWriteSetter()
          .set(
              c -> {
                c.suspendWrites();
                pump();
              });
      out.resumeWrites();
    }

    /**
     * A close frame, read whole into the buffer: it goes on to the other side, and back to this
     * one, with its code and reason, or with no payload if it had none.
     */
    private void closed() {
      buffer.flip();
      int code = NO_STATUS;
      String reason = "";
      if (buffer.remaining() >= 2) {
        CloseMessage close = new CloseMessage(buffer);
        code = close.getCode();
        reason = close.getReason();
      }
      buffer.clear();
      sendClose(to, code, reason);
      sendClose(from, code, reason);
    }
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
