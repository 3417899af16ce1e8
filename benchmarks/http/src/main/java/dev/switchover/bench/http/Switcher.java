package dev.switchover.bench.http;

import dev.switchover.rawhttp.RawResponse;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Switches {@code shop.localhost} between {@code blue} and {@code green} on one contender, while
 * wrk loads it, and measures the time from the start of each switch call to the first response
 * of the new workspace, in two places:
 *
 * <ul>
 *   <li><b>at a client</b>, with a probe connection of its own: after the call returns, the probe
 *       sends requests back to back through the contender until one is answered by the new
 *       workspace, and the time is when that answer arrived. Responses still from the old
 *       workspace are counted as stale, non-2xx answers and failed exchanges as probe failures.
 *       Under load this includes the probe's own trip through the loaded proxy, there and back.
 *   <li><b>at the new workspace</b>: the time the new workspace served its first request after the
 *       call started, whoever sent it (mostly wrk), read afterwards from the upstreams' {@link
 *       Onsets} through their control port. Both processes read {@link System#nanoTime()}, the
 *       system-wide monotonic clock on Linux. A switch is left out of this measurement and
 *       counted as <em>not quiet</em> if the new workspace served a request less than {@link
 *       Onsets#QUIET_NANOS} before the call started, and as <em>no onset</em> if it served none
 *       after a quiet spell from then on (it went on serving through the call).
 * </ul>
 *
 * Switches are {@code interval} apart (a pacing, not a synchronization), the first to {@code
 * green}, after unmeasured probe requests and two unmeasured switches there and back; the
 * contender is left on {@code blue}.
 *
 * <p>Usage: {@code Switcher <proxyPort> <upstreamControlPort> <switches> <intervalMillis> <mode>
 * <mode arguments>},
 * where the mode is how the contender is switched:
 *
 * <ul>
 *   <li>{@code admin <adminSocket>}: Switchover's API, through {@link SwitchAdmin}'s line
 *       endpoint on a Unix domain socket: each switch the commit of a promote the endpoint
 *       prepared between two switches;
 *   <li>{@code nginx <upstreamFile> <bluePort> <greenPort> <reload command...>}: rewrite the
 *       included {@code upstream shop} block and run the reload command (e.g. {@code nginx -c ...
 *       -s reload}), waiting for it to exit;
 *   <li>{@code haproxy <adminSocket> <mapFile>}: {@code set map <mapFile> shop.localhost
 *       be_<workspace>} over HAProxy's runtime API.
 * </ul>
 *
 * <p>The measured switch call does what the contender needs to switch and nothing more: for
 * Switchover one call to its admin endpoint that returns once the switch (the commit of a
 * prepared promote) has. In {@code admin}
 * mode a second series of as many switches, paced alike, then has the contender's admin endpoint
 * measure each switch from inside its own JVM ({@link SwitchAdmin}: from before the switch
 * to its own first new answer through the proxy), which leaves out the admin call's round trip.
 * That series is separate so that neither measurement contains the other: an endpoint probing
 * within the measured switches would hold the switch call open for its probing. The contender is
 * therefore switched twice as often in {@code admin} mode; both series are reported. In {@code
 * admin} mode the measured series also reports the time from just before the switch (the
 * endpoint says when, on the same clock) to the new workspace's first served request.
 *
 * <p>Prints one {@code switch} line per measured switch, one {@code inproc} line per switch of the
 * in-JVM series, and a {@code SWITCH-SUMMARY} line, times in microseconds.
 */
public final class Switcher {
  private static final long PROBE_DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(10);

  private Switcher() {}

  /** How a contender is told to send {@code shop.localhost} to a workspace. */
  private interface SwitchCall {
    /**
     * Switches; returns when the contender has accepted the switch, with the nanoseconds the
     * contender says the switch itself took, or -1 if it does not say.
     */
    long to(String workspace) throws IOException, InterruptedException;
  }

  /** Unmeasured switches (there and back) before the measured ones, so that none is a first. */
  private static final int WARMUP_SWITCHES = 2;
  /** Unmeasured probe requests first, so that the probe's own code is compiled when measuring. */
  private static final int WARMUP_PROBES = 2_000;

  /** Runs the switches and prints the measurements. */
  public static void main(String[] args) throws Exception {
    if (args.length < 6) {
      throw new IllegalArgumentException(
          "usage: Switcher <proxyPort> <upstreamControlPort> <switches> <intervalMillis>"
              + " admin|nginx|haproxy <mode args>");
    }
    int proxyPort = Loopback.port(args[0], "proxyPort");
    int controlPort = Loopback.port(args[1], "upstreamControlPort");
    int switches = Integer.parseInt(args[2]);
    long intervalNanos = TimeUnit.MILLISECONDS.toNanos(Long.parseLong(args[3]));
    String mode = args[4];
    String[] modeArgs = Arrays.copyOfRange(args, 5, args.length);
    @Nullable Admin admin = mode.equals("admin") ? new Admin(adminSocket(modeArgs), proxyPort) : null;
    SwitchCall call = admin != null ? admin::switchTo : switchCall(mode, modeArgs);

    List<Long> callMicros = new ArrayList<>();
    List<Long> reportedMicros = new ArrayList<>();
    List<Long> firstNewMicros = new ArrayList<>();
    List<Long> inProcessFirstNewMicros = new ArrayList<>();
    List<Long> firstServedMicros = new ArrayList<>();
    List<Long> promoteToServedMicros = new ArrayList<>();
    int notQuiet = 0;
    int noOnset = 0;
    long staleTotal = 0;
    long probeNon2xx = 0;
    long probeIoErrors = 0;
    int timeouts = 0;
    int inProcessSwitches = 0;
    int inProcessTimeouts = 0;
    int preparedCommits = 0; // measured switches that committed the prepared table itself
    try (HttpProbe probe = new HttpProbe(proxyPort, SwitchAdmin.HOST);
        HttpProbe control = new HttpProbe(controlPort, "127.0.0.1")) {
      for (int i = 0; i < WARMUP_PROBES; i++) {
        try {
          probe.get("/");
        } catch (IOException e) {
          // counted only when measuring
        }
      }
      warmUp(call, intervalNanos);
      String current = "blue";
      for (int i = 0; i < switches; i++) {
        String to = "blue".equals(current) ? "green" : "blue";
        long start = System.nanoTime();
        long reported = call.to(to);
        long called = System.nanoTime();
        if (reported >= 0) {
          reportedMicros.add(micros(reported));
        }
        if (admin != null && admin.lastPrepared()) {
          preparedCommits++;
        }
        long stale = 0;
        long firstNew = -1;
        while (System.nanoTime() - start < PROBE_DEADLINE_NANOS) {
          RawResponse reply;
          try {
            reply = probe.get("/");
          } catch (IOException e) {
            probeIoErrors++;
            continue;
          }
          if (reply.status() / 100 != 2) {
            probeNon2xx++;
          } else if (reply.bodyText().equals(to)) {
            firstNew = System.nanoTime();
            break;
          } else {
            stale++;
          }
        }
        current = to;
        staleTotal += stale;
        callMicros.add(micros(called - start));
        if (firstNew < 0) {
          timeouts++;
        } else {
          firstNewMicros.add(micros(firstNew - start));
        }
        String served;
        Onsets.@Nullable Onset onset = onset(control, to, start);
        if (onset == null) {
          noOnset++;
          served = "first_served_us=NO-ONSET";
        } else if (!onset.quietSince(start - Onsets.QUIET_NANOS)) {
          notQuiet++;
          served = "first_served_us=NOT-QUIET";
        } else {
          firstServedMicros.add(micros(onset.at() - start));
          served = "first_served_us=" + micros(onset.at() - start);
          if (admin != null) {
            long promoteToServed = onset.at() - admin.lastStartedNanos();
            promoteToServedMicros.add(micros(promoteToServed));
            served += " promote_to_served_us=" + micros(promoteToServed);
          }
        }
        System.out.printf(Locale.ROOT, "switch n=%d to=%s call_us=%d first_new_us=%s stale=%d %s%n",
            i + 1, to, micros(called - start),
            firstNew < 0 ? "TIMEOUT" : Long.toString(micros(firstNew - start)), stale, served);
        awaitNanoTime(start + intervalNanos);
      }
      if (admin != null) {
        // The in-JVM measurement, in switches of its own: had the endpoint probed within the
        // measured switches above, their admin call would include its probing through the proxy.
        SwitchCall probed = admin::switchAndProbe;
        if (!"blue".equals(current)) {
          probed.to("blue");
          current = "blue";
        }
        warmUp(probed, intervalNanos);
        for (int i = 0; i < switches; i++) {
          String to = "blue".equals(current) ? "green" : "blue";
          long start = System.nanoTime();
          long reported = probed.to(to);
          long called = System.nanoTime();
          if (reported >= 0) {
            reportedMicros.add(micros(reported));
          }
          long firstNew = admin.lastFirstNewNanos();
          current = to;
          inProcessSwitches++;
          if (firstNew < 0) {
            inProcessTimeouts++;
          } else {
            inProcessFirstNewMicros.add(micros(firstNew));
          }
          System.out.printf(Locale.ROOT, "inproc n=%d to=%s call_us=%d promote_us=%d first_new_us=%s%n",
              i + 1, to, micros(called - start), reported < 0 ? -1 : micros(reported),
              firstNew < 0 ? "TIMEOUT" : Long.toString(micros(firstNew)));
          awaitNanoTime(start + intervalNanos);
        }
      }
      if (!"blue".equals(current)) {
        call.to("blue");
      }
      System.out.printf(
          Locale.ROOT,
          "SWITCH-SUMMARY switches=%d first_new_p50_us=%d first_new_p90_us=%d first_new_max_us=%d"
              + " first_served_p50_us=%d first_served_p90_us=%d first_served_max_us=%d"
              + " not_quiet=%d no_onset=%d promote_to_served_p50_us=%d promote_to_served_max_us=%d"
              + " call_p50_us=%d call_max_us=%d reported_p50_us=%d reported_max_us=%d"
              + " inproc_switches=%d inproc_first_new_p50_us=%d inproc_first_new_max_us=%d"
              + " inproc_timeouts=%d stale=%d probe_non2xx=%d probe_io_errors=%d"
              + " probe_connects=%d timeouts=%d switch_way=%s prepared_commits=%d%n",
          switches,
          percentile(firstNewMicros, 50),
          percentile(firstNewMicros, 90),
          percentile(firstNewMicros, 100),
          percentile(firstServedMicros, 50),
          percentile(firstServedMicros, 90),
          percentile(firstServedMicros, 100),
          notQuiet,
          noOnset,
          percentile(promoteToServedMicros, 50),
          percentile(promoteToServedMicros, 100),
          percentile(callMicros, 50),
          percentile(callMicros, 100),
          percentile(reportedMicros, 50),
          percentile(reportedMicros, 100),
          inProcessSwitches,
          percentile(inProcessFirstNewMicros, 50),
          percentile(inProcessFirstNewMicros, 100),
          inProcessTimeouts,
          staleTotal,
          probeNon2xx,
          probeIoErrors,
          probe.connects(),
          timeouts,
          admin == null ? mode : "prepared",
          preparedCommits);
    } finally {
      if (admin != null) {
        admin.close();
      }
    }
  }

  /**
   * The first onset of {@code workspace} at or after {@code start}, from the upstreams' control
   * endpoint, or null if it has had none since (it went on serving through the switch, or served
   * nothing yet).
   */
  private static Onsets.@Nullable Onset onset(HttpProbe control, String workspace, long start)
      throws IOException {
    RawResponse reply = control.get("/onset?workspace=" + workspace + "&after=" + start);
    if (reply.status() != 200) {
      throw new IOException("the upstreams' control endpoint refused: " + reply + " " + reply.bodyText());
    }
    String body = reply.bodyText();
    String onset = word(body, "onset_ns=");
    if (onset.equals("none")) {
      return null;
    }
    String previous = word(body, "previous_ns=");
    return new Onsets.Onset(Long.parseLong(onset), previous.equals("none") ? null : Long.parseLong(previous));
  }

  /** The word after {@code key} in a {@code key=value key=value} answer. */
  private static String word(String answer, String key) throws IOException {
    int at = answer.indexOf(key);
    if (at < 0) {
      throw new IOException("no " + key + " in " + answer);
    }
    int end = answer.indexOf(' ', at);
    return answer.substring(at + key.length(), end < 0 ? answer.length() : end).trim();
  }

  /** Unmeasured switches there and back, so that no measured switch is a first. */
  private static void warmUp(SwitchCall call, long intervalNanos)
      throws IOException, InterruptedException {
    for (int i = 0; i < WARMUP_SWITCHES; i++) {
      long next = System.nanoTime() + intervalNanos;
      call.to(i % 2 == 0 ? "green" : "blue");
      awaitNanoTime(next);
    }
  }

  /** Paces the switches: returns once {@link System#nanoTime()} has reached {@code deadline}. */
  private static void awaitNanoTime(long deadline) throws InterruptedException {
    for (long now = System.nanoTime(); now - deadline < 0; now = System.nanoTime()) {
      TimeUnit.NANOSECONDS.sleep(deadline - now);
    }
  }

  private static SwitchCall switchCall(String mode, String[] a) {
    return switch (mode) {
      case "nginx" -> {
        if (a.length < 4) {
          throw new IllegalArgumentException(
              "nginx needs <upstreamFile> <bluePort> <greenPort> <reload command...>");
        }
        yield nginxCall(
            Path.of(a[0]),
            Loopback.port(a[1], "bluePort"),
            Loopback.port(a[2], "greenPort"),
            List.of(Arrays.copyOfRange(a, 3, a.length)));
      }
      case "haproxy" -> {
        if (a.length != 2) {
          throw new IllegalArgumentException("haproxy needs <adminSocket> <mapFile>");
        }
        yield haproxyCall(Path.of(a[0]), a[1]);
      }
      default ->
          throw new IllegalArgumentException("mode must be admin, nginx or haproxy, but was " + mode);
    };
  }

  /**
   * One connection to a contender's admin endpoint: a line per switch on a Unix domain socket,
   * each answer awaited for at most {@link #ANSWER_TIMEOUT_NANOS} (longer than the endpoint's own
   * probing may take).
   */
  private static final class AdminSocket implements AutoCloseable {
    private static final long ANSWER_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final SocketChannel channel;
    private final Selector selector;
    private final ByteBuffer in = ByteBuffer.allocate(4096);

    AdminSocket(Path socket) throws IOException {
      this.channel = SocketChannel.open(StandardProtocolFamily.UNIX);
      channel.connect(UnixDomainSocketAddress.of(socket));
      channel.configureBlocking(false);
      this.selector = Selector.open();
      channel.register(selector, SelectionKey.OP_READ | SelectionKey.OP_WRITE);
    }

    /** Sends a switch's query; returns the answer's body, for a status of 200. */
    String call(String query) throws IOException {
      long deadline = System.nanoTime() + ANSWER_TIMEOUT_NANOS;
      ByteBuffer out = ByteBuffer.wrap((query + "\n").getBytes(StandardCharsets.US_ASCII));
      while (out.hasRemaining()) {
        if (channel.write(out) == 0) {
          await(deadline, query);
        }
      }
      in.clear();
      while (in.position() == 0 || in.get(in.position() - 1) != '\n') {
        int read = in.hasRemaining() ? channel.read(in) : -1;
        if (read < 0) {
          throw new IOException("admin socket closed or answered too long a line for ?" + query);
        }
        if (read == 0) {
          await(deadline, query);
        }
      }
      String line = new String(in.array(), 0, in.position() - 1, StandardCharsets.UTF_8);
      if (!line.startsWith("200 ")) {
        throw new IOException("switch ?" + query + " refused: " + line);
      }
      return line.substring("200 ".length());
    }

    /** Waits for the socket to be readable or writable, until {@code deadline}. */
    private void await(long deadline, String query) throws IOException {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new IOException("no answer from the admin socket within 30 s for ?" + query);
      }
      selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
      selector.selectedKeys().clear();
    }

    @Override
    public void close() {
      try {
        selector.close();
        channel.close();
      } catch (IOException e) {
        // closing at the end of the run
      }
    }
  }

  /** The admin socket named by {@code admin <adminSocket>}. */
  private static AdminSocket adminSocket(String[] modeArgs) throws IOException {
    if (modeArgs.length != 1) {
      throw new IllegalArgumentException("admin needs <adminSocket>");
    }
    return new AdminSocket(Path.of(modeArgs[0]));
  }

  /**
   * Switchover's switch, through the contender's {@link SwitchAdmin} endpoint on one connection:
   * {@link #switchTo} only switches, and is what the measured switches call, as the other
   * contenders' calls only switch; {@link #switchAndProbe} also has the endpoint measure the switch
   * inside the proxy's JVM, and answers once it has.
   */
  private static final class Admin implements AutoCloseable {
    private final AdminSocket connection;
    private final int proxyPort;
    private long lastFirstNewNanos = -1;
    private long lastStartedNanos;
    /** Whether the last {@link #switchTo} committed a prepared table as it was prepared. */
    private boolean lastPrepared;

    Admin(AdminSocket connection, int proxyPort) {
      this.connection = connection;
      this.proxyPort = proxyPort;
    }

    long switchTo(String to) throws IOException {
      String answer = connection.call("to=" + to);
      lastStartedNanos = Long.parseLong(word(answer, "started_ns="));
      lastPrepared = value(answer, "prepared=") == 1;
      return value(answer, "switch_ns=");
    }

    /** Whether the last {@link #switchTo} committed a prepared table as it was prepared. */
    boolean lastPrepared() {
      return lastPrepared;
    }

    /** The proxy's {@link System#nanoTime()} just before its last switch. */
    long lastStartedNanos() {
      return lastStartedNanos;
    }

    long switchAndProbe(String to) throws IOException {
      String answer = connection.call("to=" + to + "&probe=" + proxyPort);
      lastFirstNewNanos = value(answer, "first_new_ns=");
      return value(answer, "switch_ns=");
    }

    /** From before the switch to the endpoint's first new answer, in the last {@link #switchAndProbe}; -1 for none. */
    long lastFirstNewNanos() {
      return lastFirstNewNanos;
    }

    @Override
    public void close() {
      connection.close();
    }
  }

  /** The number after {@code key} in a {@code key=value key=value} answer, or -1. */
  private static long value(String answer, String key) {
    int at = answer.indexOf(key);
    if (at < 0) {
      return -1;
    }
    int end = answer.indexOf(' ', at);
    return Long.parseLong(answer.substring(at + key.length(), end < 0 ? answer.length() : end).trim());
  }

  /** What an operator does: rewrite the upstream, then {@code nginx -s reload}. */
  private static SwitchCall nginxCall(Path upstreamFile, int bluePort, int greenPort, List<String> reload) {
    return to -> {
      int port = "blue".equals(to) ? bluePort : greenPort;
      Path next = upstreamFile.resolveSibling(upstreamFile.getFileName() + ".next");
      Files.writeString(next, NginxUpstream.block(port), StandardCharsets.US_ASCII);
      Files.move(next, upstreamFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      Process p = new ProcessBuilder(reload).redirectErrorStream(true).start();
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.waitFor() != 0) {
        throw new IOException("reload failed: " + reload + ": " + output);
      }
      return -1;
    };
  }

  private static SwitchCall haproxyCall(Path socket, String mapFile) {
    return to -> {
      String command = "set map " + mapFile + " " + SwitchAdmin.HOST + " be_" + to + "\n";
      try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
        channel.connect(UnixDomainSocketAddress.of(socket));
        ByteBuffer out = ByteBuffer.wrap(command.getBytes(StandardCharsets.US_ASCII));
        while (out.hasRemaining()) {
          channel.write(out);
        }
        ByteBuffer in = ByteBuffer.allocate(4096);
        while (channel.read(in) >= 0 && in.hasRemaining()) {
          // the runtime API answers, then closes a non-interactive session
        }
        in.flip();
        String answer = StandardCharsets.US_ASCII.decode(in).toString().trim();
        if (!answer.isEmpty()) {
          throw new IOException("HAProxy refused '" + command.trim() + "': " + answer);
        }
      }
      return -1;
    };
  }

  private static long micros(long nanos) {
    return TimeUnit.NANOSECONDS.toMicros(nanos);
  }

  /** The nearest-rank percentile, or -1 for no values. */
  private static long percentile(List<Long> values, int p) {
    if (values.isEmpty()) {
      return -1;
    }
    List<Long> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int rank = (int) Math.ceil(p / 100.0 * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size(), rank) - 1));
  }
}
