package dev.switchover.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

final class GuardedReleaseExampleTest {
  @Test
  void run_holdsGreen_refusesRedByItsProbe_andRollsRedBackByItself() {
    Output out = new Output();
    int status = GuardedReleaseExample.run(new String[0], out.stream());
    String text = out.text();
    assertEquals(0, status, text);
    assertTrue(text.contains("preview: with a signed token shop.localhost answers 200 from green, without it from blue"), text);
    assertTrue(text.contains("split shop.localhost: 10% to green (revision 2): "), text);
    assertTrue(text.contains("split shop.localhost: 100% to green (revision 4): 300 of 300 new visitors on green"), text);
    assertTrue(text.contains(", 0 back to blue"), text);
    assertTrue(text.contains("HELD: green held at 10%, 50%, 100%: 0 of "), text);
    assertTrue(text.contains("; promoted (revision 5: promote shop.localhost -> green)"), text);
    assertTrue(text.contains("release shop.localhost -> red refused: probe home"), text);
    assertTrue(text.contains("ROLLED_BACK (revision 7): red failed "), text);
    assertTrue(text.contains("every step went as described"), text);
  }

  @Test
  void run_withAPortThatIsNotANumber_isAUsageError() {
    Output out = new Output();
    assertEquals(2, GuardedReleaseExample.run(new String[] {"--port", "x"}, out.stream()), out.text());
  }
}
