package dev.switchover.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import org.jspecify.annotations.Nullable;

/**
 * What every workspace serves at {@value #PATH} in the conformance suite, whatever server runs
 * it: a server-sent-event stream ({@value #CONTENT_TYPE}) of numbered events, one every {@link
 * #PERIOD}, each {@code id: <n>} and {@code data: <workspace> <n>}, from the number after the
 * request's {@code Last-Event-ID} (or 1), until the client goes away.
 *
 * <p>Two queries hold the stream at one event {@code at=<n>} on a {@linkplain WorkspaceApp#gate
 * gate}: {@code idle=<gate>} after event n is whole (the stream stands idle between two events),
 * {@code split=<gate>} after the first line of event n (the stream stalls in the middle of an
 * event, whose rest comes in a write of its own once the gate opens).
 */
public final class EventStream {
  /** The path of the stream. */
  public static final String PATH = "/events";
  /** The stream's media type. */
  public static final String CONTENT_TYPE = "text/event-stream";
  /** How often an event is sent. */
  public static final Duration PERIOD = Duration.ofMillis(20);

  private EventStream() {}

  /** Whether a request's canonical path asks for the stream. */
  public static boolean isStream(String path) {
    return path.equals(PATH);
  }

  /** The first event's number for a request with this {@code Last-Event-ID}. */
  public static long firstId(@Nullable String lastEventId) {
    if (lastEventId == null || lastEventId.isBlank()) {
      return 1;
    }
    try {
      return Long.parseLong(lastEventId.trim()) + 1;
    } catch (NumberFormatException e) {
      return 1;
    }
  }

  /** How a bridge writes a piece of the stream: it writes and flushes it, and returns once written. */
  @FunctionalInterface
  public interface Sink {
    /** Writes and flushes {@code bytes}, blocking until they are written. */
    void write(byte[] bytes) throws IOException;
  }

  /**
   * Writes {@code app}'s stream to {@code sink} for a request with this raw query and {@code
   * Last-Event-ID}, until a write fails or the thread is interrupted: what every bridge runs on a
   * thread that may block.
   *
   * @throws IOException the write that failed: the client went away, or the router ended the stream
   */
  public static void serve(WorkspaceApp app, @Nullable String query, @Nullable String lastEventId, Sink sink)
      throws IOException, InterruptedException {
    String q = query == null ? "" : query;
    String idle = WorkspaceApp.parameter(q, "idle");
    String split = WorkspaceApp.parameter(q, "split");
    String at = WorkspaceApp.parameter(q, "at");
    long held = at == null ? -1 : Long.parseLong(at);
    for (long id = firstId(lastEventId); ; id++) {
      byte[] event = event(app.name(), id);
      if (split != null && id == held) {
        int firstLine = indexOf(event, (byte) '\n') + 1;
        sink.write(Arrays.copyOfRange(event, 0, firstLine));
        await(app.gate(split));
        sink.write(Arrays.copyOfRange(event, firstLine, event.length));
      } else {
        sink.write(event);
      }
      if (idle != null && id == held) {
        await(app.gate(idle));
      }
      Thread.sleep(PERIOD.toMillis()); // the stream's pace, not a synchronization
    }
  }

  private static void await(Gate gate) throws InterruptedException {
    try {
      gate.arrive().get();
    } catch (ExecutionException e) {
      throw new IllegalStateException("a gate never fails", e);
    }
  }

  private static int indexOf(byte[] bytes, byte b) {
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == b) {
        return i;
      }
    }
    return -1;
  }

  /** Event {@code id} of {@code workspace}, with the blank line that ends it. */
  public static byte[] event(String workspace, long id) {
    return ("id: " + id + "\ndata: " + workspace + " " + id + "\n\n").getBytes(StandardCharsets.UTF_8);
  }
}
