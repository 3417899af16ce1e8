package dev.switchover.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchover.testkit.Await;
import java.io.ByteArrayInputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

final class DomainVerificationExampleTest {
  private static final Pattern RECORD =
      Pattern.compile("  (_switchover-challenge\\.[a-z.]+)\\.  300  IN  TXT  \"(switchover-verification=[a-z2-7]+)\"");

  @Test
  void withoutResolver_printsTheRecordToCreate_andChecksNothing() {
    Output out = new Output();
    int status = DomainVerificationExample.run(new String[] {"Shop.Example.COM."}, empty(), out.stream());
    String text = out.text();
    assertEquals(0, status, text);
    assertTrue(text.contains("shop.example.com is PENDING in the router"), text);
    Matcher record = RECORD.matcher(text);
    assertTrue(record.find(), text);
    assertEquals("_switchover-challenge.shop.example.com", record.group(1));
    assertTrue(text.contains("http://shop.example.com/.well-known/switchover-challenge/"), text);
    assertTrue(text.contains("nothing is checked"), text);
  }

  @Test
  void withResolver_oncePublished_verifiesAndRoutesTheDomain() throws Exception {
    try (TxtResponder dns = TxtResponder.start();
        PipedOutputStream keyboard = new PipedOutputStream();
        PipedInputStream in = new PipedInputStream(keyboard)) {
      Output out = new Output();
      CompletableFuture<Integer> run =
          CompletableFuture.supplyAsync(
              () ->
                  DomainVerificationExample.run(
                      new String[] {"shop.example.com", "--resolver", dns.address()}, in, out.stream()));

      awaitOutput(out, "Press Enter");
      keyboard.write('\n'); // before the record exists: FAILED, and it asks again
      keyboard.flush();
      awaitOutput(out, "Fix the record, then check again.");
      Matcher record = RECORD.matcher(out.text());
      assertTrue(record.find(), out.text());
      dns.publish(record.group(1), record.group(2));
      keyboard.write('\n');
      keyboard.flush();

      int status = run.get(Await.DEADLINE.toSeconds(), TimeUnit.SECONDS);
      String text = out.text();
      assertEquals(0, status, text);
      assertTrue(text.contains("FAILED: "), text);
      assertTrue(text.contains("shop.example.com is FAILED. Fix the record"), text);
      assertTrue(text.contains("VERIFIED: "), text);
      assertTrue(text.contains("shop.example.com / -> blue"), text);
    }
  }

  @Test
  void withResolver_inputEndsBeforeVerified_exitsWithOne() throws Exception {
    try (TxtResponder dns = TxtResponder.start()) {
      Output out = new Output();
      int status =
          DomainVerificationExample.run(
              new String[] {"--resolver", dns.address()}, new ByteArrayInputStream(new byte[] {'\n'}), out.stream());
      assertEquals(1, status, out.text());
      assertTrue(out.text().contains("Gave up: shop.example.com stays FAILED."), out.text());
    }
  }

  @Test
  void badResolver_isRefusedWithUsage() {
    Output out = new Output();
    assertEquals(2, DomainVerificationExample.run(new String[] {"--resolver", "dns.example.net:53"}, empty(), out.stream()));
    assertTrue(out.text().contains("an IP address, not a name"), out.text());
    assertEquals(2, DomainVerificationExample.run(new String[] {"com"}, empty(), out.stream()));
    assertFalse(out.text().contains("Create this DNS TXT record"), out.text());
  }

  private static ByteArrayInputStream empty() {
    return new ByteArrayInputStream(new byte[0]);
  }

  /** Waits until the example has printed {@code text}, for at most {@link Await#DEADLINE}. */
  private static void awaitOutput(Output out, String text) {
    Await.until("\"" + text + "\" in the output", () -> out.text().contains(text), () -> "the output:\n" + out.text());
  }
}
