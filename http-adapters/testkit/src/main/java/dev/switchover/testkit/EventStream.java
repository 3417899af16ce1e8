package dev.switchover.testkit;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * What every workspace serves at {@value #PATH} in the conformance suite, whatever server runs
 * it: a server-sent-event stream ({@value #CONTENT_TYPE}) of numbered events, one every {@link
 * #PERIOD}, each {@code id: <n>} and {@code data: <workspace> <n>}, from the number after the
 * request's {@code Last-Event-ID} (or 1), until the client goes away.
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

  /** Event {@code id} of {@code workspace}, with the blank line that ends it. */
  public static byte[] event(String workspace, long id) {
    return ("id: " + id + "\ndata: " + workspace + " " + id + "\n\n").getBytes(StandardCharsets.UTF_8);
  }
}
