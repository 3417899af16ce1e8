package dev.switchover.servlet;

import dev.switchover.testkit.ServerLeniencies;
import java.util.HashMap;
import java.util.Map;

/** The conformance suite in Undertow's servlet container. */
final class UndertowServletConformanceTest extends ServletConformanceSuite {
  UndertowServletConformanceTest() {
    super(UndertowServletRouterServer::start);
  }

  /** Undertow's servlet container fails to match a servlet path for these, before any filter. */
  @Override
  protected int statusOfRequestsWithoutAPath() {
    return 500;
  }

  @Override
  protected Map<String, String> knownDefects() {
    Map<String, String> defects = new HashMap<>(WEBSOCKET_LIMITS);
    defects.put(
        "webSocket/IN_PROCESS",
        "the suite runs Undertow's servlet container without a WebSocket implementation"
            + " (undertow-websockets-jsr), so its in-process workspace cannot upgrade");
    return Map.copyOf(defects);
  }

  @Override
  protected Map<String, String> serverLeniencies() {
    return ServerLeniencies.UNDERTOW;
  }
}
