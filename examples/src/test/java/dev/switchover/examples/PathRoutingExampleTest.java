package dev.switchover.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
            "/ 200 web",
            "/api/products 200 api",
            "/api 200 api",
            "/apix 404 web",
            "/api/products 200 api-v2",
            "/ 200 web"),
        answers(text),
        text);
    assertTrue(text.contains("revision 2: promote shop.localhost/api -> api-v2"), text);
  }

  private static List<String> answers(String text) {
    List<String> answers = new ArrayList<>();
    Matcher m = Pattern.compile("GET (\\S+) +-> (\\d+) from (\\S+)").matcher(text);
    while (m.find()) {
      answers.add(m.group(1) + " " + m.group(2) + " " + m.group(3));
    }
    return answers;
  }
}
