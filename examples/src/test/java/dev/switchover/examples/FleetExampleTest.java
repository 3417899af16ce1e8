package dev.switchover.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

final class FleetExampleTest {
  @Test
  void run_promotesOnOneRouter_rollsBackFromTheOther_andServesWithEtcdStopped() {
    Output out = new Output();
    int status = FleetExample.run(new String[0], out.stream());
    String text = out.text();
    assertEquals(0, status, text);
    assertEquals(
        List.of(
            "shop.localhost / 200 blue",
            "shop.localhost / 200 blue",
            "shop.localhost / 200 green",
            "shop.localhost / 200 green",
            "shop.localhost / 200 blue",
            "shop.localhost / 200 blue",
            "shop.localhost / 200 blue",
            "shop.localhost / 200 blue"),
        Answers.of(text),
        text);
    assertTrue(text.contains("router 1 refused a promote: etcd at "), text);
  }

  @Test
  void run_withAnUnknownOption_printsTheUsage() {
    Output out = new Output();
    assertEquals(2, FleetExample.run(new String[] {"--port", "1"}, out.stream()));
    assertTrue(out.text().contains("usage: FleetExample [--etcd URL]"), out.text());
  }
}
