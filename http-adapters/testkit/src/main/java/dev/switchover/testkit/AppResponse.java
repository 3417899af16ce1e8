package dev.switchover.testkit;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a {@link WorkspaceApp} answers: a status, a few headers and a body. A bridge writes it
 * with its server's API. Immutable.
 */
public final class AppResponse {
  private final int status;
  private final Map<String, String> headers;
  private final byte[] body;

  AppResponse(int status, Map<String, String> headers, byte[] body) {
    this.status = status;
    this.headers = Map.copyOf(new LinkedHashMap<>(requireNonNull(headers, "headers")));
    this.body = body.clone();
  }

  static AppResponse text(int status, String workspace, String text) {
    return new AppResponse(
        status,
        Map.of(
            WorkspaceApp.WORKSPACE_HEADER, workspace, "Content-Type", "text/plain;charset=utf-8"),
        text.getBytes(StandardCharsets.UTF_8));
  }

  /** The status code. */
  public int status() {
    return status;
  }

  /** The response headers, one value each. */
  public Map<String, String> headers() {
    return headers;
  }

  /** The body. */
  public byte[] body() {
    return body.clone();
  }
}
