package dev.switchover.examples;

import dev.switchover.HostName;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

/**
 * A zero-downtime release you can watch: two versions of a small shop ({@code blue} = v1, {@code
 * green} = v2) run as HTTP servers on 127.0.0.1, behind a router (Jetty with the Switchover
 * handler) that serves production {@code shop.localhost}, staging {@code staging.shop.localhost}
 * and the preview hosts {@code blue.preview.localhost} and {@code green.preview.localhost}.
 *
 * <p>By default it runs the release as a script, under continuous client load on {@code
 * shop.localhost}: check green on its preview host, promote production to green, roll back, swap
 * production with staging (green again), stop the load. It prints a progress line while it runs
 * and a summary at the end (requests sent and failed, how long each switch took to publish, what
 * each workspace served), and exits with 1 if any request failed. With {@code --interactive} it
 * keeps running and takes commands on standard input instead, so that you can send requests
 * yourself while you switch:
 *
 * <pre>
 * curl -H 'Host: shop.localhost' http://localhost:PORT/
 * </pre>
 *
 * <p>With {@code --admin} it starts the admin API and the Domains page on 127.0.0.1 as well, prints
 * the page's address and keeps the client load running while a person releases by clicking,
 * until {@code quit} or the end of the input; then it prints how many requests failed.
 *
 * <p>Options: {@code --port N} (the router's port, default a free one), {@code --interactive},
 * {@code --admin}, {@code --admin-port N} (the page's port, default a free one),
 * {@code --phase-millis N} (how long the load runs between steps, default 3000), {@code --clients
 * N} (default 4), {@code --rate N} (the most requests per second in all, default 2000).
 */
public final class BlueGreenDemo {
  static final int OK = 0;
  static final int FAILED = 1;
  static final int USAGE = 2;

  private static final String USAGE_TEXT =
      "usage: BlueGreenDemo [--port N] [--interactive | --admin [--admin-port N]] [--phase-millis N] [--clients N] [--rate N]";

  private BlueGreenDemo() {}

  /** Runs the demo on standard input and output, and exits with its status. */
  public static void main(String[] args) {
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    System.exit(run(args, System.in, out));
  }

  /**
   * Runs the demo: the scripted release, or the command loop on {@code in} with {@code
   * --interactive}.
   *
   * @return 0 if all went well, 1 if a request failed or the demo could not run, 2 for bad arguments
   */
  public static int run(String[] args, InputStream in, PrintStream out) {
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      out.println(e.getMessage());
      out.println(USAGE_TEXT);
      return USAGE;
    }
    if (options.help) {
      out.println(USAGE_TEXT);
      return OK;
    }
    try (ShopDeployment shop = ShopDeployment.start(options.port)) {
      out.println("Switchover blue-green demo");
      out.println("  " + shop.describeServers());
      out.println("  " + ShopDeployment.SHOP + " -> blue, " + ShopDeployment.STAGING + " -> green, "
          + ShopDeployment.BLUE_PREVIEW + " -> blue, " + ShopDeployment.GREEN_PREVIEW + " -> green");
      out.println("  try: curl -H 'Host: " + ShopDeployment.SHOP + "' http://localhost:" + shop.port() + "/");
      out.println();
      Switchboard switchboard = new Switchboard(shop.router(), HostName.parse(ShopDeployment.SHOP));
      if (options.admin) {
        return AdminDemo.run(shop, switchboard, options.adminPort, options.clients, options.rate, in, out);
      }
      if (options.interactive) {
        new CommandLoop(shop, switchboard, out).run(in);
        return OK;
      }
      return new ReleaseScript(shop, switchboard, out, options.phase, options.clients, options.rate).run();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      out.println("interrupted");
      return FAILED;
    } catch (Exception e) {
      out.println();
      out.println("the demo failed: " + e);
      return FAILED;
    } finally {
      out.flush();
    }
  }

  /** The command line. */
  private static final class Options {
    int port;
    boolean interactive;
    boolean admin;
    int adminPort;
    boolean help;
    Duration phase = Duration.ofSeconds(3);
    int clients = 4;
    int rate = 2000;

    static Options parse(String[] args) {
      Options o = new Options();
      for (int i = 0; i < args.length; i++) {
        String arg = args[i];
        switch (arg) {
          case "--interactive" -> o.interactive = true;
          case "--admin" -> o.admin = true;
          case "--admin-port" -> o.adminPort = number(args, ++i, arg, 0, 65_535);
          case "--help", "-h" -> o.help = true;
          case "--port" -> o.port = number(args, ++i, arg, 0, 65_535);
          case "--phase-millis" -> o.phase = Duration.ofMillis(number(args, ++i, arg, 1, 600_000));
          case "--clients" -> o.clients = number(args, ++i, arg, 1, 64);
          case "--rate" -> o.rate = number(args, ++i, arg, 1, 1_000_000);
          default -> throw new IllegalArgumentException("unknown argument: " + arg);
        }
      }
      if (o.admin && o.interactive) {
        throw new IllegalArgumentException("--admin already takes commands on standard input; leave out --interactive");
      }
      if (o.rate < o.clients) {
        throw new IllegalArgumentException(
            String.format(Locale.ROOT, "--rate %d is below one request per second per client (%d)", o.rate, o.clients));
      }
      return o;
    }

    private static int number(String[] args, int i, String option, int min, int max) {
      if (i >= args.length) {
        throw new IllegalArgumentException(option + " needs a number");
      }
      try {
        int n = Integer.parseInt(args[i]);
        if (n < min || n > max) {
          throw new IllegalArgumentException(option + " must be " + min + " to " + max + ", but was " + n);
        }
        return n;
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(option + " needs a number, but got " + args[i], e);
      }
    }
  }
}
