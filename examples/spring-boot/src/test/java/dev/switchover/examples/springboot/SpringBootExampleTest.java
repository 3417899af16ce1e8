package dev.switchover.examples.springboot;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The example, as scripts/demo runs it, on a free port. */
final class SpringBootExampleTest {
  @Test
  void run_promotesTheShopThroughTheAdminApi_andExitsWithZero() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int status = SpringBootExample.run(new String[0], new PrintStream(bytes, true, StandardCharsets.UTF_8));
    String out = bytes.toString(StandardCharsets.UTF_8);
    assertThat(status).as(out).isEqualTo(SpringBootExample.OK);
    assertThat(out)
        .contains("GET http://shop.localhost/ -> 200 from blue")
        .contains("GET http://green.preview.localhost/ -> 200 from green")
        .contains("/promote {workspace: green}, If-Match: \"1\" -> 200")
        .contains("GET http://shop.localhost/ -> 200 from green")
        .contains("every answer came from the workspace expected");
  }

  @Test
  void run_withAnUnknownOption_printsUsage() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int status = SpringBootExample.run(new String[] {"--prot", "80"}, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    assertThat(status).isEqualTo(SpringBootExample.USAGE);
    assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("usage: scripts/demo SpringBootExample");
  }
}
