package dev.switchover.testkit;

import java.util.Map;

/**
 * What servers read leniently before an adapter sees the request, so that no adapter can refuse
 * it, by the name of the suite's case: for {@link AdapterConformanceSuite#serverLeniencies()}.
 * Each entry says what the server does; the adapters' documentation names them too.
 */
public final class ServerLeniencies {
  /**
   * Undertow's HTTP/1.1 request parser (undertow-core 2.3.27): a folded field line is joined to
   * its field before any handler runs. (The Undertow adapter, and its {@code StrictFraming} in
   * front of a servlet deployment, hold the rest of the framing to the grammar.)
   */
  public static final Map<String, String> UNDERTOW =
      Map.of(
          "an obsolete folded field",
          "Undertow's parser joins a folded line to the field before any handler runs");

  private ServerLeniencies() {}
}
