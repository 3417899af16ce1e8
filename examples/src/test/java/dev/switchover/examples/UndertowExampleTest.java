package dev.switchover.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

final class UndertowExampleTest {
  @Test
  void run_routesThroughTheUndertowHandler_andPromotesGreen() {
    Output out = new Output();
    int status = UndertowExample.run(new String[0], out.stream());
    String text = out.text();
    assertEquals(0, status, text);
    assertEquals(
        List.of(
            "shop.localhost / 200 blue",
            "green.preview.localhost / 200 green",
            "other.localhost / 421 -",
            "shop.localhost / 200 green"),
        Answers.of(text),
        text);
    assertTrue(text.contains("revision 2: promote shop.localhost -> green"), text);
  }

  @Test
  void run_withAPortThatIsNotANumber_isAUsageError() {
    Output out = new Output();
    assertEquals(2, UndertowExample.run(new String[] {"--port", "eighty"}, out.stream()), out.text());
  }
}
