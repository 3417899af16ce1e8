package dev.switchover.servlet;

import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;

/**
 * A response that carries one more {@code Set-Cookie}: the canary cookie. A workspace that sets
 * its own with {@code setHeader} (as a proxy copying an upstream's answer does), or resets the
 * response, would otherwise replace it; here it is added back each time, beside theirs.
 */
final class SettingCookie extends HttpServletResponseWrapper {
  private static final String SET_COOKIE = "Set-Cookie";
  private final String setCookie;

  SettingCookie(HttpServletResponse response, String setCookie) {
    super(response);
    this.setCookie = setCookie;
    response.addHeader(SET_COOKIE, setCookie);
  }

  @Override
  public void setHeader(String name, String value) {
    super.setHeader(name, value);
    if (SET_COOKIE.equalsIgnoreCase(name)) {
      super.addHeader(SET_COOKIE, setCookie);
    }
  }

  @Override
  public void reset() {
    super.reset();
    super.addHeader(SET_COOKIE, setCookie);
  }
}
