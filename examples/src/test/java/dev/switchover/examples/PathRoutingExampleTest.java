package dev.switchover.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

final class PathRoutingExampleTest {
  @Test
  void run_routesByPrefix_andReleasesTheApiAlone() {
    Output out = new Output();
    int status = PathRoutingExample.run(new String[0], out.stream());
    String text = out.text();
    assertEquals(0, status, text);
    assertEquals(
        List.of(
            "shop.localhost / 200 web",
            "shop.localhost /api/products 200 api",
            "shop.localhost /api 200 api",
            "shop.localhost /apix 404 web",
            "shop.localhost /api/products 200 api-v2",
            "shop.localhost / 200 web"),
        Answers.of(text),
        text);
    assertTrue(text.contains("revision 2: promote shop.localhost/api -> api-v2"), text);
  }
}
