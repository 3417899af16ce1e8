package dev.switchover.etcd.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Real etcd members on loopback, for tests, the fleet example and the fleet benchmark: the
 * installed {@code etcd} binary (Debian's {@code etcd-server}), each member a child process on
 * free loopback ports with its data under a temporary directory, all of it removed by {@link
 * #close()} (and the processes killed when the JVM exits, if a caller forgot). Members can be
 * stopped, killed and started again on the same ports and data. Not thread-safe.
 *
 * <pre>{@code
 * try (LocalEtcd etcd = LocalEtcd.start(3)) {
 *   EtcdTableStore store = EtcdTableStore.builder().endpoints(etcd.endpoints())...
 * }
 * }</pre>
 */
public final class LocalEtcd implements AutoCloseable {
  private static final List<String> CANDIDATES = List.of("/usr/bin/etcd", "/usr/local/bin/etcd");
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  private final Path dir;
  private final List<Member> members = new ArrayList<>();
  private final Thread killOnExit;

  private final class Member {
    final String name;
    final int clientPort;
    final int peerPort;
    @Nullable Process process;

    Member(String name, int clientPort, int peerPort) {
      this.name = name;
      this.clientPort = clientPort;
      this.peerPort = peerPort;
    }

    String clientUrl() {
      return "http://127.0.0.1:" + clientPort;
    }

    String peerUrl() {
      return "http://127.0.0.1:" + peerPort;
    }

    void start(String initialCluster, String token) throws IOException {
      List<String> command =
          List.of(
              executable(),
              "--name", name,
              "--data-dir", dir.resolve(name).toString(),
              "--listen-client-urls", clientUrl(),
              "--advertise-client-urls", clientUrl(),
              "--listen-peer-urls", peerUrl(),
              "--initial-advertise-peer-urls", peerUrl(),
              "--initial-cluster", initialCluster,
              "--initial-cluster-token", token,
              "--initial-cluster-state", "new",
              // etcd's own defaults: a killed leader is replaced within a couple of seconds, and a
              // busy machine (CI on two cores) does not miss heartbeats into endless elections
              "--heartbeat-interval", "100",
              "--election-timeout", "1000",
              "--log-level", "warn",
              "--logger", "zap");
      process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(name + ".log").toFile()))
              .start();
    }
  }

  private final String initialCluster;
  private final String token = UUID.randomUUID().toString();

  private LocalEtcd(int size) throws IOException {
    this.dir = Files.createTempDirectory("switchover-etcd");
    for (int i = 0; i < size; i++) {
      members.add(new Member("m" + i, freePort(), freePort()));
    }
    this.initialCluster = members.stream().map(m -> m.name + "=" + m.peerUrl()).collect(Collectors.joining(","));
    this.killOnExit = new Thread(() -> members.forEach(m -> {
      Process p = m.process;
      if (p != null) {
        p.destroyForcibly();
      }
    }));
    Runtime.getRuntime().addShutdownHook(killOnExit);
  }

  /**
   * Starts {@code size} members and waits until the cluster has a leader.
   *
   * @throws IllegalStateException if etcd is not installed, or elects no leader within 20 s
   * @throws IOException if a member cannot be started
   */
  public static LocalEtcd start(int size) throws IOException, InterruptedException {
    LocalEtcd c = new LocalEtcd(size);
    try {
      for (Member m : c.members) {
        m.start(c.initialCluster, c.token);
      }
      c.awaitLeader();
      return c;
    } catch (IOException | RuntimeException | InterruptedException e) {
      c.close();
      throw e;
    }
  }

  /** The client URLs of all members, such as {@code http://127.0.0.1:34567}. */
  public String[] endpoints() {
    return members.stream().map(Member::clientUrl).toArray(String[]::new);
  }

  /** How many members there are, running or not. */
  public int size() {
    return members.size();
  }

  /** Stops member {@code i} with SIGTERM, as an operator would, and waits for it to exit. */
  public void stop(int i) throws InterruptedException {
    Process p = members.get(i).process;
    if (p != null) {
      p.destroy();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor();
      }
    }
    members.get(i).process = null;
  }

  /** Kills member {@code i} with SIGKILL: no goodbye to its peers. */
  public void kill(int i) throws InterruptedException {
    Process p = members.get(i).process;
    if (p != null) {
      p.destroyForcibly().waitFor();
    }
    members.get(i).process = null;
  }

  /** Stops every member with SIGTERM. */
  public void stopAll() throws InterruptedException {
    for (int i = 0; i < members.size(); i++) {
      stop(i);
    }
  }

  /** Starts member {@code i} again on its ports and data; does not wait for it. */
  public void restart(int i) throws IOException {
    members.get(i).start(initialCluster, token);
  }

  /** Starts every stopped member again and waits for a leader. */
  public void restartAll() throws IOException, InterruptedException {
    for (int i = 0; i < members.size(); i++) {
      if (members.get(i).process == null) {
        restart(i);
      }
    }
    awaitLeader();
  }

  /**
   * The index of the member that is leader now, waiting up to 20 s for one.
   *
   * @throws IllegalStateException if there is none by then, with the members' last log lines
   */
  public int awaitLeader() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      for (int i = 0; i < members.size(); i++) {
        if (members.get(i).process != null && isLeader(members.get(i))) {
          return i;
        }
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("no etcd leader within 20 s; logs in " + dir + ": " + logs());
  }

  private static boolean isLeader(Member m) throws InterruptedException {
    try {
      HttpResponse<String> r =
          HTTP.send(
              HttpRequest.newBuilder(URI.create(m.clientUrl() + "/metrics")).timeout(Duration.ofSeconds(1)).build(),
              HttpResponse.BodyHandlers.ofString());
      return r.body().lines().anyMatch(l -> l.equals("etcd_server_is_leader 1"));
    } catch (IOException e) {
      return false;
    }
  }

  private String logs() {
    try (Stream<Path> files = Files.list(dir)) {
      StringBuilder b = new StringBuilder();
      for (Path f : files.filter(f -> f.toString().endsWith(".log")).toList()) {
        List<String> lines = Files.readAllLines(f);
        b.append("\n").append(f.getFileName()).append(": ").append(lines.subList(Math.max(0, lines.size() - 5), lines.size()));
      }
      return b.toString();
    } catch (IOException e) {
      return e.toString();
    }
  }

  /** Kills every member and removes their data. */
  @Override
  public void close() {
    try {
      for (int i = 0; i < members.size(); i++) {
        kill(i);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(killOnExit);
    } catch (IllegalStateException e) {
      // the JVM is exiting: the hook runs anyway
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not remove " + dir, e);
    }
  }

  /** Whether an etcd binary is installed where this class looks for one. */
  public static boolean isInstalled() {
    return CANDIDATES.stream().anyMatch(c -> Files.isExecutable(Path.of(c)));
  }

  private static String executable() {
    for (String c : CANDIDATES) {
      if (Files.isExecutable(Path.of(c))) {
        return c;
      }
    }
    throw new IllegalStateException(
        "etcd is not installed (looked in " + CANDIDATES + "): run scripts/test, or apt-get install etcd-server");
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
