package dev.switchover.rawhttp;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** One HTTP/1.1 response as read by {@link RawConnection}, byte for byte. Immutable. */
public final class RawResponse {
  /**
   * The response header that names the workspace that served a request: the testkit's workspace
   * apps and the demo's shop answer with it.
   */
  public static final String WORKSPACE_HEADER = "X-Workspace";

  private final int status;
  private final HeaderMap headers;
  private final byte[] body;

  RawResponse(int status, Map<String, List<String>> headers, byte[] body) {
    this.status = status;
    this.headers = HeaderMap.copyOf(headers);
    this.body = body;
  }

  /** The status code. */
  public int status() {
    return status;
  }

  /** The first value of a header (name in any case), or null. */
  public @Nullable String header(String name) {
    return headers.first(name);
  }

  /** All values of a header (name in any case). */
  public List<String> headers(String name) {
    return headers.all(name);
  }

  /** The workspace that served the response ({@value #WORKSPACE_HEADER}), or null. */
  public @Nullable String workspace() {
    return header(WORKSPACE_HEADER);
  }

  /** The body, de-chunked. */
  public byte[] body() {
    return body.clone();
  }

  /** The body as UTF-8 text. */
  public String bodyText() {
    return new String(body, StandardCharsets.UTF_8);
  }

  /**
   * The body's {@code name=value} lines, by name. The testkit's {@code WorkspaceApp} answers with
   * {@code workspace}, {@code method}, {@code target}, {@code server-name}, {@code canonical},
   * {@code host}, {@code forwarded}, {@code x-forwarded-for}, {@code x-forwarded-proto}, {@code
   * x-forwarded-host} and {@code body-length}; {@code -} stands for none.
   */
  public Map<String, String> echo() {
    Map<String, String> lines = new LinkedHashMap<>();
    String text = bodyText();
    int start = 0;
    while (start < text.length()) {
      int end = text.indexOf('\n', start);
      if (end < 0) {
        end = text.length();
      }
      int eq = text.indexOf('=', start);
      if (eq > start && eq < end) {
        lines.put(text.substring(start, eq), text.substring(eq + 1, end));
      }
      start = end + 1;
    }
    return lines;
  }

  /** For example {@code 200 [X-Workspace=blue] 123 bytes}. */
  @Override
  public String toString() {
    List<String> shown = new ArrayList<>();
    String ws = workspace();
    if (ws != null) {
      shown.add(WORKSPACE_HEADER + "=" + ws);
    }
    return status + " " + shown + " " + body.length + " bytes";
  }
}
