package dev.switchover.verification;

import static org.junit.jupiter.api.Assertions.fail;

import com.google.common.base.Splitter;
import java.io.File;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * A real DNS server for tests: dnsmasq, started as a child process on a free loopback port (UDP and
 * TCP) with the records a test gives as dnsmasq options ({@code --txt-record=...}, {@code
 * --cname=...}), authoritative for example.com, example.net and example.org (unknown names there
 * are NXDOMAIN, names elsewhere are REFUSED). Stopped by {@link #close()}, and killed when the JVM
 * exits if a test forgot. Fails the test, with instructions, when dnsmasq is not installed.
 */
final class Dnsmasq implements AutoCloseable {
  private static final String PROBE = "probe.example.com";
  private static final Duration START_DEADLINE = Duration.ofSeconds(10);
  private static final int LOWEST_PORT = 20_000;
  private static final int HIGHEST_PORT = 32_000;
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final List<String> CANDIDATES =
      List.of("/usr/sbin/dnsmasq", "/usr/local/sbin/dnsmasq", "/sbin/dnsmasq", "/usr/bin/dnsmasq");

  private final Process process;
  private final Thread killOnExit;
  private final int port;
  private final Path log;

  private Dnsmasq(Process process, Thread killOnExit, int port, Path log) {
    this.process = process;
    this.killOnExit = killOnExit;
    this.port = port;
    this.log = log;
  }

  /** Starts dnsmasq on a free loopback port serving these records. */
  static Dnsmasq start(String... records) throws IOException, InterruptedException {
    IOException last = null;
    for (int attempt = 0; attempt < 5; attempt++) {
      int port = freePort();
      try {
        return startOn(port, records);
      } catch (IOException e) {
        last = e; // most likely the port was taken between probing and binding: try another
      }
    }
    throw last;
  }

  /** Stops this server and starts another on the same port with other records. */
  Dnsmasq restart(String... records) throws IOException, InterruptedException {
    close();
    return startOn(port, records);
  }

  InetSocketAddress address() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
  }

  @Override
  public void close() {
    if (!process.isAlive()) {
      // Not stopped by us: say why, since the test that used it most likely failed for that reason.
      System.err.println("dnsmasq on port " + port + " had exited by itself with " + process.exitValue() + ": " + outputOrProblem());
    }
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(killOnExit);
    } catch (IllegalStateException e) {
      // the JVM is exiting: the hook runs anyway
    }
    try {
      Files.deleteIfExists(log);
    } catch (IOException e) {
      // a temp file left behind is harmless
    }
  }

  private static Dnsmasq startOn(int port, String... records) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(executable());
    command.addAll(
        List.of(
            // --no-daemon is dnsmasq's debug mode: in the foreground, no pid file, no change of user
            "--no-daemon",
            "--conf-file=/dev/null",
            "--no-resolv",
            "--no-hosts",
            "--log-facility=-",
            "--port=" + port,
            "--listen-address=127.0.0.1",
            "--bind-interfaces",
            "--local=/example.com/",
            "--local=/example.net/",
            "--local=/example.org/",
            "--txt-record=" + PROBE + ",ready"));
    command.addAll(Arrays.asList(records));
    Path log = Files.createTempFile("dnsmasq", ".log");
    Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    Thread killOnExit = new Thread(process::destroyForcibly, "kill dnsmasq on port " + port);
    Runtime.getRuntime().addShutdownHook(killOnExit);
    Dnsmasq server = new Dnsmasq(process, killOnExit, port, log);
    try {
      server.awaitAnswering(command);
      return server;
    } catch (IOException | RuntimeException | Error e) {
      server.close();
      throw e;
    }
  }

  /** Waits, with a deadline, until the server answers the probe record (a real answer, not an echo). */
  private void awaitAnswering(List<String> command) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + START_DEADLINE.toNanos();
    SimpleResolver resolver = new SimpleResolver(address());
    resolver.setTimeout(Duration.ofMillis(200));
    Message probe = Message.newQuery(Record.newRecord(Name.fromString(PROBE + "."), Type.TXT, DClass.IN));
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("dnsmasq exited with " + process.exitValue() + ": " + output() + "\ncommand: " + command);
      }
      try {
        Message answer = resolver.send(probe);
        if (answer.getHeader().getFlag(Flags.QR) && !answer.getSection(Section.ANSWER).isEmpty()) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
    }
    throw new IOException("dnsmasq did not answer within " + START_DEADLINE + ": " + output());
  }

  private String output() throws IOException {
    return Files.readString(log, StandardCharsets.UTF_8).strip();
  }

  private String outputOrProblem() {
    try {
      return output();
    } catch (IOException e) {
      return "(its output is unreadable: " + e + ")";
    }
  }

  private static String executable() {
    List<String> places = new ArrayList<>();
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : Splitter.on(File.pathSeparatorChar).omitEmptyStrings().split(path)) {
        places.add(dir + "/dnsmasq");
      }
    }
    places.addAll(CANDIDATES);
    for (String place : places) {
      if (Files.isExecutable(Path.of(place))) {
        return place;
      }
    }
    return fail(
        "dnsmasq is not installed, and the DNS verification tests need a real DNS server: install the"
            + " Debian package dnsmasq-base (apt-get install dnsmasq-base; scripts/test does it). Looked in "
            + places);
  }

  /**
   * A port free for both UDP and TCP on loopback, just now, taken below 32768: dnsjava binds its
   * queries' source ports at random in the kernel's ephemeral range (32768-60999 on Linux, 49152 and
   * up elsewhere), so a server port in that range could be taken by a query socket, which would
   * then even receive its own query back as if it were an answer.
   */
  private static int freePort() throws IOException {
    for (int attempt = 0; attempt < 50; attempt++) {
      int port = LOWEST_PORT + RANDOM.nextInt(HIGHEST_PORT - LOWEST_PORT);
      try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
          ServerSocket tcp = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
        if (udp.getLocalPort() == tcp.getLocalPort()) {
          return port;
        }
      } catch (IOException e) {
        // taken: try another
      }
    }
    throw new IOException("no port between " + LOWEST_PORT + " and " + HIGHEST_PORT + " free for both UDP and TCP on loopback");
  }
}
