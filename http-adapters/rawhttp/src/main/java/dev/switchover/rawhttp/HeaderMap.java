package dev.switchover.rawhttp;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Header values by lower-case name, in arrival order: immutable, looked up ignoring case. The
 * headers of a {@link RawResponse}, and of the requests the testkit's workspace apps see.
 */
public final class HeaderMap {
  private final Map<String, List<String>> values;

  private HeaderMap(Map<String, List<String>> values) {
    this.values = values;
  }

  /** A copy of {@code headers}, whose names are folded to lower case. */
  public static HeaderMap copyOf(Map<String, List<String>> headers) {
    TreeMap<String, List<String>> copy = new TreeMap<>();
    headers.forEach(
        (name, list) ->
            copy.merge(
                name.toLowerCase(Locale.ROOT),
                List.copyOf(list),
                (a, b) -> {
                  List<String> both = new ArrayList<>(a);
                  both.addAll(b);
                  return List.copyOf(both);
                }));
    return new HeaderMap(Collections.unmodifiableMap(copy));
  }

  /** The first value of header {@code name} (in any case), or null if there is none. */
  public @Nullable String first(String name) {
    List<String> list = values.get(name.toLowerCase(Locale.ROOT));
    return list == null || list.isEmpty() ? null : list.get(0);
  }

  /** Every value of header {@code name} (in any case), in arrival order; empty if none. */
  public List<String> all(String name) {
    List<String> list = values.get(name.toLowerCase(Locale.ROOT));
    return list == null ? List.of() : list;
  }
}
