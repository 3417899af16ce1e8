package dev.switchover.bench.http;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
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

/**
 * Switches {@code shop.localhost} between {@code blue} and {@code green} on one contender, while
 * wrk loads it, and measures each switch with its own probe connection: the time from the start of
 * the switch call to the first response the new workspace served. After the call returns, the
 * probe sends requests back to back until one is answered by the new workspace; responses still
 * from the old one are counted as stale, non-2xx answers and failed exchanges as probe failures.
 * Switches are {@code interval} apart (a pacing, not a synchronization), the first to {@code
 * green}, after unmeasured probe requests and two unmeasured switches there and back; the
 * contender is left on {@code blue}.
 *
 * <p>Usage: {@code Switcher <proxyPort> <switches> <intervalMillis> <mode> <mode arguments>},
 * where the mode is how the contender is switched:
 *
 * <ul>
 *   <li>{@code admin <adminPort>}: Switchover's API, through {@link SwitchAdmin};
 *   <li>{@code nginx <upstreamFile> <bluePort> <greenPort> <reload command...>}: rewrite the
 *       included {@code upstream shop} block and run the reload command (e.g. {@code nginx -c ...
 *       -s reload}), waiting for it to exit;
 *   <li>{@code haproxy <adminSocket> <mapFile>}: {@code set map <mapFile> shop.localhost
 *       be_<workspace>} over HAProxy's runtime API.
 * </ul>
 *
 * <p>In {@code admin} mode the contender's admin endpoint also measures each switch from inside
 * its own JVM ({@link SwitchAdmin}), which leaves out the admin call's round trip; both are
 * reported.
 *
 * <p>Prints one {@code switch} line per switch and a {@code SWITCH-SUMMARY} line, times in
 * microseconds.
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
    if (args.length < 5) {
      throw new IllegalArgumentException(
          "usage: Switcher <proxyPort> <switches> <intervalMillis> admin|nginx|haproxy <mode args>");
    }
    int proxyPort = Loopback.port(args[0], "proxyPort");
    int switches = Integer.parseInt(args[1]);
    long intervalNanos = TimeUnit.MILLISECONDS.toNanos(Long.parseLong(args[2]));
    List<Long> inProcessFirstNew = Collections.synchronizedList(new ArrayList<>());
    SwitchCall call =
        switchCall(args[3], Arrays.copyOfRange(args, 4, args.length), proxyPort, inProcessFirstNew);

    List<Long> callMicros = new ArrayList<>();
    List<Long> reportedMicros = new ArrayList<>();
    List<Long> firstNewMicros = new ArrayList<>();
    long staleTotal = 0;
    long probeNon2xx = 0;
    long probeIoErrors = 0;
    int timeouts = 0;
    String current = "blue";
    try (HttpProbe probe = new HttpProbe(proxyPort, SwitchAdmin.HOST)) {
      for (int i = 0; i < WARMUP_PROBES; i++) {
        try {
          probe.send("GET", "/");
        } catch (IOException e) {
          // counted only when measuring
        }
      }
      for (int i = 0; i < WARMUP_SWITCHES; i++) {
        long next = System.nanoTime() + intervalNanos;
        call.to(i % 2 == 0 ? "green" : "blue");
        for (long now = System.nanoTime(); now < next; now = System.nanoTime()) {
          TimeUnit.NANOSECONDS.sleep(next - now);
        }
      }
      inProcessFirstNew.clear(); // only the measured switches count
      for (int i = 0; i < switches; i++) {
        String to = "blue".equals(current) ? "green" : "blue";
        long start = System.nanoTime();
        long reported = call.to(to);
        long called = System.nanoTime();
        if (reported >= 0) {
          reportedMicros.add(micros(reported));
        }
        long stale = 0;
        long firstNew = -1;
        while (System.nanoTime() - start < PROBE_DEADLINE_NANOS) {
          HttpProbe.Reply reply;
          try {
            reply = probe.send("GET", "/");
          } catch (IOException e) {
            probeIoErrors++;
            continue;
          }
          if (reply.status() / 100 != 2) {
            probeNon2xx++;
          } else if (reply.body().equals(to)) {
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
          System.out.printf(Locale.ROOT, "switch n=%d to=%s call_us=%d first_new_us=TIMEOUT stale=%d%n",
              i + 1, to, micros(called - start), stale);
        } else {
          firstNewMicros.add(micros(firstNew - start));
          System.out.printf(Locale.ROOT, "switch n=%d to=%s call_us=%d first_new_us=%d stale=%d%n",
              i + 1, to, micros(called - start), micros(firstNew - start), stale);
        }
        long next = start + intervalNanos;
        for (long now = System.nanoTime(); now < next; now = System.nanoTime()) {
          TimeUnit.NANOSECONDS.sleep(next - now);
        }
      }
      if (!"blue".equals(current)) {
        call.to("blue");
      }
      System.out.printf(
          Locale.ROOT,
          "SWITCH-SUMMARY switches=%d first_new_p50_us=%d first_new_p90_us=%d first_new_max_us=%d"
              + " call_p50_us=%d call_max_us=%d reported_p50_us=%d reported_max_us=%d"
              + " inproc_first_new_p50_us=%d inproc_first_new_max_us=%d"
              + " stale=%d probe_non2xx=%d probe_io_errors=%d"
              + " probe_connects=%d timeouts=%d%n",
          switches,
          percentile(firstNewMicros, 50),
          percentile(firstNewMicros, 90),
          percentile(firstNewMicros, 100),
          percentile(callMicros, 50),
          percentile(callMicros, 100),
          percentile(reportedMicros, 50),
          percentile(reportedMicros, 100),
          percentile(inProcessFirstNew, 50),
          percentile(inProcessFirstNew, 100),
          staleTotal,
          probeNon2xx,
          probeIoErrors,
          probe.connects(),
          timeouts);
    }
  }

  private static SwitchCall switchCall(
      String mode, String[] a, int proxyPort, List<Long> inProcessFirstNew) {
    return switch (mode) {
      case "admin" -> adminCall(Loopback.port(a[0], "adminPort"), proxyPort, inProcessFirstNew);
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

  private static SwitchCall adminCall(int adminPort, int proxyPort, List<Long> inProcessFirstNew) {
    HttpProbe admin = new HttpProbe(adminPort, "127.0.0.1");
    return to -> {
      HttpProbe.Reply reply = admin.send("POST", "/switch?to=" + to + "&probe=" + proxyPort);
      long firstNew = value(reply.body(), "first_new_ns=");
      if (firstNew >= 0) {
        inProcessFirstNew.add(micros(firstNew));
      }
      if (reply.status() != 200) {
        throw new IOException("switch to " + to + " refused: " + reply);
      }
      return value(reply.body(), "promote_ns=");
    };
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
