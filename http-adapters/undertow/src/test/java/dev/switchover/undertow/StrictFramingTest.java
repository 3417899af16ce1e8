package dev.switchover.undertow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchover.rawhttp.RawConnection;
import dev.switchover.rawhttp.RawResponse;
import io.undertow.Undertow;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.BlockingHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link StrictFraming} in front of a plain Undertow handler that echoes the body it reads. */
final class StrictFramingTest {
  private static final String CHUNKED_HEAD =
      "POST /x HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: chunked\r\n\r\n";
  private final AtomicInteger handled = new AtomicInteger();
  private final Undertow server =
      Undertow.builder()
          .addHttpListener(0, "127.0.0.1")
          .setHandler(StrictFraming.wrap(new BlockingHandler(this::echo)))
          .build();

  private void echo(HttpServerExchange exchange) throws IOException {
    handled.incrementAndGet();
    byte[] body = exchange.getInputStream().readAllBytes();
    exchange.getResponseSender().send(new String(body, StandardCharsets.ISO_8859_1));
  }

  private int port() {
    server.start();
    return ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
  }

  @AfterEach
  void stop() {
    server.stop();
  }

  @Test
  @SuppressWarnings("NullAway") // the null a caller without NullAway could pass
  void wrap_needsAHandler() {
    assertThrows(NullPointerException.class, () -> StrictFraming.wrap(null));
  }

  @Test
  void aWellFramedChunkedBody_reachesTheHandlerWhole() throws IOException {
    try (RawConnection c = RawConnection.open(port())) {
      RawResponse r =
          c.exchange(
              CHUNKED_HEAD
                  + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
      assertEquals(200, r.status());
      assertEquals("hello world", r.bodyText());
    }
  }

  @Test
  void chunkDataNotEndedByCrlf_isRefusedBeforeTheHandlerRuns_andTheConnectionCloses() throws IOException {
    try (RawConnection c = RawConnection.open(port())) {
      RawResponse r =
          c.exchange(
              CHUNKED_HEAD
                  + "5\r\nhelloXX\n0\r\n\r\nGET /admin HTTP/1.1\r\nHost: a.example\r\n\r\n");
      assertEquals(400, r.status());
      assertTrue(c.endsWithin(Duration.ofSeconds(10)), "the connection is closed after a refusal");
    }
    assertEquals(0, handled.get(), "neither the body nor the request after it reached the handler");
  }

  @Test
  void anOverflowingContentLength_isRefused_notReadModuloTwoToThe64() throws IOException {
    try (RawConnection c = RawConnection.open(port())) {
      RawResponse r =
          c.exchange("POST /x HTTP/1.1\r\nHost: a.example\r\nContent-Length: 18446744073709551621\r\n\r\nhello");
      assertEquals(400, r.status());
    }
    assertEquals(0, handled.get());
  }

  @Test
  void aNulInAFieldValue_isRefused() throws IOException {
    try (RawConnection c = RawConnection.open(port())) {
      assertEquals(400, c.exchange("GET /x HTTP/1.1\r\nHost: a.example\r\nX-Note: a\0b\r\n\r\n").status());
    }
    assertEquals(0, handled.get());
  }
}
