package dev.switchover.undertow;

import io.undertow.client.ClientConnection;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.proxy.ProxyCallback;
import io.undertow.server.handlers.proxy.ProxyClient;
import io.undertow.server.handlers.proxy.ProxyConnection;
import io.undertow.server.protocol.http.HttpAttachments;
import io.undertow.util.AttachmentKey;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.IoUtils;
import org.xnio.Options;
import org.xnio.StreamConnection;
import org.xnio.channels.StreamSinkChannel;
import org.xnio.conduits.AbstractStreamSourceConduit;
import org.xnio.conduits.StreamSourceConduit;

/**
 * What the Undertow adapter adds to Undertow's proxy so that an upstream never receives a request
 * the client did not send whole: Undertow's proxy, when reading the client's body fails (the
 * client went away, or its chunking broke), closes the upstream connection gracefully, which ends
 * the forwarded chunked body as if it were complete. Here, the upstream connection of each
 * exchange is remembered ({@link #remembering}), and the client's body is read through a conduit
 * ({@link #watch}) that, when a read fails, resets that connection before the proxy sees the
 * failure: the upstream reads a cut-off request, never a complete one. The same conduit drops the
 * client's trailer fields, which Undertow's proxy would otherwise forward as they came.
 */
final class UpstreamBody {
  private static final Logger log = LoggerFactory.getLogger(UpstreamBody.class);
  private static final AtomicBoolean toldChannelTaken = new AtomicBoolean();
  private static final AttachmentKey<ClientConnection> UPSTREAM_CONNECTION =
      AttachmentKey.create(ClientConnection.class);
  private static final AttachmentKey<IOException> CLIENT_BODY_FAILED =
      AttachmentKey.create(IOException.class);

  private UpstreamBody() {}

  /** A proxy client that remembers, on the exchange, the upstream connection it hands out. */
  static ProxyClient remembering(ProxyClient client) {
    return new ProxyClient() {
      @Override
      public @Nullable ProxyTarget findTarget(HttpServerExchange exchange) {
        return client.findTarget(exchange);
      }

      @Override
      public void getConnection(
          ProxyTarget target,
          HttpServerExchange exchange,
          ProxyCallback<ProxyConnection> callback,
          long timeout,
          TimeUnit unit) {
        client.getConnection(
            target,
            exchange,
            new ProxyCallback<>() {
              @Override
              public void completed(HttpServerExchange e, ProxyConnection connection) {
                e.putAttachment(UPSTREAM_CONNECTION, connection.getConnection());
                callback.completed(e, connection);
              }

              @Override
              public void failed(HttpServerExchange e) {
                callback.failed(e);
              }

              @Override
              public void couldNotResolveBackend(HttpServerExchange e) {
                callback.couldNotResolveBackend(e);
              }

              @Override
              public void queuedRequestFailed(HttpServerExchange e) {
                callback.queuedRequestFailed(e);
              }
            },
            timeout,
            unit);
      }

      @Override
      public List<ProxyTarget> getAllTargets() {
        return client.getAllTargets();
      }
    };
  }

  /**
   * Reads the exchange's body through a conduit that resets the upstream if a read fails; not
   * where a handler in front took the request channel already (a buffering handler, say), since
   * Undertow then takes no wrapper: logged once.
   */
  static void watch(HttpServerExchange exchange) {
    if (!exchange.isRequestChannelAvailable()) {
      if (toldChannelTaken.compareAndSet(false, true)) {
        log.warn(
            "a handler in front of the Switchover handler took the request channel of {}; a client"
                + " body that fails is then forwarded as Undertow's proxy ends it",
            exchange.getRequestURI());
      }
      return;
    }
    exchange.addRequestWrapper((factory, e) -> new Watched(factory.create(), e));
  }

  /** Whether reading the exchange's body failed: the client's fault, not the upstream's. */
  static boolean clientBodyFailed(HttpServerExchange exchange) {
    return exchange.getAttachment(CLIENT_BODY_FAILED) != null;
  }

  /** Resets the exchange's upstream connection, if it has one: an abortive close, without a flush. */
  private static void resetUpstream(HttpServerExchange exchange, IOException cause) {
    exchange.putAttachment(CLIENT_BODY_FAILED, cause);
    ClientConnection connection = exchange.removeAttachment(UPSTREAM_CONNECTION);
    if (connection == null || !connection.isOpen()) {
      return;
    }
    log.debug("reading the client's body failed; resetting the upstream connection", cause);
    try {
      // Taking the connection as if for an upgrade gives the raw connection without the chunked
      // request conduit, so closing it sends no last chunk; CLOSE_ABORT makes the close a reset.
      StreamConnection raw = connection.performUpgrade();
      raw.setOption(Options.CLOSE_ABORT, true);
      IoUtils.safeClose(raw);
    } catch (IOException | RuntimeException e) {
      log.debug("could not reset the upstream connection; closing it", e);
      IoUtils.safeClose(connection);
    }
  }

  /** The client's body as the proxy reads it. */
  private static final class Watched extends AbstractStreamSourceConduit<StreamSourceConduit> {
    private final HttpServerExchange exchange;

    Watched(StreamSourceConduit next, HttpServerExchange exchange) {
      super(next);
      this.exchange = exchange;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      try {
        return ended(next.read(dst));
      } catch (IOException e) {
        resetUpstream(exchange, e);
        throw e;
      }
    }

    @Override
    public long read(ByteBuffer[] dsts, int offs, int len) throws IOException {
      try {
        return ended(next.read(dsts, offs, len));
      } catch (IOException e) {
        resetUpstream(exchange, e);
        throw e;
      }
    }

    @Override
    public long transferTo(long position, long count, FileChannel target) throws IOException {
      try {
        return next.transferTo(position, count, target);
      } catch (IOException e) {
        resetUpstream(exchange, e);
        throw e;
      }
    }

    @Override
    public long transferTo(long count, ByteBuffer throughBuffer, StreamSinkChannel target)
        throws IOException {
      try {
        return ended(next.transferTo(count, throughBuffer, target));
      } catch (IOException e) {
        resetUpstream(exchange, e);
        throw e;
      }
    }

    /** At the end of the body, the trailers are dropped: they are not forwarded. */
    private int ended(int read) {
      if (read == -1) {
        exchange.removeAttachment(HttpAttachments.REQUEST_TRAILERS);
      }
      return read;
    }

    private long ended(long read) {
      if (read == -1) {
        exchange.removeAttachment(HttpAttachments.REQUEST_TRAILERS);
      }
      return read;
    }
  }
}
