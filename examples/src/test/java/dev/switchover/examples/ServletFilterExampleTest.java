package dev.switchover.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

final class ServletFilterExampleTest {
  @Test
  void run_routesThroughTheServletFilter_andPromotesGreen() {
    Output out = new Output();
    int status = ServletFilterExample.run(new String[0], out.stream());
    String text = out.text();
    assertEquals(0, status, text);
    assertEquals(
        List.of(
            "shop.localhost / 200 blue",
            "shop.localhost /cart 200 blue",
            "green.preview.localhost / 200 green",
            "shop.localhost / 200 green",
            "shop.localhost /cart 200 green"),
        Answers.of(text),
        text);
    assertTrue(text.contains("revision 2: promote shop.localhost -> green"), text);
  }

  @Test
  void run_withAnUnknownOption_isAUsageError() {
    Output out = new Output();
    assertEquals(2, ServletFilterExample.run(new String[] {"--verbose"}, out.stream()), out.text());
  }
}
