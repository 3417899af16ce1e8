package dev.switchover.servlet;

import dev.switchover.testkit.ServerLeniencies;
import java.util.Map;

/** The conformance suite in Jetty's servlet container (ee10). */
final class JettyServletConformanceTest extends ServletConformanceSuite {
  JettyServletConformanceTest() {
    super(JettyServletRouterServer::start);
  }

  /** The container's connector keeps Jetty's default compliance mode, as a user's would. */
  @Override
  protected Map<String, String> serverLeniencies() {
    return ServerLeniencies.JETTY_DEFAULT_COMPLIANCE;
  }
}
