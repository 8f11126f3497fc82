package dev.chime.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The demo's console in headless Chromium (Debian's {@code chromium} and {@code chromium-driver}, which
 * {@code .ci/run} installs): sign in, the declared jobs as written, this node, and the pause / resume /
 * run-now buttons. Saves {@code target/dashboard.png}.
 *
 * <p>Skipped when the browser is not installed, unless {@code CHIME_BROWSER_TESTS=required} (as
 * in CI), where a missing browser fails the build.
 */
class DashboardBrowserTest {

    private static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("CHIME_CHROMIUM", "/usr/bin/chromium"));
    private static final Path CHROMEDRIVER = Path.of(System.getenv().getOrDefault("CHIME_CHROMEDRIVER", "/usr/bin/chromedriver"));
    private static final String TOKEN = "dash-token-1234";

    private DemoServer server;
    private ChromeDriver browser;
    private WebDriverWait wait;

    @BeforeEach
    void setUp() {
        boolean installed = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!"required".equals(System.getenv("CHIME_BROWSER_TESTS"))) {
            Assumptions.assumeTrue(installed, "Chromium and ChromeDriver are not installed (apt-get install chromium chromium-driver)");
        }
        assertThat(installed).as(CHROMIUM + " and " + CHROMEDRIVER + " are installed").isTrue();
        server = DemoServer.start(new DemoSettings(0, "jdbc:h2:mem:dash-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", null, TOKEN),
                Duration.ofSeconds(10));
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        // Without the background-networking flags Chromium keeps reaching for Google's hosts.
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1400,900");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
    }

    @AfterEach
    void tearDown() {
        if (browser != null) {
            browser.quit();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void showsTheDeclaredJobsAsWrittenAndItsButtonsPauseResumeAndRunThem() throws Exception {
        wait = new WebDriverWait(browser, Duration.ofSeconds(30));
        wait.ignoring(StaleElementReferenceException.class);
        Api api = new Api(server.port(), TOKEN);

        browser.get("http://localhost:" + server.port() + "/");
        // A wrong token is refused, and the page says why.
        browser.findElement(By.id("token")).sendKeys("not-the-token");
        browser.findElement(By.id("sign-in")).click();
        wait.until(d -> d.findElement(By.id("message")).getText().contains("wrong credentials"));

        WebElement token = browser.findElement(By.id("token"));
        token.clear();
        token.sendKeys(TOKEN);
        browser.findElement(By.id("sign-in")).click();
        wait.until(d -> "true".equals(d.findElement(By.tagName("body")).getDomAttribute("data-loaded")));
        // Declared as every 10 s: shown as declared, not with the epoch anchor it is stored with.
        assertThat(text("tr[data-job='heartbeat'] .trigger")).isEqualTo("interval:PT10S");
        assertThat(text("tr[data-job='heartbeat'] .describe")).isEqualTo("every 10 seconds");
        assertThat(text("tr[data-job='heartbeat'] .state")).isEqualTo("scheduled");
        assertThat(text("#nodes")).contains("(this node)");

        click("pause", "heartbeat");
        wait.until(d -> d.findElement(By.cssSelector("tr[data-job='heartbeat'] .state")).getText().equals("paused"));
        assertThat(api.get("/api/job?id=heartbeat").json().path("paused").asBoolean()).isTrue();

        click("resume", "heartbeat");
        wait.until(d -> d.findElement(By.cssSelector("tr[data-job='heartbeat'] .state")).getText().equals("scheduled"));
        assertThat(api.get("/api/job?id=heartbeat").json().path("paused").asBoolean()).isFalse();

        api.call("POST", "/api/jobs", "{\"id\": \"echo-now\", \"task\": \"echo\", \"trigger\": \"interval:PT1H\"}");
        wait.until(d -> !d.findElements(By.cssSelector("tr[data-job='echo-now']")).isEmpty());
        click("run", "echo-now");
        wait.until(d -> d.findElement(By.cssSelector("tr[data-job='echo-now'] .outcome")).getText().equals("SUCCESS"));

        Path shot = Path.of("target", "dashboard.png");
        Files.createDirectories(shot.getParent());
        Files.write(shot, browser.getScreenshotAs(OutputType.BYTES));
        assertThat(Files.size(shot)).isGreaterThan(1000);
    }

    /** An element's text, found again if a redraw replaced it meanwhile. */
    private String text(String css) {
        return wait.until(d -> d.findElement(By.cssSelector(css)).getText());
    }

    private void click(String action, String job) {
        wait.until(d -> {
            d.findElement(By.cssSelector("button[data-action='" + action + "'][data-job='" + job + "']")).click();
            return true;
        });
    }
}
