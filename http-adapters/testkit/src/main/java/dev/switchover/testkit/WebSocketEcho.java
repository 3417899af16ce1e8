package dev.switchover.testkit;

import java.util.OptionalInt;

/**
 * What every workspace's WebSocket endpoint does in the conformance suite, whatever server runs
 * it: a text message comes back prefixed with the workspace's name and a space (so that a test
 * can tell which workspace holds the connection), except {@code close <code>}, which makes the
 * endpoint close the connection with that code and the reason {@value #CLOSE_REASON}; a binary
 * message comes back unchanged; pings are answered with pongs, as every WebSocket server does.
 * Messages of any size, and messages in fragments, are answered whole. An endpoint accepts the
 * subprotocol {@value #SUBPROTOCOL} when the client offers it.
 */
public final class WebSocketEcho {
  /** The reason an endpoint gives when a {@code close <code>} message asks it to close. */
  public static final String CLOSE_REASON = "asked to";
  /** The subprotocol every endpoint accepts. */
  public static final String SUBPROTOCOL = "echo.v1";

  private WebSocketEcho() {}

  /** The answer of {@code workspace} to a text message (unless it asks to close). */
  public static String reply(String workspace, String text) {
    return workspace + " " + text;
  }

  /** The close code a text message asks for, if it is {@code close <code>}. */
  public static OptionalInt closeAsked(String text) {
    if (!text.startsWith("close ")) {
      return OptionalInt.empty();
    }
    try {
      return OptionalInt.of(Integer.parseInt(text.substring("close ".length()).trim()));
    } catch (NumberFormatException e) {
      return OptionalInt.empty();
    }
  }
}
