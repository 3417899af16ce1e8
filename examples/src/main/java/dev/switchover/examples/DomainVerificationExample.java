package dev.switchover.examples;

import com.google.common.net.InetAddresses;
import dev.switchover.DomainStatus;
import dev.switchover.HostName;
import dev.switchover.PathPrefix;
import dev.switchover.Router;
import dev.switchover.RoutingTable;
import dev.switchover.WorkspaceId;
import dev.switchover.verification.Challenge;
import dev.switchover.verification.DomainVerifier;
import dev.switchover.verification.Verification;
import dev.switchover.verification.VerificationSchedule;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Domain verification: what the owner of a domain must publish before it may carry routes, and
 * the check.
 *
 * <p>The example issues a challenge for a domain through a {@link VerificationSchedule}, which
 * marks the domain {@code PENDING} in the router, and prints the DNS TXT record to create. That
 * is all it does by default: a real check needs a DNS resolver. With {@code --resolver IP:PORT}
 * (once or more) it then waits for Enter, asks the resolvers for the record, and prints the
 * result; once the domain is {@code VERIFIED} it routes it to a workspace. Each run issues a new
 * challenge, with a new token.
 *
 * <pre>
 * DomainVerificationExample shop.example.com --resolver 9.9.9.9:53
 * </pre>
 */
public final class DomainVerificationExample {
  private static final String USAGE =
      "usage: DomainVerificationExample [domain] [--resolver IP:PORT]...   (domain: shop.example.com)";

  private DomainVerificationExample() {}

  /** Runs the example on standard input and output, and exits with its status. */
  public static void main(String[] args) {
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    System.exit(run(args, System.in, out));
  }

  /**
   * Runs the example.
   *
   * @return 0 once the challenge is printed (no resolver) or the domain is verified; 1 if the
   *     input ends before it is verified; 2 for bad arguments
   */
  public static int run(String[] args, InputStream in, PrintStream out) {
    String domain = "shop.example.com";
    List<InetSocketAddress> resolvers = new ArrayList<>();
    try {
      boolean domainGiven = false;
      for (int i = 0; i < args.length; i++) {
        if (args[i].equals("--resolver") && i + 1 < args.length) {
          resolvers.add(resolver(args[++i]));
        } else if (!args[i].startsWith("-") && !domainGiven) {
          domain = args[i];
          domainGiven = true;
        } else {
          throw new IllegalArgumentException("unexpected argument: " + args[i]);
        }
      }
    } catch (IllegalArgumentException e) {
      out.println(e.getMessage());
      out.println(USAGE);
      return BlueGreenDemo.USAGE;
    }

    DomainVerifier verifier =
        resolvers.isEmpty()
            ? DomainVerifier.builder().build()
            : DomainVerifier.builder().resolvers(resolvers).build();
    // The host application's router: a workspace, and no domain yet.
    Router router = Router.create(RoutingTable.builder().workspace("blue").build());
    VerificationSchedule schedule = VerificationSchedule.create(verifier, router);

    Challenge challenge;
    try {
      challenge = schedule.issue(domain);
    } catch (IllegalArgumentException e) {
      out.println("cannot verify " + domain + ": " + e.getMessage());
      return BlueGreenDemo.USAGE;
    }
    HostName name = challenge.domain();
    out.printf(Locale.ROOT, "%s is %s in the router (revision %d): it carries no routes until verified.%n%n",
        name, status(router, name), router.current().revision());
    out.println("Create this DNS TXT record (zone-file form):");
    out.printf(Locale.ROOT, "  %s.  300  IN  TXT  \"%s\"%n", challenge.recordName(), challenge.recordValue());
    challenge.httpUrl().ifPresent(
        url -> out.printf(Locale.ROOT, "or, without access to its DNS, serve the text %s at %s%n", challenge.recordValue(), url));
    out.println();

    if (resolvers.isEmpty()) {
      out.println("No --resolver given, so nothing is checked. Run with --resolver IP:PORT to check the");
      out.println("record there (each run issues a new token: create the record that run prints).");
      return BlueGreenDemo.OK;
    }
    return checkUntilVerified(schedule, challenge, router, in, out);
  }

  private static int checkUntilVerified(
      VerificationSchedule schedule, Challenge challenge, Router router, InputStream in, PrintStream out) {
    BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    HostName name = challenge.domain();
    while (true) {
      out.println("Press Enter once the record is published (end of input to give up).");
      out.flush();
      String line;
      try {
        line = reader.readLine();
      } catch (IOException e) {
        line = null;
      }
      if (line == null) {
        out.println("Gave up: " + name + " stays " + status(router, name) + ".");
        return BlueGreenDemo.FAILED;
      }
      Verification v = schedule.verify(challenge, Challenge.Method.DNS_TXT);
      out.println(v.status() + ": " + v.reason());
      if (v.status() == DomainStatus.VERIFIED) {
        RoutingTable routed =
            router.update(
                router.current().revision(), b -> b.route(name, PathPrefix.ROOT, WorkspaceId.of("blue")));
        out.printf(Locale.ROOT, "revision %d: %s / -> blue; valid until %s unless re-checked (VerificationSchedule.recheckDue)%n",
            routed.revision(), name, v.validUntil().map(Object::toString).orElse("?"));
        return BlueGreenDemo.OK;
      }
      out.println(name + " is " + status(router, name) + ". Fix the record, then check again.");
    }
  }

  private static String status(Router router, HostName name) {
    return router.current().domainStatus(name).map(DomainStatus::name).orElse("unknown");
  }

  /** {@code 192.0.2.53:53} or {@code [2001:db8::53]:53}: an IP address, not a name. */
  private static InetSocketAddress resolver(String text) {
    int colon = text.lastIndexOf(':');
    if (colon <= 0 || colon == text.length() - 1) {
      throw new IllegalArgumentException("a resolver is IP:PORT, such as 127.0.0.1:5353, but got " + text);
    }
    String host = text.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    if (!InetAddresses.isInetAddress(host)) {
      throw new IllegalArgumentException("a resolver is an IP address, not a name: " + text);
    }
    int port;
    try {
      port = Integer.parseInt(text.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a port in " + text, e);
    }
    if (port < 1 || port > 65_535) {
      throw new IllegalArgumentException("a port is 1 to 65535, but got " + port);
    }
    return new InetSocketAddress(InetAddresses.forString(host), port);
  }
}
