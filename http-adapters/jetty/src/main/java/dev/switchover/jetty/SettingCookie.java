package dev.switchover.jetty;

import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * A response that carries one more {@code Set-Cookie}: the canary cookie. It is added at once (for
 * a workspace that answers without writing) and again before the first write if the workspace
 * replaced the field meanwhile (a proxied upstream's own {@code Set-Cookie}, or a handler's {@code
 * put}), or before a response completes that the workspace never wrote to ({@link #completing}),
 * so that neither the workspace's cookies nor this one is lost.
 */
final class SettingCookie extends Response.Wrapper {
  private final HttpField cookie;
  private boolean checked;

  SettingCookie(Request request, Response wrapped, String setCookie) {
    super(request, wrapped);
    this.cookie = new HttpField(HttpHeader.SET_COOKIE, setCookie);
    wrapped.getHeaders().add(cookie);
  }

  @Override
  public void write(boolean last, ByteBuffer content, Callback callback) {
    ensureCookie();
    super.write(last, content, callback);
  }

  /**
   * The workspace's callback, which adds the cookie back before the response completes: a
   * workspace that answers without writing commits its headers only then.
   */
  Callback completing(Callback callback) {
    return new Callback.Nested(callback) {
      @Override
      public void succeeded() {
        ensureCookie();
        super.succeeded();
      }
    };
  }

  private void ensureCookie() {
    if (!checked) {
      checked = true;
      if (!isCommitted() && !getHeaders().contains(cookie)) {
        getHeaders().add(cookie);
      }
    }
  }
}
