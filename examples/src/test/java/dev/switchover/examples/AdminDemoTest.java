package dev.switchover.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchover.testkit.Await;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The demo's --admin mode: the page's address printed, a release through the API under load. */
final class AdminDemoTest {
  private static final Pattern PAGE = Pattern.compile("Domains page: (http://127\\.0\\.0\\.1:\\d+/)");

  @Test
  void admin_printsThePageAndAReleaseThroughTheApiFailsNoRequest() throws Exception {
    Output out = new Output();
    PipedOutputStream commands = new PipedOutputStream();
    PipedInputStream in = new PipedInputStream(commands);
    CompletableFuture<Integer> demo = CompletableFuture.supplyAsync(
        () -> BlueGreenDemo.run(new String[] {"--admin", "--clients", "2", "--rate", "400"}, in, out.stream()));
    Await.until("the page address", () -> PAGE.matcher(out.text()).find(), out::text);
    Matcher m = PAGE.matcher(out.text());
    assertTrue(m.find());
    URI page = URI.create(m.group(1));
    HttpClient client = HttpClient.newHttpClient();
    assertEquals(200, client.send(HttpRequest.newBuilder(page).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
    HttpResponse<String> promote = client.send(
        HttpRequest.newBuilder(page.resolve("api/domains/shop.localhost/promote"))
            .header("If-Match", "\"1\"").header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"workspace\":\"green\"}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, promote.statusCode(), promote.body());
    HttpResponse<String> scrape = client.send(HttpRequest.newBuilder(page.resolve("metrics")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, scrape.statusCode());
    assertTrue(scrape.body().contains("switchover_requests_total{outcome=\"served\",workspace=\"blue\"}"), scrape.body());
    commands.write("get shop.localhost\nquit\n".getBytes(StandardCharsets.UTF_8));
    commands.flush();
    int status = demo.get(2, TimeUnit.MINUTES);
    String text = out.text();
    assertEquals(0, status, text);
    assertTrue(text.contains("200 from green"), text);
    assertTrue(text.contains(", failed 0, "), text);
  }
}
