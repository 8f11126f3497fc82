package dev.chime.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chime.JobDefinition;
import dev.chime.JobEvent;
import dev.chime.Scheduler;
import dev.chime.TestClock;
import dev.chime.Triggers;
import dev.chime.store.memory.MemoryJobStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
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
 * The dashboard in headless Chromium (Debian's {@code chromium} and {@code chromium-driver}, which
 * {@code .ci/run} installs), under its Content-Security-Policy: sign in, find a job, pause and
 * resume it, run it now, add one, and see rows change through the event stream; enqueue a task that
 * fails, find it in the failed runs and requeue it. Saves
 * {@code target/console-*.png}. Skipped when the browser is not installed, unless
 * {@code CHIME_BROWSER_TESTS=required} (as in CI).
 */
class ConsoleBrowserTest {

    private static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("CHIME_CHROMIUM", "/usr/bin/chromium"));
    private static final Path CHROMEDRIVER = Path.of(System.getenv().getOrDefault("CHIME_CHROMEDRIVER", "/usr/bin/chromedriver"));
    private static final String TOKEN = "browser-token-1";

    private final AtomicInteger flakyRuns = new AtomicInteger();
    private TestClock clock;
    private Scheduler scheduler;
    private Console console;
    private ConsoleServer server;
    private ChromeDriver browser;
    private WebDriverWait wait;

    @BeforeEach
    void setUp() {
        boolean installed = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!"required".equals(System.getenv("CHIME_BROWSER_TESTS"))) {
            Assumptions.assumeTrue(installed, "Chromium and ChromeDriver are not installed (apt-get install chromium chromium-driver)");
        }
        assertThat(installed).as(CHROMIUM + " and " + CHROMEDRIVER + " are installed").isTrue();
        clock = TestClock.at(Instant.parse("2026-01-05T09:00:00Z"));
        MemoryJobStore store = new MemoryJobStore();
        scheduler = Scheduler.builder().clock(clock).store(store).task("report", ctx -> { }).task("cleanup", ctx -> { })
                .task("flaky", ctx -> {
                    if (flakyRuns.incrementAndGet() == 1) {
                        throw new IllegalStateException("flaky: the first attempt fails");
                    }
                }).build();
        scheduler.start();
        for (int i = 1; i <= 30; i++) {
            scheduler.add(JobDefinition.of(String.format("report-%02d", i), "report", Triggers.parse("cron:0 " + (i % 24) + " * * *")));
        }
        scheduler.add(JobDefinition.of("nightly cleanup/eu+us", "cleanup", Triggers.parse("cron:30 2 * * MON-FRI;zone=Europe/Berlin")));
        console = Console.builder(scheduler).authenticator(Authenticator.bearerTokens(TOKEN, null)).tasks(() -> Set.of("report", "cleanup", "flaky"))
                .store(store).clock(clock).build();
        server = ConsoleServer.builder(console).start();
        // Listeners hear an outcome before the store has written it. Heard after the console's, this one
        // holds the write back long enough for the browser to read the job before it lands: the page
        // must ask again rather than show the run as never having ended.
        scheduler.addListener(event -> {
            if (event instanceof JobEvent.Executed) {
                try {
                    Thread.sleep(1_500);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });

        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        // Without the background-networking flags Chromium keeps reaching for Google's hosts.
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1400,1000");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        wait = new WebDriverWait(browser, Duration.ofSeconds(20));
        wait.ignoring(StaleElementReferenceException.class);
    }

    @AfterEach
    void tearDown() {
        if (browser != null) {
            browser.quit();
        }
        if (server != null) {
            server.close();
            console.close();
            scheduler.shutdown(Duration.ofSeconds(5));
        }
    }

    @Test
    void findAJobPauseAndResumeItRunItNowAndAddOne() throws Exception {
        signIn();
        assertThat(text("#page-info")).isEqualTo("page 1 of 2 · 31 jobs");
        screenshot("console-jobs.png");

        // Find a job: search narrows the list to it, its schedule in English beside the trigger.
        browser.findElement(By.id("search")).sendKeys("cleanup");
        String row = "tr[data-job='nightly cleanup/eu+us']";
        wait.until(d -> text("#page-info").endsWith(" 1 jobs"));
        assertThat(text(row + " .trigger")).isEqualTo("cron:30 2 * * MON-FRI;zone=Europe/Berlin");
        assertThat(text(row + " .describe")).isEqualTo("at 02:30, Monday through Friday (Europe/Berlin)");

        // Pause and resume it; the row changes through the event stream and the answer.
        click(row + " button[data-action='pause']");
        wait.until(d -> text(row + " .state").equals("paused"));
        assertThat(scheduler.job("nightly cleanup/eu+us").orElseThrow().paused()).isTrue();
        click(row + " button[data-action='resume']");
        wait.until(d -> text(row + " .state").equals("scheduled"));
        assertThat(scheduler.job("nightly cleanup/eu+us").orElseThrow().paused()).isFalse();

        // Run it now: the outcome arrives with the Executed event.
        click(row + " button[data-action='run']");
        wait.until(d -> text(row + " .outcome").equals("SUCCESS"));
        // The nodes table forgets the run once it has ended (its event comes before the store forgets it).
        wait.until(d -> text("#nodes td.running").equals("—"));

        // Its page: the schedule in English, its next ten fire times, and its history: the run above.
        click(row + " a.job-link");
        wait.until(d -> d.findElements(By.cssSelector("#job-next li")).size() == 10);
        assertThat(text("dd[data-fact='Schedule']")).isEqualTo("at 02:30, Monday through Friday (Europe/Berlin)");
        wait.until(d -> d.findElements(By.cssSelector("#job-history tr[data-run]")).size() == 1);
        assertThat(text("#job-history tr[data-run] .outcome")).isEqualTo("SUCCESS");
        screenshot("console-job.png");
        browser.findElement(By.id("back")).click();

        // Add one: it appears in the list, shown as typed.
        WebElement search = browser.findElement(By.id("search"));
        search.clear();
        search.sendKeys("every-15s");
        browser.findElement(By.id("show-add")).click();
        browser.findElement(By.cssSelector("#add-form input[name='id']")).sendKeys("every-15s");
        browser.findElement(By.cssSelector("#add-form input[name='task']")).sendKeys("report");
        browser.findElement(By.cssSelector("#add-form input[name='trigger']")).sendKeys("interval:PT15S");
        browser.findElement(By.cssSelector("#add-form button[type='submit']")).click();
        wait.until(d -> !d.findElements(By.cssSelector("tr[data-job='every-15s']")).isEmpty());
        assertThat(text("tr[data-job='every-15s'] .trigger")).isEqualTo("interval:PT15S");
        assertThat(text("tr[data-job='every-15s'] .describe")).isEqualTo("every 15 seconds");
        assertThat(scheduler.job("every-15s")).isPresent();
        assertThat(browser.manage().logs().get("browser").getAll())
                .noneMatch(entry -> entry.getMessage().contains("Content Security Policy"));
    }

    @Test
    void enqueueATaskThatFailsFindItInFailedRunsRequeueItAndSeeItSucceed() throws Exception {
        signIn();
        assertThat(text("#failed")).isEqualTo("no failed runs");

        // Enqueue: the page shows the new execution's id and state, and looks it up.
        browser.findElement(By.cssSelector("#enqueue-form input[name='task']")).sendKeys("flaky");
        browser.findElement(By.cssSelector("#enqueue-form textarea[name='data']")).sendKeys("{\"order\": 42}");
        browser.findElement(By.cssSelector("#enqueue-form button[type='submit']")).click();
        wait.until(d -> !text("#enqueued").isEmpty());
        String id = text("#enqueued .execution-id");
        assertThat(text("#enqueued .state")).isEqualTo("SCHEDULED");
        assertThat(text("#execution dd[data-fact='State']")).isEqualTo("SCHEDULED");
        assertThat(browser.findElement(By.id("execution-cancel")).isDisplayed()).isTrue();

        // It runs and fails: the Failed event brings it into the failed runs, its stack trace folded away.
        clock.runDue();
        String row = "#failed tr[data-id='" + id + "']";
        wait.until(d -> !d.findElements(By.cssSelector(row)).isEmpty());
        assertThat(text(row + " .outcome")).isEqualTo("FAILURE");
        assertThat(text(row + " details summary")).contains("flaky: the first attempt fails");
        assertThat(browser.findElement(By.cssSelector(row + " details pre")).isDisplayed()).isFalse();
        wait.until(d -> text("#execution dd[data-fact='State']").equals("FAILED"));
        assertThat(browser.findElement(By.id("execution-cancel")).isDisplayed()).isFalse();

        // Requeue it: it is scheduled again under its id, and succeeds this time.
        click(row + " button[data-action='requeue']");
        wait.until(d -> text(row + " .requeued").equals("requeued: SCHEDULED"));
        clock.runDue();
        wait.until(d -> text("#execution dd[data-fact='State']").equals("SUCCEEDED"));
        assertThat(text("#execution dd[data-fact='Id']")).isEqualTo(id);
        assertThat(scheduler.execution(id).orElseThrow().state()).isEqualTo(dev.chime.Execution.State.SUCCEEDED);
        assertThat(flakyRuns.get()).isEqualTo(2);
        browser.findElement(By.cssSelector(row + " details summary")).click();
        browser.executeScript("window.scrollTo(0, arguments[0].getBoundingClientRect().top + window.scrollY - 60)",
                browser.findElement(By.id("failed")));
        screenshot("console-failed.png");
        assertThat(browser.manage().logs().get("browser").getAll())
                .noneMatch(entry -> entry.getMessage().contains("Content Security Policy"));
    }

    private void signIn() {
        browser.get("http://localhost:" + server.port() + "/");
        browser.findElement(By.id("token")).sendKeys(TOKEN);
        browser.findElement(By.id("sign-in")).click();
        wait.until(d -> "true".equals(d.findElement(By.tagName("body")).getDomAttribute("data-loaded")));
        wait.until(d -> "true".equals(d.findElement(By.tagName("body")).getDomAttribute("data-live")));
    }

    private String text(String css) {
        return wait.until(d -> d.findElement(By.cssSelector(css)).getText());
    }

    private void click(String css) {
        wait.until(d -> {
            d.findElement(By.cssSelector(css)).click();
            return true;
        });
    }

    private void screenshot(String name) throws Exception {
        Path shot = Path.of("target", name);
        Files.createDirectories(shot.getParent());
        Files.write(shot, browser.getScreenshotAs(OutputType.BYTES));
        assertThat(Files.size(shot)).isGreaterThan(1000);
    }
}
