package dev.switchover.bench.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchover.Router;
import dev.switchover.WorkspaceId;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin endpoint's answers ({@link SwitchAdmin#answer}), and its socket. */
final class SwitchAdminTest {
  private final Router router = SwitchAdmin.newRouter();
  private final SwitchAdmin.Releases releases = new SwitchAdmin.Releases(router);

  @Test
  void firstSwitch_promotesDirectlyAndSaysWhen() {
    SwitchAdmin.Answer answer = SwitchAdmin.answer("to=green", releases);
    assertEquals(200, answer.status(), answer.body());
    assertTrue(answer.body().startsWith("revision=2 switch_ns="), answer.body());
    assertTrue(answer.body().contains(" started_ns="), answer.body());
    assertTrue(answer.body().endsWith(" prepared=0"), answer.body());
    assertEquals(WorkspaceId.of("green"), router.resolve(SwitchAdmin.HOST, "/").workspace());
  }

  @Test
  void preparedSwitches_commitWhatWasPreparedAfterTheSwitchBefore() throws Exception {
    // Nothing is prepared before the first switch: it promotes directly, then prepares the way back.
    SwitchAdmin.Answer first = SwitchAdmin.answer("to=green", releases);
    assertTrue(first.body().endsWith(" prepared=0"), first.body());
    awaitPrepared("blue");

    SwitchAdmin.Answer second = SwitchAdmin.answer("to=blue", releases);
    assertEquals(200, second.status(), second.body());
    assertTrue(second.body().startsWith("revision=3 "), second.body());
    assertTrue(second.body().endsWith(" prepared=1"), second.body());
    assertEquals(WorkspaceId.of("blue"), router.resolve(SwitchAdmin.HOST, "/").workspace());
    awaitPrepared("green");

    // Out of turn (green is prepared, blue is asked): promoted directly, nothing stale committed.
    SwitchAdmin.Answer outOfTurn = SwitchAdmin.answer("to=blue", releases);
    assertEquals(200, outOfTurn.status(), outOfTurn.body());
    assertTrue(outOfTurn.body().endsWith(" prepared=0"), outOfTurn.body());
    assertEquals(WorkspaceId.of("blue"), router.resolve(SwitchAdmin.HOST, "/").workspace());
  }

  @Test
  void badRequests_areRefusedAndChangeNothing() {
    assertEquals(400, SwitchAdmin.answer(null, releases).status());
    assertEquals(400, SwitchAdmin.answer("from=green", releases).status());
    SwitchAdmin.Answer unknown = SwitchAdmin.answer("to=purple", releases);
    assertEquals(409, unknown.status());
    assertTrue(unknown.body().contains("purple"), unknown.body());
    assertEquals(1, router.current().revision());
  }

  @Test
  void socketEndpoint_answersALinePerSwitchOnOneConnection(@TempDir Path dir) throws Exception {
    Path socket = dir.resolve("admin.sock");
    SwitchAdmin.startSocket(socket, releases);
    try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      channel.connect(UnixDomainSocketAddress.of(socket));
      // Two lines in one write, then one split over two writes: each answered in order.
      write(channel, "to=green\nto=blue\nto=gr");
      assertTrue(readLine(channel).startsWith("200 revision=2 "));
      assertTrue(readLine(channel).startsWith("200 revision=3 "));
      write(channel, "een\n");
      assertTrue(readLine(channel).startsWith("200 revision=4 "));
      write(channel, "to=purple\n");
      assertTrue(readLine(channel).startsWith("409 "));
      // A query the endpoint cannot read is answered on one line, and the session goes on.
      write(channel, "to=blue&probe=no-port\n");
      assertTrue(readLine(channel).startsWith("500 "));
      write(channel, "to=blue\n");
      assertTrue(readLine(channel).startsWith("200 revision=5 "));
    }
    assertEquals(WorkspaceId.of("blue"), router.resolve(SwitchAdmin.HOST, "/").workspace());
  }

  private static void write(SocketChannel channel, String text) throws IOException {
    ByteBuffer out = ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
    while (out.hasRemaining()) {
      channel.write(out);
    }
  }

  /** Reads one byte at a time up to {@code '\n'}, so that no later line is consumed. */
  private static String readLine(SocketChannel channel) throws IOException {
    StringBuilder line = new StringBuilder();
    ByteBuffer one = ByteBuffer.allocate(1);
    while (true) {
      one.clear();
      if (channel.read(one) < 0) {
        throw new IOException("closed after " + line);
      }
      char c = (char) one.get(0);
      if (c == '\n') {
        return line.toString();
      }
      line.append(c);
    }
  }

  /** Waits until the endpoint's preparer, which runs a fixed delay after a switch, has prepared {@code to}. */
  private void awaitPrepared(String to) throws InterruptedException {
    assertTrue(releases.awaitPrepared(to, Duration.ofSeconds(10)), "nothing prepared for " + to + " within 10 s");
  }
}
