package dev.chime.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chime.ExecutionQuery;
import dev.chime.ExecutionState;
import dev.chime.JobDefinition;
import dev.chime.Scheduler;
import dev.chime.TestClock;
import dev.chime.Triggers;
import dev.chime.store.memory.MemoryJobStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
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
 * resume it, run it now, add one, and see rows change through the event stream; read a job's
 * history, requeue a failed execution, enqueue a task and see it succeed, cancel a scheduled one. Saves
 * {@code target/console-*.png}. Skipped when the browser is not installed, unless
 * {@code CHIME_BROWSER_TESTS=required} (as in CI).
 */
class ConsoleBrowserTest {

    private static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("CHIME_CHROMIUM", "/usr/bin/chromium"));
    private static final Path CHROMEDRIVER = Path.of(System.getenv().getOrDefault("CHIME_CHROMEDRIVER", "/usr/bin/chromedriver"));
    private static final String TOKEN = "browser-token-1";

    private Scheduler scheduler;
    private Console console;
    private ConsoleServer server;
    private final AtomicBoolean failing = new AtomicBoolean(true);
    private ChromeDriver browser;
    private WebDriverWait wait;

    @BeforeEach
    void setUp() {
        boolean installed = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!"required".equals(System.getenv("CHIME_BROWSER_TESTS"))) {
            Assumptions.assumeTrue(installed, "Chromium and ChromeDriver are not installed (apt-get install chromium chromium-driver)");
        }
        assertThat(installed).as(CHROMIUM + " and " + CHROMEDRIVER + " are installed").isTrue();
        TestClock clock = TestClock.at(Instant.parse("2026-01-05T09:00:00Z"));
        MemoryJobStore store = new MemoryJobStore();
        scheduler = Scheduler.builder().clock(clock).store(store).task("report", ctx -> { }).task("cleanup", ctx -> { })
                .task("flaky", ctx -> {
                    if (failing.get()) {
                        throw new IllegalStateException("<img src=x id=injected> disk full");
                    }
                })
                .task("echo", ctx -> ctx.result(ctx.data()))
                .build();
        scheduler.start();
        for (int i = 1; i <= 30; i++) {
            scheduler.add(JobDefinition.of(String.format("report-%02d", i), "report", Triggers.parse("cron:0 " + (i % 24) + " * * *")));
        }
        scheduler.add(JobDefinition.of("nightly cleanup/eu+us", "cleanup", Triggers.parse("cron:30 2 * * MON-FRI;zone=Europe/Berlin")));
        console = Console.builder(scheduler).authenticator(Authenticator.bearerTokens(TOKEN, null)).tasks(() -> Set.of("report", "cleanup", "flaky", "echo"))
                .store(store).clock(clock).build();
        server = ConsoleServer.builder(console).start();

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
        browser.get("http://localhost:" + server.port() + "/");
        browser.findElement(By.id("token")).sendKeys(TOKEN);
        browser.findElement(By.id("sign-in")).click();
        wait.until(d -> "true".equals(d.findElement(By.tagName("body")).getDomAttribute("data-loaded")));
        wait.until(d -> "true".equals(d.findElement(By.tagName("body")).getDomAttribute("data-live")));
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

        // Its page: the schedule in English and its next ten fire times.
        click(row + " a.job-link");
        wait.until(d -> d.findElements(By.cssSelector("#job-next li")).size() == 10);
        assertThat(text("dd[data-fact='Schedule']")).isEqualTo("at 02:30, Monday through Friday (Europe/Berlin)");
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
    void readAJobsHistoryRequeueAFailedRunEnqueueATaskAndCancelAScheduledOne() throws Exception {
        String job = "nightly cleanup/eu+us";
        List<String> runs = new ArrayList<>();
        for (int i = 0; i < 22; i++) {
            runs.add(scheduler.runNow(job));
        }
        awaitEnded(runs);
        scheduler.add(JobDefinition.of("flaky-job", "flaky", Triggers.parse("cron:0 3 * * *")));
        String failed = scheduler.runNow("flaky-job");
        awaitEnded(List.of(failed));
        assertThat(scheduler.execution(failed).orElseThrow().state()).isEqualTo(ExecutionState.FAILED);

        // A job's history, newest first, twenty to a page.
        browser.get("http://localhost:" + server.port() + "/#job=" + java.net.URLEncoder.encode(job, "UTF-8").replace("+", "%20"));
        signIn();
        wait.until(d -> d.findElements(By.cssSelector("#job-history tr[data-execution]")).size() == 20);
        assertThat(browser.findElements(By.cssSelector("#job-history tr[data-execution] .state")))
                .allSatisfy(cell -> assertThat(cell.getText()).isEqualTo("SUCCEEDED"));
        screenshot("console-history.png");
        browser.findElement(By.id("history-older")).click();
        wait.until(d -> d.findElements(By.cssSelector("#job-history tr[data-execution]")).size() == 2);
        assertThat(browser.findElement(By.id("history-older")).isEnabled()).isFalse();

        // Failed executions across jobs and tasks: the error and its stack trace as text, then requeue.
        browser.findElement(By.id("nav-executions")).click();
        String row = "#executions tr[data-execution='" + failed + "']";
        wait.until(d -> text(row + " .state").equals("FAILED"));
        browser.findElement(By.cssSelector(row + " details summary")).click();
        assertThat(text(row + " details pre")).startsWith("java.lang.IllegalStateException: <img src=x id=injected> disk full");
        assertThat(browser.findElements(By.id("injected"))).isEmpty();
        screenshot("console-failed.png");
        failing.set(false);
        click(row + " button[data-exec-action='retry']");
        wait.until(d -> text(row + " .state").equals("SUCCEEDED"));
        assertThat(scheduler.execution(failed).orElseThrow().state()).isEqualTo(ExecutionState.SUCCEEDED);

        // Enqueue a task: its page follows it to SUCCEEDED, with its result.
        browser.findElement(By.id("show-enqueue")).click();
        browser.findElement(By.cssSelector("#enqueue-form input[name='task']")).sendKeys("echo");
        browser.findElement(By.cssSelector("#enqueue-form textarea[name='data']")).sendKeys("{\"to\": \"ops@example.com\"}");
        browser.findElement(By.cssSelector("#enqueue-form button[type='submit']")).click();
        wait.until(d -> text("#execution-facts dd[data-fact='State']").equals("SUCCEEDED"));
        assertThat(text("#execution-result")).contains("\"to\": \"ops@example.com\"");
        String enqueued = browser.findElement(By.tagName("body")).getDomAttribute("data-execution");
        assertThat(scheduler.execution(enqueued).orElseThrow().state()).isEqualTo(ExecutionState.SUCCEEDED);
        screenshot("console-execution.png");

        // Enqueue one for later and cancel it while it waits.
        browser.findElement(By.id("execution-back")).click();
        browser.findElement(By.id("show-enqueue")).click();
        browser.findElement(By.cssSelector("#enqueue-form input[name='task']")).sendKeys("echo");
        browser.findElement(By.cssSelector("#enqueue-form input[name='delay']")).sendKeys("PT1H");
        browser.findElement(By.cssSelector("#enqueue-form button[type='submit']")).click();
        wait.until(d -> text("#execution-facts dd[data-fact='State']").equals("SCHEDULED"));
        String later = browser.findElement(By.tagName("body")).getDomAttribute("data-execution");
        assertThat(later).isNotEqualTo(enqueued);
        browser.findElement(By.id("execution-cancel")).click();
        wait.until(d -> text("#execution-facts dd[data-fact='State']").equals("CANCELLED"));
        assertThat(scheduler.execution(later).orElseThrow().state()).isEqualTo(ExecutionState.CANCELLED);
        assertThat(browser.manage().logs().get("browser").getAll())
                .noneMatch(entry -> entry.getMessage().contains("Content Security Policy"));
    }

    private void signIn() {
        browser.findElement(By.id("token")).sendKeys(TOKEN);
        browser.findElement(By.id("sign-in")).click();
        wait.until(d -> "true".equals(d.findElement(By.tagName("body")).getDomAttribute("data-loaded")));
        wait.until(d -> "true".equals(d.findElement(By.tagName("body")).getDomAttribute("data-live")));
    }

    private void awaitEnded(List<String> ids) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> ids.stream()
                .allMatch(id -> scheduler.execution(id).orElseThrow().state().isEnded()));
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
