package dev.switchover.http.internal;

import org.jspecify.annotations.Nullable;

/** Reads one cookie out of a {@code Cookie} field, the same in every adapter. */
public final class Cookies {
  private Cookies() {}

  /**
   * The value of the cookie {@code name} in one {@code Cookie} field, or null if the field has none
   * (or an empty one). Over HTTP/2 a browser may send each cookie in a field of its own: an adapter
   * asks each field in turn. A name only ends another cookie's name ({@code xswitchover-canary})
   * does not count.
   */
  public static @Nullable String value(String cookieHeader, String name) {
    int from = 0;
    while (true) {
      int at = cookieHeader.indexOf(name, from);
      if (at < 0) {
        return null;
      }
      int eq = at + name.length();
      boolean starts = at == 0 || cookieHeader.charAt(at - 1) == ' ' || cookieHeader.charAt(at - 1) == ';';
      if (starts && eq < cookieHeader.length() && cookieHeader.charAt(eq) == '=') {
        int end = cookieHeader.indexOf(';', eq + 1);
        String value = cookieHeader.substring(eq + 1, end < 0 ? cookieHeader.length() : end).trim();
        return value.isEmpty() ? null : value;
      }
      from = eq;
    }
  }
}
