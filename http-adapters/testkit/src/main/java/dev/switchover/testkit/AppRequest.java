package dev.switchover.testkit;

import static java.util.Objects.requireNonNull;

import dev.switchover.rawhttp.HeaderMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * One request as a {@link WorkspaceApp} sees it, whichever server delivered it: an adapter's
 * in-process bridge or a {@link WorkspaceServer}. Immutable.
 */
public final class AppRequest {
  private final String method;
  private final String target;
  private final @Nullable String serverName;
  private final @Nullable String canonicalPath;
  private final HeaderMap headers;
  private final byte[] body;

  private AppRequest(Builder b) {
    this.method = b.method;
    this.target = b.target;
    this.serverName = b.serverName;
    this.canonicalPath = b.canonicalPath;
    this.headers = HeaderMap.copyOf(b.headers);
    this.body = b.body.clone();
  }

  /**
   * Starts a request.
   *
   * @param method the method, such as {@code GET}
   * @param target the raw request target as the server received it: the encoded path and, after a
   *     {@code ?}, the raw query
   */
  public static Builder builder(String method, String target) {
    return new Builder(method, target);
  }

  /** The method, such as {@code GET}. */
  public String method() {
    return method;
  }

  /** The raw target: the encoded path and, after {@code ?}, the raw query. */
  public String target() {
    return target;
  }

  /** The raw query, or the empty string when there is none. */
  public String query() {
    int q = target.indexOf('?');
    return q < 0 ? "" : target.substring(q + 1);
  }

  /**
   * The host the serving server parsed from the request's authority, when the app runs in the
   * router's own server (in process); null behind a proxy.
   */
  public @Nullable String serverName() {
    return serverName;
  }

  /**
   * The server's canonical (decoded, normalized) path that the router resolved on, when the app
   * runs in the router's own server (in process); null behind a proxy.
   */
  public @Nullable String canonicalPath() {
    return canonicalPath;
  }

  /** The first value of a header (name in any case), or null. */
  public @Nullable String header(String name) {
    return headers.first(name);
  }

  /** All values of a header (name in any case), in order. */
  public List<String> headers(String name) {
    return headers.all(name);
  }

  /** The request body. */
  public byte[] body() {
    return body.clone();
  }

  int bodyLength() {
    return body.length;
  }

  /** Builds an {@link AppRequest}; a bridge fills it from its server's request. */
  public static final class Builder {
    private final String method;
    private final String target;
    private @Nullable String serverName;
    private @Nullable String canonicalPath;
    private final Map<String, List<String>> headers = new TreeMap<>();
    private byte[] body = new byte[0];

    private Builder(String method, String target) {
      this.method = requireNonNull(method, "method");
      this.target = requireNonNull(target, "target");
    }

    /** The host name the router's server parsed (in-process bridges only). */
    public Builder serverName(@Nullable String name) {
      this.serverName = name;
      return this;
    }

    /** The canonical path the router's server resolved on (in-process bridges only). */
    public Builder canonicalPath(@Nullable String path) {
      this.canonicalPath = path;
      return this;
    }

    /** Adds one header value; names are compared ignoring case. */
    public Builder header(String name, String value) {
      headers
          .computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>())
          .add(requireNonNull(value, "value"));
      return this;
    }

    /** The request body (copied). */
    public Builder body(byte[] bytes) {
      this.body = bytes.clone();
      return this;
    }

    /** The request. */
    public AppRequest build() {
      return new AppRequest(this);
    }
  }
}
