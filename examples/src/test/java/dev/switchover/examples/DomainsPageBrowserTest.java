package dev.switchover.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchover.admin.AdminApi;
import dev.switchover.admin.AdminServer;
import dev.switchover.admin.Role;
import dev.switchover.testkit.Await;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.Alert;
import org.openqa.selenium.By;
import org.openqa.selenium.ElementNotInteractableException;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The Domains page in a real browser (Debian's headless Chromium through chromedriver), over the
 * demo's router while client load flows through the Jetty adapter: a release in four clicks, a
 * rollback with its confirmation, and a conflicting edit from a second writer shown on the page.
 */
final class DomainsPageBrowserTest {
  private static final String OPERATOR = "browser-operator-secret-0123456789";
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

  private ShopDeployment shop;
  private AdminServer admin;
  private Load load;
  private ChromeDriver browser;
  private WebDriverWait wait;

  @BeforeEach
  void start() throws Exception {
    assertTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
        "this test drives Debian's chromium and chromium-driver; scripts/test installs them");
    shop = ShopDeployment.start(0);
    AdminApi api = AdminApi.builder().router(shop.router()).token("operator", Role.OPERATOR, OPERATOR).build();
    admin = AdminServer.builder(api).port(0).build().start();
    load = new Load(shop.port(), ShopDeployment.SHOP, 2, 400, null);
    load.start();

    Path profile = Files.createTempDirectory("switchover-chromium-");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile, "--window-size=1280,900");
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
    browser = new ChromeDriver(service, options);
    wait = new WebDriverWait(browser, Await.DEADLINE);
  }

  @AfterEach
  void stop() throws InterruptedException {
    try {
      if (browser != null) {
        browser.quit();
      }
    } finally {
      try {
        if (load != null) {
          load.stop();
        }
      } finally {
        if (admin != null) {
          admin.close();
        }
        if (shop != null) {
          shop.close();
        }
      }
    }
  }

  @Test
  void release_rollback_andAConflictingEdit_underLoad() throws IOException {
    browser.get(admin.uri().toString());
    // A wrong token: the page says so and stops asking (each refusal counts against this address).
    browser.findElement(By.id("token")).sendKeys("not-the-operator-token-0123456789");
    click("#token-form button[type=submit]");
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("status"), "The token was refused (401)"));
    browser.findElement(By.id("token")).clear();
    browser.findElement(By.id("token")).sendKeys(OPERATOR);
    click("#token-form button[type=submit]");
    WebElement shopRow = wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("tr[data-domain='shop.localhost']")));
    assertTrue(shopRow.getText().contains("VERIFIED"), shopRow.getText());
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("tr[data-domain='shop.localhost']"), "/ → blue"));
    long greenBefore = servedBy("green");

    // The release: Edit, choose green for "/", Update.
    click("button[aria-label='Edit shop.localhost']");
    choose("form.editor select[data-prefix='/']", "green");
    click("form.editor button[type=submit]");
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("status"), "now revision 2"));
    assertEquals("green", shop.router().resolve(ShopDeployment.SHOP, "/").workspace().name());
    Await.until("green to serve the load", () -> servedBy("green") > greenBefore + 20, () -> load.servedBy().toString());
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("tr[data-domain='shop.localhost']"), "/ → green"));
    screenshot("domains-page.png");

    // The rollback, with a confirmation that says what will change.
    click("#rollback");
    Alert confirm = wait.until(ExpectedConditions.alertIsPresent());
    String question = confirm.getText();
    assertTrue(question.contains("undo revision 2 (promote shop.localhost -> green)"), question);
    assertTrue(question.contains("routing of revision 1"), question);
    confirm.accept();
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("status"), "now revision 3"));
    assertEquals("blue", shop.router().resolve(ShopDeployment.SHOP, "/").workspace().name());
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("history"), "ROLLBACK"));

    // A conflict: a second writer changes the table while this operator edits; it is shown.
    click("button[aria-label='Edit shop.localhost']");
    choose("form.editor select[data-prefix='/']", "green");
    shop.router().promote(ShopDeployment.STAGING, "blue"); // revision 4, another operator
    click("form.editor button[type=submit]");
    WebElement alert = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("alert")));
    assertTrue(alert.getText().contains("refused (409)"), alert.getText());
    assertTrue(alert.getText().contains("you saw revision 3 but the table is at revision 4"), alert.getText());
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("form.editor"), "The table changed to revision 4"));
    assertEquals("green", fresh(() -> new Select(browser.findElement(By.cssSelector("form.editor select[data-prefix='/']")))
        .getFirstSelectedOption().getAttribute("value")), "the operator's choice is kept, not silently lost");
    assertEquals("blue", shop.router().resolve(ShopDeployment.SHOP, "/").workspace().name());
    screenshot("domains-page-conflict.png");

    assertEquals(0, load.failed(), () -> "failed requests: " + load.failures());
  }

  @Test
  void canary_isShown_andEndedByChoosingTheRoutesOwnWorkspace() {
    browser.get(admin.uri().toString());
    browser.findElement(By.id("token")).sendKeys(OPERATOR);
    click("#token-form button[type=submit]");
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("tr[data-domain='shop.localhost']"), "/ → blue"));
    shop.router().split(dev.switchover.HostName.parse(ShopDeployment.SHOP), dev.switchover.Split.ofPercent(dev.switchover.WorkspaceId.of("green"), 12.5));
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("tr[data-domain='shop.localhost']"), "/ → blue, 12.5% to green"));

    // Choosing blue, the route's own workspace, is a change while a canary runs: the promote ends it.
    click("button[aria-label='Edit shop.localhost']");
    choose("form.editor select[data-prefix='/']", "blue");
    click("form.editor button[type=submit]");
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("status"), "now revision 3"));
    assertFalse(shop.router().current().hasSplits());
    assertEquals("blue", shop.router().resolve(ShopDeployment.SHOP, "/").workspace().name());
    assertEquals(0, load.failed(), () -> "failed requests: " + load.failures());
  }

  // The page re-renders its tables whenever its poll sees a new revision, so an element found a
  // moment ago may be gone by the time it is used: find it again and retry, as a person would.
  private void click(String css) {
    fresh(() -> {
      WebElement element = browser.findElement(By.cssSelector(css));
      if (!element.isDisplayed() || !element.isEnabled()) {
        return null;
      }
      element.click();
      return Boolean.TRUE;
    });
  }

  private void choose(String selectCss, String value) {
    fresh(() -> {
      Select select = new Select(browser.findElement(By.cssSelector(selectCss)));
      select.selectByValue(value);
      return value.equals(select.getFirstSelectedOption().getAttribute("value")) ? Boolean.TRUE : null;
    });
  }

  private <T> T fresh(Supplier<@Nullable T> action) {
    return wait.ignoring(StaleElementReferenceException.class).ignoring(NoSuchElementException.class)
        .ignoring(ElementNotInteractableException.class).until(driver -> action.get());
  }

  private long servedBy(String workspace) {
    return load.servedBy().getOrDefault(workspace, 0L);
  }

  private void screenshot(String name) throws IOException {
    File shot = browser.getScreenshotAs(OutputType.FILE);
    Path target = Path.of("target", name);
    Files.createDirectories(target.getParent());
    Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
  }
}
