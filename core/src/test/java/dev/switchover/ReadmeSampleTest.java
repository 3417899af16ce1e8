package dev.switchover;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README's code sample is this test's code: it compiles, runs, and stays the same text. */
final class ReadmeSampleTest {
  @Test
  void sample_runsAsTheReadmeSays() {
    // README-SAMPLE-START
    RoutingTable table = RoutingTable.builder()
        .workspace("blue").workspace("green")
        .domain("shop.example.com", DomainStatus.VERIFIED)
        .route("shop.example.com", "/", "blue")
        .route("shop.example.com", "/api", "green")
        .build();
    Router router = Router.create(table);
    router.resolve("Shop.Example.com:443", "/api/orders").workspace();  // green
    router.promote("shop.example.com", "green");                        // release: all of it on green
    router.rollback();                                                  // and back, as revision 3
    // README-SAMPLE-END
    assertEquals("green", table.resolve("Shop.Example.com:443", "/api/orders").workspace().name());
    assertEquals(3, router.current().revision());
    assertEquals("blue", router.resolve("shop.example.com", "/").workspace().name());
  }

  @Test
  void readme_showsExactlyThisSample() throws IOException {
    // Surefire runs in the module's directory.
    String readme = Files.readString(Path.of("..", "README.md"));
    String test = Files.readString(Path.of("src/test/java/dev/switchover/ReadmeSampleTest.java"));
    List<String> sample = new ArrayList<>();
    boolean in = false;
    for (String line : test.lines().toList()) {
      if (line.contains("README-SAMPLE-END")) {
        break;
      }
      if (in) {
        sample.add(line.substring(Math.min(4, line.length())));
      }
      in |= line.contains("README-SAMPLE-START");
    }
    String block = String.join("\n", sample);
    assertEquals(true, readme.contains("```java\n" + block + "\n```"), "README.md must show the sample:\n" + block);
  }
}
