package dev.switchover.admin;

import java.util.Map;

/**
 * An answer of the admin API that is not a success: written as {@code application/problem+json}
 * (RFC 9457). Thrown inside the API's handling and turned into a response in one place.
 */
final class Problem extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String type;
  private final String title;
  @SuppressWarnings("serial") // never serialized: it does not leave the servlet
  private final Map<String, Object> extensions;

  Problem(int status, String type, String title, String detail) {
    this(status, type, title, detail, Map.of());
  }

  Problem(int status, String type, String title, String detail, Map<String, Object> extensions) {
    super(detail, null, false, false);
    this.status = status;
    this.type = type;
    this.title = title;
    this.extensions = Map.copyOf(extensions);
  }

  static Problem badRequest(String detail) {
    return new Problem(400, "bad-request", "Bad request", detail);
  }

  static Problem notFound(String detail) {
    return new Problem(404, "not-found", "Not found", detail);
  }

  int status() {
    return status;
  }

  /** A short name of the kind of problem; the response's {@code type} is a URN made of it. */
  String type() {
    return type;
  }

  String title() {
    return title;
  }

  String detail() {
    String message = getMessage();
    return message == null ? title : message;
  }

  Map<String, Object> extensions() {
    return extensions;
  }
}
