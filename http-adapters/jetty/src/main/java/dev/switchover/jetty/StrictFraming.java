package dev.switchover.jetty;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.http.HttpCompliance;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a Jetty server refuse with 400 the request framing that Jetty's compliance modes may read
 * leniently: a bare LF ending a line (which Jetty's default mode accepts, as RFC 9112 allows), a
 * folded field line, white space before a field's colon or a field without one, a {@code
 * Transfer-Encoding} beside a {@code Content-Length}, several {@code Content-Length}s. A proxy in
 * front that reads the same bytes otherwise could smuggle a request past the router.
 *
 * <p>{@link SwitchoverHandler} applies it to its server when it starts. A Jetty server that routes
 * with Switchover's servlet filter instead applies it once its connectors are added:
 *
 * <pre>{@code
 * server.addConnector(connector);
 * StrictFraming.apply(server);
 * server.start();
 * }</pre>
 */
public final class StrictFraming {
  private static final Logger log = LoggerFactory.getLogger(StrictFraming.class);
  private static final List<HttpCompliance.Violation> LENIENT_FRAMING =
      List.of(
          HttpCompliance.Violation.LF_HEADER_TERMINATION,
          HttpCompliance.Violation.LF_CHUNK_TERMINATION,
          HttpCompliance.Violation.MULTILINE_FIELD_VALUE,
          HttpCompliance.Violation.WHITESPACE_AFTER_FIELD_NAME,
          HttpCompliance.Violation.NO_COLON_AFTER_FIELD_NAME,
          HttpCompliance.Violation.TRANSFER_ENCODING_WITH_CONTENT_LENGTH,
          HttpCompliance.Violation.MULTIPLE_CONTENT_LENGTHS);

  private StrictFraming() {}

  /**
   * Removes the lenient framing violations from the HTTP compliance mode of every HTTP/1 connector
   * the server has now; each change is logged once, at INFO. Connections accepted from then on
   * parse strictly. Calling it again changes nothing.
   */
  public static void apply(Server server) {
    requireNonNull(server, "server");
    for (Connector connector : server.getConnectors()) {
      HttpConnectionFactory http = connector.getConnectionFactory(HttpConnectionFactory.class);
      if (http != null) {
        apply(http.getHttpConfiguration(), connector);
      }
    }
  }

  private static void apply(HttpConfiguration configuration, Connector connector) {
    HttpCompliance compliance = configuration.getHttpCompliance();
    List<HttpCompliance.Violation> allowed = new ArrayList<>();
    for (HttpCompliance.Violation v : LENIENT_FRAMING) {
      if (compliance.allows(v)) {
        allowed.add(v);
      }
    }
    if (!allowed.isEmpty()) {
      configuration.setHttpCompliance(
          compliance.without(
              compliance.getName() + "-switchover", allowed.toArray(HttpCompliance.Violation[]::new)));
      log.info(
          "{}: HTTP compliance {} without {}: Switchover refuses lenient framing",
          connector, compliance.getName(), allowed);
    }
  }
}
