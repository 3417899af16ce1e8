package dev.switchover.admin;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import com.google.common.net.InetAddresses;
import jakarta.servlet.Servlet;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link AdminApi} and its page on a listener of their own, with no servlet container of the
 * host application's: an embedded Jetty serving one {@link AdminServlet} at {@code /}. It listens
 * on {@code 127.0.0.1} unless told otherwise, and refuses any other address unless the API
 * requires tokens. With a key store it speaks HTTPS only. Thread-safe.
 *
 * <pre>{@code
 * try (AdminServer admin = AdminServer.builder(api).port(8081).build().start()) {
 *   System.out.println("Domains page: " + admin.uri());
 *   ...
 * }
 * }</pre>
 */
public final class AdminServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AdminServer.class);

  private final Server server;
  private final ServerConnector connector;
  private final boolean https;

  private AdminServer(Server server, ServerConnector connector, boolean https) {
    this.server = server;
    this.connector = connector;
    this.https = https;
  }

  /** A builder for a server of {@code api}. */
  public static Builder builder(AdminApi api) {
    return new Builder(checkNotNull(api, "api"));
  }

  /**
   * Starts listening.
   *
   * @return this server
   * @throws IllegalStateException if it cannot listen (the port is taken, say); nothing is left running
   */
  public AdminServer start() {
    try {
      server.start();
    } catch (Exception e) {
      try {
        server.stop();
      } catch (Exception stop) {
        e.addSuppressed(stop);
      }
      throw new IllegalStateException("the admin listener could not start on " + connector.getHost() + ":" + connector.getPort() + ": " + e.getMessage(), e);
    }
    log.info("admin API and Domains page on {}", uri());
    return this;
  }

  /** The port it listens on: the one given, or the one the system chose for port 0. */
  public int port() {
    return connector.getLocalPort();
  }

  /** The address of the Domains page, such as {@code http://127.0.0.1:8081/}. */
  public URI uri() {
    String host = connector.getHost();
    String h = host != null && host.contains(":") ? "[" + host + "]" : String.valueOf(host);
    return URI.create((https ? "https" : "http") + "://" + h + ":" + port() + "/");
  }

  /** Stops listening; requests in progress are cut short. */
  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception e) {
      log.warn("admin listener did not stop cleanly", e);
    }
  }

  @Override
  public String toString() {
    return "AdminServer{" + (server.isStarted() ? uri() : "not started") + "}";
  }

  /** Builds an {@link AdminServer}; each setter may be called once. */
  public static final class Builder {
    private final AdminApi api;
    private @Nullable String host;
    private int port = -1;
    private @Nullable Path keyStore;
    private char @Nullable [] keyStorePassword;
    private final Map<String, Servlet> extraServlets = new LinkedHashMap<>();

    private Builder(AdminApi api) {
      this.api = api;
    }

    /**
     * The address to listen on; default {@code 127.0.0.1}. Any address that is not a loopback one
     * needs an API with tokens.
     */
    public Builder host(String address) {
      checkNotNull(address, "address");
      checkState(host == null, "host was already set");
      this.host = address;
      return this;
    }

    /** The port to listen on; 0 lets the system choose. Required. */
    public Builder port(int p) {
      checkArgument(p >= 0 && p <= 65535, "port must be 0 to 65535, but was %s", p);
      checkState(port < 0, "port was already set");
      this.port = p;
      return this;
    }

    /** Serve HTTPS only, with the key and certificate in this PKCS#12 or JKS key store. */
    public Builder keyStore(Path path, char[] password) {
      checkNotNull(path, "path");
      checkNotNull(password, "password");
      checkState(keyStore == null, "keyStore was already set");
      checkArgument(Files.isReadable(path), "cannot read the key store %s", path);
      this.keyStore = path;
      this.keyStorePassword = password.clone();
      return this;
    }

    /**
     * Also serves {@code servlet} at {@code pathSpec} (such as {@code /metrics}), outside the API's
     * authentication: a scrape endpoint for a metrics system, say.
     *
     * @throws IllegalArgumentException if the path is {@code /} or {@code /api} or below it
     */
    public Builder servlet(String pathSpec, Servlet servlet) {
      checkNotNull(pathSpec, "pathSpec");
      checkNotNull(servlet, "servlet");
      checkArgument(pathSpec.startsWith("/") && !pathSpec.equals("/") && !pathSpec.equals("/*"),
          "the path must start with / and not be the page's root, but was %s", pathSpec);
      checkArgument(!pathSpec.equals("/api") && !pathSpec.startsWith("/api/"), "the path %s belongs to the API", pathSpec);
      checkArgument(extraServlets.putIfAbsent(pathSpec, servlet) == null, "a servlet was already given for %s", pathSpec);
      return this;
    }

    /**
     * Builds the server, not yet listening.
     *
     * @throws IllegalStateException if no port was given, or the address is not a loopback one and
     *     the API has no tokens
     * @throws IllegalArgumentException if the address does not resolve
     */
    public AdminServer build() {
      checkState(port >= 0, "give the port");
      String h = host == null ? "127.0.0.1" : host;
      InetAddress address;
      try {
        address = InetAddresses.isInetAddress(h) ? InetAddresses.forString(h) : InetAddress.getByName(h);
      } catch (UnknownHostException e) {
        throw new IllegalArgumentException("cannot resolve the admin listener's host " + h, e);
      }
      checkState(
          address.isLoopbackAddress() || api.requiresTokens(),
          "refusing to listen on %s, which is not a loopback address, without tokens: give the API a token",
          h);
      if (!address.isLoopbackAddress() && keyStore == null) {
        log.warn(
            "the admin listener on {} speaks plain HTTP: bearer tokens cross the network in clear;"
                + " give it a key store, or keep it behind a TLS-terminating proxy",
            h);
      }

      QueuedThreadPool threads = new QueuedThreadPool(16, 2);
      threads.setName("switchover-admin");
      Server server = new Server(threads);
      HttpConfiguration http = new HttpConfiguration();
      http.setSendServerVersion(false);
      http.setSendXPoweredBy(false);
      ServerConnector connector;
      Path ks = keyStore;
      char[] ksPassword = keyStorePassword;
      if (ks != null && ksPassword != null) {
        http.addCustomizer(new SecureRequestCustomizer());
        SslContextFactory.Server tls = new SslContextFactory.Server();
        tls.setKeyStorePath(ks.toString());
        tls.setKeyStorePassword(new String(ksPassword));
        connector = new ServerConnector(server, new SslConnectionFactory(tls, "http/1.1"), new HttpConnectionFactory(http));
      } else {
        connector = new ServerConnector(server, new HttpConnectionFactory(http));
      }
      connector.setHost(h);
      connector.setPort(port);
      server.addConnector(connector);

      ServletContextHandler context = new ServletContextHandler("/");
      context.addServlet(new ServletHolder("switchover-admin", new AdminServlet(api, true)), "/*");
      for (Map.Entry<String, Servlet> s : extraServlets.entrySet()) {
        context.addServlet(new ServletHolder(s.getValue()), s.getKey());
      }
      server.setHandler(context);
      return new AdminServer(server, connector, ks != null);
    }
  }
}
