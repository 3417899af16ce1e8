package dev.switchover.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The demo as CI runs it: the scripted release, shortened, and the command loop on a stream. */
final class BlueGreenDemoTest {
  private static final Pattern SERVED = Pattern.compile("(\\d{3}) from (\\S+): ");

  @Test
  void scriptedRelease_underLoad_failsNoRequestAndBothVersionsServe() {
    Output out = new Output();
    int status =
        BlueGreenDemo.run(
            new String[] {"--phase-millis", "1000", "--clients", "3", "--rate", "600"}, input(""), out.stream());
    String text = out.text();
    assertEquals(0, status, text);
    assertTrue(text.contains("green.preview.localhost answers 200 from green"), text);
    assertTrue(text.contains("promote shop.localhost -> green: revision 2,"), text);
    assertTrue(text.contains("rollback to the routing of revision 1: revision 3,"), text);
    assertTrue(text.contains("swap shop.localhost <-> staging.shop.localhost: revision 4,"), text);
    assertTrue(text.contains("\n  failed          0\n"), text);
    Matcher served = Pattern.compile("served by {7}blue ([\\d,]+) {3}green ([\\d,]+)").matcher(text);
    assertTrue(served.find(), text);
    assertTrue(count(served.group(1)) > 0 && count(served.group(2)) > 0, text);
    assertTrue(text.contains("\r"), "the progress line is rewritten in place");
  }

  @Test
  void interactive_commandsFromAStream_switchWhatShopLocalhostServes() {
    String commands =
        """
        get shop.localhost
        promote shop.localhost green
        get shop.localhost /api/products
        rollback
        get shop.localhost
        swap shop.localhost staging.shop.localhost
        get shop.localhost
        get staging.shop.localhost
        get blue.preview.localhost
        promote shop.localhost purple
        get nowhere.localhost
        status
        history
        quit
        promote shop.localhost blue
        """; // the last line comes after quit: never read
    Output out = new Output();
    int status = BlueGreenDemo.run(new String[] {"--interactive"}, input(commands), out.stream());
    String text = out.text();
    assertEquals(0, status, text);
    List<String> answers = new ArrayList<>();
    Matcher m = SERVED.matcher(text);
    while (m.find()) {
      answers.add(m.group(1) + " " + m.group(2));
    }
    assertEquals(
        List.of("200 blue", "200 green", "200 blue", "200 green", "200 blue", "200 blue", "421 router"),
        answers,
        text);
    assertTrue(text.contains("revision 2: promote shop.localhost -> green (published in "), text);
    assertTrue(text.contains("revision 3: rollback to the routing of revision 1 (published in "), text);
    assertTrue(text.contains("revision 4: swap shop.localhost <-> staging.shop.localhost (published in "), text);
    assertTrue(text.contains("refused, nothing changed: "), text);
    assertTrue(text.contains("revision 4 (swap shop.localhost <-> staging.shop.localhost)"), "status: " + text);
    assertTrue(text.contains("revision 4    SWAP"), "history: " + text);
    assertTrue(text.contains("revision 1    INITIAL"), "history: " + text);
    assertEquals(-1, text.indexOf("revision 5"), "nothing after quit runs: " + text);
  }

  @Test
  void interactive_endOfInput_stopsLikeQuit() {
    Output out = new Output();
    assertEquals(0, BlueGreenDemo.run(new String[] {"--interactive"}, input("status"), out.stream()), out.text());
    assertTrue(out.text().contains("revision 1 ("), out.text());
  }

  @Test
  void badArguments_printUsage_andExitWithTwo() {
    Output out = new Output();
    assertEquals(2, BlueGreenDemo.run(new String[] {"--port", "http"}, input(""), out.stream()));
    assertTrue(out.text().contains("usage: BlueGreenDemo"), out.text());
    assertEquals(2, BlueGreenDemo.run(new String[] {"--clients", "5", "--rate", "4"}, input(""), out.stream()));
    assertEquals(2, BlueGreenDemo.run(new String[] {"--fast"}, input(""), out.stream()));
  }

  private static long count(String digits) {
    return Long.parseLong(digits.replace(",", ""));
  }

  private static InputStream input(String text) {
    return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
  }
}
