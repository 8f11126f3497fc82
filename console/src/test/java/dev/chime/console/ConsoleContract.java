package dev.chime.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chime.Declarations;
import dev.chime.JobDefinition;
import dev.chime.JobOptions;
import dev.chime.Scheduler;
import dev.chime.TestClock;
import dev.chime.Triggers;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every console endpoint and error, run against each way of serving it (standalone, mounted in a
 * servlet container). A subclass starts the console and answers its base URL.
 */
abstract class ConsoleContract {

    static final String ADMIN = "admin-token-1234";
    static final String READER = "reader-token-5678";
    static final Instant T0 = Instant.parse("2026-01-05T09:00:00Z");

    protected final TestClock clock = TestClock.at(T0);
    protected final SwitchableStore store = new SwitchableStore();
    protected final CountDownLatch blockRun = new CountDownLatch(1);
    protected Scheduler scheduler;
    protected Console console;
    protected Http admin;
    protected Http reader;
    protected Http anonymous;

    /** Serves the console; answers the URL of its root, ending with a slash. */
    protected abstract String serve(Console console) throws Exception;

    protected abstract void stop() throws Exception;

    protected Console.Builder configure(Console.Builder builder) {
        return builder;
    }

    @BeforeEach
    void startConsole() throws Exception {
        scheduler = Scheduler.builder().clock(clock).store(store)
                .task("ok", ctx -> { })
                .task("report", ctx -> { })
                .task("slow", ctx -> blockRun.await())
                .task("fails", ctx -> {
                    throw new IllegalStateException("boom");
                })
                .build();
        scheduler.start();
        console = configure(Console.builder(scheduler)
                .authenticator(Authenticator.bearerTokens(ADMIN, READER))
                .tasks(() -> Set.of("ok", "report", "slow", "fails"))
                .store(store)
                .clock(clock)
                .storeConcurrency(2, Duration.ofMillis(300))).build();
        String base = serve(console);
        admin = new Http(base, ADMIN);
        reader = new Http(base, READER);
        anonymous = new Http(base, null);
    }

    @AfterEach
    void stopConsole() throws Exception {
        blockRun.countDown();
        store.release.countDown();
        stop();
        console.close();
        scheduler.shutdown(Duration.ofSeconds(5));
    }

    private Http.Reply add(String id, String task, String trigger) {
        return admin.call("POST", "api/jobs", "{\"id\": " + json(id) + ", \"task\": \"" + task + "\", \"trigger\": \"" + trigger + "\"}");
    }

    static String json(String s) {
        return new com.fasterxml.jackson.databind.node.TextNode(s).toString();
    }

    // ---- authentication, roles, headers ----

    @Test
    void healthAnswersWithoutAuthenticationAndSaysOnlyUpOrDown() {
        Http.Reply health = anonymous.get("health");
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.json().toString()).isEqualTo("{\"status\":\"UP\"}");
    }

    @Test
    void healthIs503OnlyWhenTheStoreIsUnavailableAndABugIs500WithAReference() {
        store.countsMode = SwitchableStore.Mode.UNAVAILABLE;
        Http.Reply unavailable = anonymous.get("health");
        assertThat(unavailable.status()).isEqualTo(503);
        assertThat(unavailable.json().toString()).isEqualTo("{\"status\":\"DOWN\"}");
        store.countsMode = SwitchableStore.Mode.BROKEN;
        clock.advance(Duration.ofSeconds(2));
        Http.Reply broken = anonymous.get("health");
        assertThat(broken.status()).isEqualTo(500);
        assertThat(broken.error()).startsWith("internal error (ref ");
        assertThat(broken.body()).doesNotContain("secret", "chime_jobs", "IllegalStateException", "at dev.");
        store.countsMode = SwitchableStore.Mode.NORMAL;
        clock.advance(Duration.ofSeconds(2));
        assertThat(anonymous.get("health").status()).isEqualTo(200);
    }

    @ParameterizedTest
    @ValueSource(strings = {"api/jobs", "api/job?id=a", "api/scheduler", "api/nodes", "api/tasks", "api/events", "api/me", "api/history",
            "api/execution?id=a"})
    void everyApiEndpointNeedsAuthentication(String path) {
        Http.Reply none = anonymous.get(path);
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.header("WWW-Authenticate")).isEqualTo("Bearer");
        assertThat(none.error()).contains("Authorization: Bearer");
        assertThat(admin.as("wrong-token-0000").get(path).status()).isEqualTo(401);
    }

    /** In both forms: a servlet container's threads log through the same binding as the server's. */
    @Test
    void theTokenIsNeverWrittenToTheLog() throws Exception {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            store.mode = SwitchableStore.Mode.BROKEN;
            admin.get("api/jobs");
            store.mode = SwitchableStore.Mode.UNAVAILABLE;
            admin.get("api/jobs");
            store.mode = SwitchableStore.Mode.NORMAL;
            admin.as(ADMIN + "-wrong").get("api/jobs");
            admin.call("POST", "api/jobs", "{\"id\": \"" + ADMIN + "\", \"task\": \"nope\", \"trigger\": \"interval:PT1H\"}");
        } finally {
            System.setErr(original);
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        assertThat(log).contains("ref ", "could not reach the job store");
        assertThat(log).doesNotContain(ADMIN, READER, "Bearer");
    }

    @Test
    void readOnlyUsersReadButEveryChangeIsForbidden() {
        add("report", "report", "interval:PT1H");
        assertThat(reader.get("api/jobs").status()).isEqualTo(200);
        assertThat(reader.get("api/me").json().path("role").asText()).isEqualTo("READ_ONLY");
        List<Http.Reply> changes = List.of(
                reader.call("POST", "api/jobs", "{\"id\": \"x\", \"task\": \"ok\", \"trigger\": \"interval:PT1M\"}"),
                reader.call("PUT", "api/job?id=report", "{\"task\": \"ok\", \"trigger\": \"interval:PT1M\"}"),
                reader.call("DELETE", "api/job?id=report", null),
                reader.call("POST", "api/job/pause?id=report", null),
                reader.call("POST", "api/job/resume?id=report", null),
                reader.call("POST", "api/job/run?id=report", null),
                reader.call("POST", "api/scheduler/pause", null),
                reader.call("POST", "api/scheduler/resume", null),
                reader.call("POST", "api/executions", "{\"task\": \"ok\"}"),
                reader.call("POST", "api/execution/cancel?id=report", null),
                reader.call("POST", "api/execution/retry?id=report", null));
        assertThat(changes).allSatisfy(r -> assertThat(r.status()).isEqualTo(403));
        assertThat(scheduler.jobs()).hasSize(1);
        assertThat(scheduler.job("report").orElseThrow().paused()).isFalse();
        assertThat(scheduler.job("report").orElseThrow().definition().trigger().spec()).startsWith("interval:PT1H");
        assertThat(scheduler.state()).isEqualTo(Scheduler.State.RUNNING);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "assets/console.js", "assets/console.css", "health", "api/jobs", "api/nope"})
    void everyAnswerCarriesTheSecurityHeaders(String path) {
        Http.Reply r = admin.get(path);
        String csp = r.header("Content-Security-Policy");
        assertThat(csp).contains("default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'")
                .doesNotContain("unsafe-inline", "unsafe-eval");
        assertThat(r.header("X-Frame-Options")).isEqualTo("DENY");
        assertThat(r.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(r.header("Referrer-Policy")).isEqualTo("no-referrer");
    }

    @Test
    void theDashboardHasNoInlineScriptOrStyle() {
        String page = anonymous.get("").body();
        assertThat(page).contains("<script src=\"assets/console.js\" defer></script>", "href=\"assets/console.css\"");
        assertThat(page.replace("<script src=\"assets/console.js\" defer></script>", "")).doesNotContain("<script", "<style");
        assertThat(page).doesNotContainPattern("\\sstyle=").doesNotContainPattern("\\son[a-z]+=");
        assertThat(anonymous.get("assets/console.js").header("Content-Type")).startsWith("text/javascript");
    }

    // ---- jobs ----

    @Test
    void jobsArePagedSearchedAndFilteredByTaskStateAndPause() {
        for (int i = 0; i < 7; i++) {
            add("nightly-" + i, i % 2 == 0 ? "report" : "ok", "interval:PT1H");
        }
        add("other", "ok", "interval:PT1H");
        admin.call("POST", "api/job/pause?id=nightly-3", null);

        JsonNode page0 = admin.get("api/jobs?size=3").json();
        assertThat(page0.path("total").asInt()).isEqualTo(8);
        assertThat(ids(page0)).containsExactly("nightly-0", "nightly-1", "nightly-2");
        assertThat(ids(admin.get("api/jobs?size=3&page=2").json())).containsExactly("nightly-6", "other");
        assertThat(ids(admin.get("api/jobs?q=NIGHTLY-1").json())).containsExactly("nightly-1");
        assertThat(ids(admin.get("api/jobs?task=report").json())).containsExactly("nightly-0", "nightly-2", "nightly-4", "nightly-6");
        assertThat(ids(admin.get("api/jobs?paused=true").json())).containsExactly("nightly-3");
        assertThat(admin.get("api/jobs?paused=false").json().path("total").asInt()).isEqualTo(7);
        assertThat(admin.get("api/jobs?state=never-ran").json().path("total").asInt()).isEqualTo(8);
        assertThat(admin.get("api/jobs?state=failed").json().path("total").asInt()).isZero();
    }

    private static List<String> ids(JsonNode page) {
        List<String> ids = new ArrayList<>();
        page.path("items").forEach(j -> ids.add(j.path("id").asText()));
        return ids;
    }

    @Test
    void anAddedJobShowsItsTriggerAsWrittenInEnglishWithItsNextTenFireTimes() {
        Http.Reply added = add("every-15s", "ok", "interval:PT15S");
        assertThat(added.status()).isEqualTo(201);
        assertThat(added.header("Location")).isEqualTo("api/job?id=every-15s");
        assertThat(added.json().path("trigger").asText()).isEqualTo("interval:PT15S");

        JsonNode job = admin.get("api/job?id=every-15s").json();
        assertThat(job.path("trigger").asText()).isEqualTo("interval:PT15S");
        assertThat(job.path("storedTrigger").asText()).isEqualTo("interval:PT15S;start=1970-01-01T00:00:15Z");
        assertThat(job.path("description").asText()).isEqualTo("every 15 seconds");
        List<String> next = new ArrayList<>();
        job.path("nextFireTimes").forEach(t -> next.add(t.asText()));
        assertThat(next).hasSize(10);
        // On the epoch's grid: 09:00:00 is a multiple of 15 seconds since 1970.
        assertThat(next.get(0)).isEqualTo("2026-01-05T09:00:00Z");
        assertThat(next.get(9)).isEqualTo("2026-01-05T09:02:15Z");

        add("weekdays", "report", "cron:0 9 * * MON-FRI");
        JsonNode cron = admin.get("api/job?id=weekdays").json();
        assertThat(cron.path("description").asText()).isEqualTo("at 09:00, Monday through Friday (UTC)");
        // Monday 09:00 is now: it is the first; Friday the fifth; the weekend is skipped.
        assertThat(cron.path("nextFireTimes").get(0).asText()).isEqualTo("2026-01-05T09:00:00Z");
        assertThat(cron.path("nextFireTimes").get(4).asText()).isEqualTo("2026-01-09T09:00:00Z");
        assertThat(cron.path("nextFireTimes").get(5).asText()).isEqualTo("2026-01-12T09:00:00Z");
    }

    @Test
    void aDeclaredJobShowsItsTriggerAsDeclaredNotItsEpochAnchor() {
        scheduler.declare(Declarations.builder().group("app").version("1")
                .job(JobDefinition.of("heartbeat", "ok", Triggers.parse("interval:PT15S")), "Heartbeat.class").build());
        JsonNode job = admin.get("api/job?id=heartbeat").json();
        assertThat(job.path("storedTrigger").asText()).isEqualTo("interval:PT15S;start=1970-01-01T00:00:15Z");
        assertThat(job.path("trigger").asText()).isEqualTo("interval:PT15S");
        assertThat(job.path("declaredBy").asText()).isEqualTo("Heartbeat.class");
        assertThat(ids(admin.get("api/jobs").json())).containsExactly("heartbeat");
        assertThat(admin.get("api/jobs").json().path("items").get(0).path("trigger").asText()).isEqualTo("interval:PT15S");

        // Rescheduled since: the stored trigger is what runs, so that is what shows.
        admin.call("PUT", "api/job?id=heartbeat", "{\"task\": \"ok\", \"trigger\": \"interval:PT1M;start=2026-01-05T10:00:00Z\"}");
        assertThat(admin.get("api/job?id=heartbeat").json().path("trigger").asText()).isEqualTo("interval:PT1M;start=2026-01-05T10:00:00Z");
    }

    @Test
    void editReplacesTriggerOptionsAndDataAndAPausedJobStaysPaused() {
        add("report", "report", "interval:PT1H");
        admin.call("POST", "api/job/pause?id=report", null);
        Http.Reply edited = admin.call("PUT", "api/job?id=report",
                "{\"task\": \"ok\", \"trigger\": \"cron:30 8 * * *\", \"options\": {\"maxInstances\": 3}, \"data\": {\"to\": \"ops\"}}");
        assertThat(edited.status()).isEqualTo(200);
        JsonNode job = admin.get("api/job?id=report").json();
        assertThat(job.path("task").asText()).isEqualTo("ok");
        assertThat(job.path("trigger").asText()).isEqualTo("cron:30 8 * * *");
        assertThat(job.path("options").path("maxInstances").asInt()).isEqualTo(3);
        assertThat(job.path("data").path("to").asText()).isEqualTo("ops");
        assertThat(job.path("paused").asBoolean()).isTrue();
        assertThat(scheduler.job("report").orElseThrow().definition().options()).isEqualTo(JobOptions.builder().maxInstances(3).build());
    }

    @Test
    void deleteRemovesTheJob() {
        add("gone", "ok", "interval:PT1H");
        assertThat(admin.call("DELETE", "api/job?id=gone", null).status()).isEqualTo(204);
        assertThat(scheduler.job("gone")).isEmpty();
        assertThat(admin.call("DELETE", "api/job?id=gone", null).status()).isEqualTo(404);
    }

    @Test
    void pauseResumeAndRunNow() {
        add("report", "ok", "interval:PT1H");
        JsonNode paused = admin.call("POST", "api/job/pause?id=report", null).json();
        assertThat(paused.path("paused").asBoolean()).isTrue();
        assertThat(scheduler.job("report").orElseThrow().paused()).isTrue();
        assertThat(admin.call("POST", "api/job/resume?id=report", null).json().path("paused").asBoolean()).isFalse();
        assertThat(scheduler.job("report").orElseThrow().paused()).isFalse();

        Http.Reply run = admin.call("POST", "api/job/run?id=report", null);
        assertThat(run.status()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(10)).until(() -> scheduler.job("report").orElseThrow().lastRun().isPresent());
        assertThat(admin.get("api/job?id=report").json().path("lastRun").path("outcome").asText()).isEqualTo("SUCCESS");
        assertThat(admin.get("api/jobs?state=succeeded").json().path("total").asInt()).isEqualTo(1);
    }

    @Test
    void theHistoryPagesRunsNewestFirstWithFiltersAndAStackTrace() {
        add("report", "ok", "interval:PT10S");
        add("broken", "slow", "interval:PT1H");
        clock.advance(Duration.ofSeconds(35));
        scheduler.remove("broken");
        store.recordOutcome(new dev.chime.spi.RunEnd(new dev.chime.RunRecord(0, "broken", "slow", T0, 2, "node-a", T0,
                T0.plusSeconds(40), Duration.ofSeconds(1), dev.chime.Outcome.FAILURE, "java.io.IOException: disk full",
                "java.io.IOException: disk full\n\tat Report.run(Report.java:12)\n"), false));

        JsonNode first = reader.get("api/history?id=report&limit=2").json();
        assertThat(first.path("runs")).extracting(r -> r.path("fireTime").asText())
                .containsExactly(T0.plusSeconds(30).toString(), T0.plusSeconds(20).toString());
        assertThat(first.path("runs").get(0).path("outcome").asText()).isEqualTo("SUCCESS");
        assertThat(first.path("runs").get(0).path("attempts").asInt()).isEqualTo(1);
        JsonNode second = reader.get("api/history?id=report&limit=2&after=" + first.path("next").asText()).json();
        assertThat(second.path("runs")).extracting(r -> r.path("fireTime").asText())
                .containsExactly(T0.plusSeconds(10).toString(), T0.toString());
        assertThat(second.path("next").isNull()).isTrue();

        JsonNode failed = reader.get("api/history?outcome=failure,timeout").json();
        assertThat(failed.path("runs")).singleElement().satisfies(r -> {
            assertThat(r.path("jobId").asText()).isEqualTo("broken");
            assertThat(r.path("error").asText()).isEqualTo("java.io.IOException: disk full");
            assertThat(r.path("stackTrace").asText()).contains("at Report.run(Report.java:12)");
        });
        assertThat(reader.get("api/history?task=ok&before=" + T0.plusSeconds(15)).json().path("runs")).hasSize(2);
    }

    @Test
    void aBadHistoryQueryIsA400NamingTheParameter() {
        assertThat(reader.get("api/history?outcome=exploded").status()).isEqualTo(400);
        assertThat(reader.get("api/history?outcome=exploded").json().path("error").asText())
                .contains("query parameter 'outcome': 'exploded' is not one of");
        assertThat(reader.get("api/history?from=yesterday").json().path("error").asText())
                .contains("query parameter 'from': expected an instant");
        assertThat(reader.get("api/history?after=nonsense").json().path("error").asText())
                .contains("query parameter 'after': 'nonsense' is not a cursor");
        assertThat(reader.get("api/history?limit=0").status()).isEqualTo(400);
        assertThat(reader.get("api/history?from=" + T0 + "&before=" + T0).json().path("error").asText())
                .contains("query parameters 'from' and 'before'");
        assertThat(reader.get("api/history?id=a%0Ab").status()).isEqualTo(400);
    }

    @Test
    void pauseAndResumeTheScheduler() {
        assertThat(admin.call("POST", "api/scheduler/pause", null).json().path("state").asText()).isEqualTo("PAUSED");
        assertThat(scheduler.state()).isEqualTo(Scheduler.State.PAUSED);
        assertThat(admin.get("api/scheduler").json().path("state").asText()).isEqualTo("PAUSED");
        assertThat(admin.call("POST", "api/scheduler/resume", null).json().path("state").asText()).isEqualTo("RUNNING");
        assertThat(scheduler.state()).isEqualTo(Scheduler.State.RUNNING);
    }

    @Test
    void nodesShowThisNodeWithItsHeartbeatAgeAndWhatItRuns() {
        add("long", "slow", "interval:PT1H");
        admin.call("POST", "api/job/run?id=long", null);
        await().atMost(Duration.ofSeconds(10)).until(() -> admin.get("api/nodes").json().path("nodes").get(0)
                .path("running").size() == 1);
        JsonNode node = admin.get("api/nodes").json().path("nodes").get(0);
        assertThat(admin.get("api/nodes").json().path("available").asBoolean()).isTrue();
        assertThat(node.path("id").asText()).isEqualTo("local");
        assertThat(node.path("self").asBoolean()).isTrue();
        assertThat(node.path("heartbeatAgeMs").asLong()).isZero();
        assertThat(node.path("running").get(0).path("jobId").asText()).isEqualTo("long");
        blockRun.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> admin.get("api/nodes").json().path("nodes").get(0)
                .path("running").isEmpty());
    }

    @Test
    void nodesShowEveryNodeWithItsOwnHeartbeatAgeAndWhatEachRuns() {
        add("long", "slow", "interval:PT1H");
        store.otherNodes = List.of(new dev.chime.spi.NodeStatus("node-b", false, Duration.ofMillis(4_500),
                List.of(new dev.chime.spi.NodeStatus.Run("nightly", T0.minusSeconds(60), T0.minusSeconds(59)),
                        new dev.chime.spi.NodeStatus.Run("invoice-7", T0, null))));
        admin.call("POST", "api/job/run?id=long", null);
        await().atMost(Duration.ofSeconds(10)).until(() -> admin.get("api/nodes").json().path("nodes").get(0)
                .path("running").size() == 1);
        JsonNode nodes = admin.get("api/nodes").json().path("nodes");
        assertThat(nodes).extracting(n -> n.path("id").asText() + " self=" + n.path("self").asBoolean()
                + " age=" + n.path("heartbeatAgeMs").asLong()).containsExactly("local self=true age=0", "node-b self=false age=4500");
        assertThat(nodes.get(0).path("running")).extracting(r -> r.path("jobId").asText()).containsExactly("long");
        assertThat(nodes.get(1).path("running")).extracting(r -> r.path("jobId").asText() + "@" + r.path("fireTime").asText()
                + "/" + r.path("startedAt").asText(null))
                .containsExactly("nightly@" + T0.minusSeconds(60) + "/" + T0.minusSeconds(59), "invoice-7@" + T0 + "/null");
    }

    @Test
    void tasksAreListedAndAnUnknownTaskIsRefused() {
        assertThat(admin.get("api/tasks").json().toString()).isEqualTo("[\"fails\",\"ok\",\"report\",\"slow\"]");
        Http.Reply r = add("x", "nope", "interval:PT1M");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.error()).isEqualTo("field 'task': unknown task 'nope' (known: fails, ok, report, slow)");
    }

    // ---- ids and errors ----

    @ParameterizedTest
    @ValueSource(strings = {"a+b", "reports/daily", "100% done", "with spaces", "mixed +/% ", "ünïcødé"})
    void idsWithPlusSlashPercentAndSpacesRoundTrip(String id) {
        assertThat(add(id, "ok", "interval:PT1H").status()).isEqualTo(201);
        JsonNode job = admin.get("api/job" + Http.id(id)).json();
        assertThat(job.path("id").asText()).isEqualTo(id);
        // encodeURIComponent's form (spaces as %20) works as well as Java's (spaces as +).
        String jsStyle = "api/job?id=" + java.net.URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
        assertThat(admin.get(jsStyle).json().path("id").asText()).isEqualTo(id);
        assertThat(admin.call("POST", "api/job/pause" + Http.id(id), null).status()).isEqualTo(200);
        assertThat(scheduler.job(id).orElseThrow().paused()).isTrue();
        assertThat(admin.call("DELETE", "api/job" + Http.id(id), null).status()).isEqualTo(204);
        assertThat(scheduler.job(id)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"a+b", "reports/daily", "100% done", "with spaces", "mixed +/% ", "ünïcødé"})
    void idsWithPlusSlashPercentAndSpacesRoundTripThroughTheHistory(String id) {
        assertThat(add(id, "ok", "interval:PT10S").status()).isEqualTo(201);
        add(id + "x", "ok", "interval:PT10S");
        clock.advance(Duration.ofSeconds(10));

        JsonNode runs = admin.get("api/history" + Http.id(id)).json().path("runs");
        assertThat(runs).isNotEmpty().extracting(r -> r.path("jobId").asText()).containsOnly(id);
        String jsStyle = "api/history?id=" + java.net.URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20") + "&limit=20";
        assertThat(admin.get(jsStyle).json().path("runs")).hasSize(runs.size())
                .extracting(r -> r.path("jobId").asText()).containsOnly(id);
    }

    @Test
    void aBadHistoryLimitOrCursorIsA400NamingTheParameter() {
        assertThat(reader.get("api/history?limit=abc").status()).isEqualTo(400);
        assertThat(reader.get("api/history?limit=abc").error()).contains("'limit'");
        assertThat(reader.get("api/history?limit=1001").error()).contains("'limit'");
        assertThat(reader.get("api/history?after=" + T0 + "_-1").error()).contains("'after'");
        assertThat(reader.get("api/history?after=_5").error()).contains("'after'");
        assertThat(reader.get("api/history?outcome=,success").error()).contains("'outcome'");
        assertThat(reader.get("api/history?limit=1000").status()).isEqualTo(200);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a\rb", "a\nb", "a\r\nSet-Cookie: x=1", "nul\u0000", "bell\u0007", "del\u007f"})
    void controlCharactersInAnIdAreRejectedBeforeAnythingIsWritten(String id) {
        Http.Reply inBody = add(id, "ok", "interval:PT1H");
        assertThat(inBody.status()).isEqualTo(400);
        assertThat(inBody.error()).startsWith("field 'id': control character U+");
        Http.Reply inQuery = admin.call("POST", "api/job/pause" + Http.id(id), null);
        assertThat(inQuery.status()).isEqualTo(400);
        assertThat(inQuery.error()).startsWith("query parameter 'id': control character U+");
        assertThat(scheduler.jobs()).isEmpty();
    }

    @Test
    void badInputIs400WithWhatWasWrong() {
        assertThat(admin.call("POST", "api/jobs", "{not json").error()).startsWith("request body: not valid JSON at line 1");
        assertThat(admin.call("POST", "api/jobs", "[1]").error()).isEqualTo("request body: expected a JSON object with id, task and trigger, got ARRAY");
        assertThat(admin.call("POST", "api/jobs", "").error()).contains("got nothing");
        assertThat(admin.call("POST", "api/jobs", "{\"id\": \"a\", \"task\": \"ok\", \"trigger\": \"interval:PT1H\", \"colour\": 1}").error())
                .startsWith("unknown field 'colour'");
        Http.Reply badTrigger = add("a", "ok", "interval:soon");
        assertThat(badTrigger.status()).isEqualTo(400);
        assertThat(badTrigger.error()).startsWith("field 'trigger': ");
        assertThat(admin.get("api/jobs?size=0").error()).isEqualTo("query parameter 'size': expected a whole number from 1 to 200, got '0'");
        assertThat(admin.get("api/jobs?state=sleepy").status()).isEqualTo(400);
        assertThat(admin.get("api/jobs?paused=maybe").status()).isEqualTo(400);
        assertThat(admin.get("api/job").error()).isEqualTo("query parameter 'id' is missing");
        assertThat(scheduler.jobs()).isEmpty();
    }

    @Test
    void unknownJobsAndPathsAre404WrongMethods405AndDuplicates409() {
        assertThat(admin.get("api/job?id=missing").status()).isEqualTo(404);
        assertThat(admin.get("api/job?id=missing").error()).contains("missing");
        assertThat(admin.call("POST", "api/job/run?id=missing", null).status()).isEqualTo(404);
        assertThat(admin.get("api/nothing-here").status()).isEqualTo(404);
        assertThat(admin.get("nothing-here").status()).isEqualTo(404);
        assertThat(admin.call("PATCH", "api/jobs", "{}").status()).isEqualTo(405);
        assertThat(admin.get("api/job/pause?id=x").status()).isEqualTo(405);
        assertThat(add("twice", "ok", "interval:PT1H").status()).isEqualTo(201);
        Http.Reply again = add("twice", "ok", "interval:PT2H");
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.error()).contains("twice");
    }

    @Test
    void aBodyOverTheLimitIs413EvenBeforeAuthentication() {
        String big = "{\"id\": \"big\", \"task\": \"ok\", \"trigger\": \"interval:PT1H\", \"data\": \"" + "x".repeat(70_000) + "\"}";
        assertThat(anonymous.call("POST", "api/jobs", big).status()).isEqualTo(413);
        Http.Reply authed = admin.call("POST", "api/jobs", big);
        assertThat(authed.status()).isEqualTo(413);
        assertThat(authed.error()).isEqualTo("request body larger than 65536 bytes");
        assertThat(scheduler.jobs()).isEmpty();
    }

    @Test
    void anUnreachableStoreIs503AndABugIs500WithoutItsInternals() {
        add("report", "ok", "interval:PT1H");
        store.mode = SwitchableStore.Mode.UNAVAILABLE;
        Http.Reply unavailable = admin.get("api/jobs");
        assertThat(unavailable.status()).isEqualTo(503);
        assertThat(unavailable.body()).doesNotContain("db.internal");
        store.mode = SwitchableStore.Mode.BROKEN;
        Http.Reply broken = admin.get("api/job?id=report");
        assertThat(broken.status()).isEqualTo(500);
        assertThat(broken.error()).startsWith("internal error (ref ");
        assertThat(broken.body()).doesNotContain("secret", "chime_jobs", "IllegalStateException", "at dev.");
        store.mode = SwitchableStore.Mode.NORMAL;
        assertThat(admin.get("api/jobs").status()).isEqualTo(200);
    }

    /** Only the console's own input checks are 400s: an IllegalArgumentException from deeper down is a bug. */
    @ParameterizedTest
    @ValueSource(strings = {"STRAY_ARGUMENT", "STRAY_CHIME"})
    void aStrayExceptionFromDeeperCodeIs500WithOnlyAReference(String mode) {
        add("report", "ok", "interval:PT1H");
        store.mode = SwitchableStore.Mode.valueOf(mode);
        for (Http.Reply r : List.of(admin.get("api/jobs"), admin.get("api/job?id=report"), admin.call("POST", "api/job/pause?id=report", null),
                add("other", "ok", "interval:PT1H"))) {
            assertThat(r.status()).isEqualTo(500);
            assertThat(r.error()).startsWith("internal error (ref ");
            assertThat(r.body()).doesNotContain("secret", "chime_jobs", "Exception");
        }
        store.mode = SwitchableStore.Mode.NORMAL;
        assertThat(admin.get("api/jobs").status()).isEqualTo(200);
    }

    /** The API never holds more than its share of the store (a JDBC pool shared with the heartbeat). */
    @Test
    void atMostTwoRequestsAreInsideTheStoreTheOthersGet429AndHealthStillAnswers() throws Exception {
        store.release = new CountDownLatch(1);
        store.mode = SwitchableStore.Mode.BLOCKING;
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Http.Reply>> replies = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                replies.add(pool.submit(() -> admin.get("api/jobs")));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> store.inside.get() == 2);
            // The six others wait their 300 ms and are turned away while two are still inside.
            await().atMost(Duration.ofSeconds(10)).until(() -> replies.stream().filter(Future::isDone).count() == 6);
            assertThat(anonymous.get("health").status()).isEqualTo(200);
            store.release.countDown();
            List<Integer> statuses = new ArrayList<>();
            for (Future<Http.Reply> r : replies) {
                statuses.add(r.get().status());
            }
            assertThat(statuses).containsOnly(200, 429).filteredOn(s -> s == 200).hasSize(2);
            assertThat(store.mostInside.get()).isEqualTo(2);
        } finally {
            store.release.countDown();
            pool.shutdownNow();
        }
    }

    /**
     * /health is public: a flood of it must not take the store's connections. One call at a time is
     * inside the store; the others answer the last answer without queueing on it.
     */
    @Test
    void fiftyConcurrentHealthCallsPutAtMostOneInsideTheStoreAndStillAnswer() throws Exception {
        assertThat(anonymous.get("health").status()).isEqualTo(200);
        int callsBefore = store.countsCalls.get();
        assertThat(anonymous.get("health").status()).isEqualTo(200);
        assertThat(store.countsCalls.get()).as("an answer younger than a second is reused").isEqualTo(callsBefore);
        clock.advance(Duration.ofSeconds(2));
        store.countsRelease = new CountDownLatch(1);
        store.countsMode = SwitchableStore.Mode.BLOCKING;
        ExecutorService pool = Executors.newFixedThreadPool(50);
        try {
            List<Future<Http.Reply>> replies = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                replies.add(pool.submit(() -> anonymous.get("health")));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> store.countsInside.get() == 1);
            // The 49 others take the last answer while the one check is still inside the store.
            await().atMost(Duration.ofSeconds(20)).until(() -> replies.stream().filter(Future::isDone).count() == 49);
            assertThat(store.countsInside.get()).isEqualTo(1);
            store.countsRelease.countDown();
            for (Future<Http.Reply> r : replies) {
                assertThat(r.get(10, java.util.concurrent.TimeUnit.SECONDS).status()).isEqualTo(200);
            }
            assertThat(store.countsMostInside.get()).isEqualTo(1);
            assertThat(store.countsCalls.get()).isEqualTo(callsBefore + 1);
        } finally {
            store.countsRelease.countDown();
            pool.shutdownNow();
        }
    }

    /** The very first check, with no answer to reuse: the others wait for it, not for the store. */
    @Test
    void healthCallsBeforeAnyAnswerWaitForTheOneInFlight() throws Exception {
        store.countsRelease = new CountDownLatch(1);
        store.countsMode = SwitchableStore.Mode.BLOCKING;
        ExecutorService pool = Executors.newFixedThreadPool(10);
        try {
            List<Future<Http.Reply>> replies = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                replies.add(pool.submit(() -> anonymous.get("health")));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> store.countsInside.get() == 1);
            // Those that waited longer than the console's store wait (300 ms here) say DOWN; none queue on the store.
            await().atMost(Duration.ofSeconds(20)).until(() -> replies.stream().filter(Future::isDone).count() == 9);
            store.countsRelease.countDown();
            List<Integer> statuses = new ArrayList<>();
            for (Future<Http.Reply> r : replies) {
                statuses.add(r.get(10, java.util.concurrent.TimeUnit.SECONDS).status());
            }
            assertThat(statuses).containsOnly(200, 503).filteredOn(s -> s == 200).isNotEmpty();
            assertThat(store.countsMostInside.get()).isEqualTo(1);
            assertThat(store.countsCalls.get()).isEqualTo(1);
            assertThat(anonymous.get("health").status()).isEqualTo(200);
        } finally {
            store.countsRelease.countDown();
            pool.shutdownNow();
        }
    }

    @Test
    void theEventStreamSendsTheSchedulersEventsAsTheyHappen() throws Exception {
        add("report", "ok", "interval:PT1H");
        HttpRequest request = HttpRequest.newBuilder(URI.create(admin.base() + "api/events"))
                .header("Authorization", "Bearer " + ADMIN).build();
        HttpResponse<InputStream> stream = admin.client().send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(stream.statusCode()).isEqualTo(200);
        assertThat(stream.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/event-stream");
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
            assertThat(lines.readLine()).isEqualTo(": connected");
            await().atMost(Duration.ofSeconds(5)).until(() -> console.handler().openEventStreams() == 1);
            CompletableFuture<String> modified = CompletableFuture.supplyAsync(() -> {
                try {
                    for (String line; (line = lines.readLine()) != null; ) {
                        if (line.startsWith("data: ") && line.contains("\"jobId\":\"report\"")) {
                            return line;
                        }
                    }
                    return null;
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            admin.call("POST", "api/job/pause?id=report", null);
            assertThat(modified.get(10, java.util.concurrent.TimeUnit.SECONDS)).contains("\"type\":\"Modified\"");
        }
    }

    // ---- background tasks ----

    private Http.Reply enqueue(String body) {
        return admin.call("POST", "api/executions", body);
    }

    @Test
    void anEnqueuedTaskThatFailsShowsItsStateAndErrorAndIsRequeuedUnderItsId() {
        Http.Reply enqueued = enqueue("{\"task\": \"fails\", \"data\": {\"order\": 42}, \"id\": \"invoice-42\","
                + " \"options\": {\"timeout\": \"PT1M\"}}");
        assertThat(enqueued.status()).isEqualTo(201);
        assertThat(enqueued.header("Location")).isEqualTo("api/execution?id=invoice-42");
        assertThat(enqueued.json().path("id").asText()).isEqualTo("invoice-42");
        assertThat(enqueued.json().path("task").asText()).isEqualTo("fails");
        assertThat(enqueued.json().path("state").asText()).isEqualTo("SCHEDULED");
        assertThat(enqueued.json().path("fireTime").asText()).isEqualTo(T0.toString());
        assertThat(enqueued.json().path("attempts").asInt()).isZero();
        assertThat(scheduler.job("invoice-42").orElseThrow().definition().options().timeout()).contains(Duration.ofMinutes(1));

        clock.runDue();
        JsonNode failed = reader.get("api/execution?id=invoice-42").json();
        assertThat(failed.path("state").asText()).isEqualTo("FAILED");
        assertThat(failed.path("outcome").asText()).isEqualTo("FAILURE");
        assertThat(failed.path("attempts").asInt()).isEqualTo(1);
        assertThat(failed.path("node").asText()).isNotEmpty();
        assertThat(failed.path("finishedAt").asText()).isEqualTo(T0.toString());
        assertThat(failed.path("error").asText()).contains("IllegalStateException: boom");
        assertThat(failed.path("stackTrace").asText()).contains("boom", "\tat ");

        // Only a FAILED or CANCELLED execution is requeued; the 409 says which state it is in.
        Http.Reply requeued = admin.call("POST", "api/execution/retry?id=invoice-42", null);
        assertThat(requeued.status()).isEqualTo(200);
        assertThat(requeued.json().path("id").asText()).isEqualTo("invoice-42");
        assertThat(requeued.json().path("state").asText()).isEqualTo("SCHEDULED");
        Http.Reply twice = admin.call("POST", "api/execution/retry?id=invoice-42", null);
        assertThat(twice.status()).isEqualTo(409);
        assertThat(twice.error()).contains("'invoice-42' is SCHEDULED");
        assertThat(scheduler.job("invoice-42").orElseThrow().definition().dataJson()).isEqualTo("{\"order\":42}");
        clock.runDue();
        assertThat(reader.get("api/history?id=invoice-42").json().path("runs")).hasSize(2)
                .allSatisfy(r -> assertThat(r.path("enqueued").asBoolean()).isTrue());
    }

    @Test
    void failedRunsOfEveryJobAreListedWithoutAJobAndSayWhetherTheyWereEnqueued() {
        add("report", "ok", "interval:PT10S");
        add("broken", "fails", "interval:PT1H");
        enqueue("{\"task\": \"fails\", \"id\": \"task-1\"}");
        clock.advance(Duration.ofSeconds(5));

        JsonNode failed = reader.get("api/history?outcome=FAILURE,TIMEOUT,MISSED").json();
        assertThat(failed.path("runs")).extracting(r -> r.path("jobId").asText() + ":" + r.path("enqueued").asBoolean())
                .containsExactlyInAnyOrder("broken:false", "task-1:true");
        assertThat(failed.path("runs")).allSatisfy(r -> assertThat(r.path("stackTrace").asText()).contains("boom"));
        assertThat(reader.get("api/history?id=report").json().path("runs")).isNotEmpty()
                .allSatisfy(r -> assertThat(r.path("enqueued").asBoolean()).isFalse());
        JsonNode first = reader.get("api/history?outcome=FAILURE,TIMEOUT,MISSED&limit=1").json();
        assertThat(first.path("runs")).hasSize(1);
        JsonNode second = reader.get("api/history?outcome=FAILURE,TIMEOUT,MISSED&limit=1&after=" + first.path("next").asText()).json();
        assertThat(second.path("runs")).hasSize(1);
        assertThat(second.path("runs").get(0).path("jobId").asText()).isNotEqualTo(first.path("runs").get(0).path("jobId").asText());
    }

    @Test
    void aScheduledTaskIsCancelledOnceAndACancelledOneRequeued() {
        Http.Reply later = enqueue("{\"task\": \"ok\", \"delay\": \"PT1H\"}");
        assertThat(later.status()).isEqualTo(201);
        String id = later.json().path("id").asText();
        assertThat(later.json().path("fireTime").asText()).isEqualTo(T0.plus(Duration.ofHours(1)).toString());
        assertThat(later.header("Location")).isEqualTo("api/execution?id=" + id);

        JsonNode cancelled = admin.call("POST", "api/execution/cancel" + Http.id(id), null).json();
        assertThat(cancelled.path("cancelled").asBoolean()).isTrue();
        assertThat(cancelled.path("execution").path("state").asText()).isEqualTo("CANCELLED");
        assertThat(scheduler.job(id)).isEmpty();
        Http.Reply again = admin.call("POST", "api/execution/cancel" + Http.id(id), null);
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.json().path("cancelled").asBoolean()).isFalse();

        assertThat(admin.call("POST", "api/execution/retry" + Http.id(id), null).json().path("state").asText()).isEqualTo("SCHEDULED");
        clock.runDue();
        assertThat(admin.get("api/execution" + Http.id(id)).json().path("state").asText()).isEqualTo("SUCCEEDED");

        Http.Reply at = enqueue("{\"task\": \"ok\", \"startAt\": \"2026-02-01T00:00:00Z\"}");
        assertThat(at.json().path("fireTime").asText()).isEqualTo("2026-02-01T00:00:00Z");
    }

    @Test
    void aRunningTaskIsNotRequeuedAndIsCancelled() {
        String id = enqueue("{\"task\": \"slow\"}").json().path("id").asText();
        clock.runDue();
        await().atMost(Duration.ofSeconds(10)).until(() -> admin.get("api/execution" + Http.id(id)).json().path("state").asText()
                .equals("RUNNING"));
        Http.Reply retry = admin.call("POST", "api/execution/retry" + Http.id(id), null);
        assertThat(retry.status()).isEqualTo(409);
        assertThat(retry.error()).contains("is RUNNING");
        assertThat(admin.call("POST", "api/execution/cancel" + Http.id(id), null).json().path("cancelled").asBoolean()).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> admin.get("api/execution" + Http.id(id)).json().path("state").asText()
                .equals("CANCELLED"));
    }

    @Test
    void badTaskRequestsAre400NamingTheFieldAndATakenIdIs409() {
        assertThat(enqueue("{\"task\": \"ok\", \"colour\": 1}").error())
                .isEqualTo("unknown field 'colour' (known: data, delay, id, options, startAt, task)");
        assertThat(enqueue("{}").error()).isEqualTo("field 'task' is missing");
        assertThat(enqueue("{\"task\": \"nope\"}").error()).startsWith("field 'task': unknown task 'nope'");
        assertThat(enqueue("{\"task\": \"ok\", \"delay\": \"soon\"}").error()).startsWith("field 'delay': expected an ISO-8601 duration");
        assertThat(enqueue("{\"task\": \"ok\", \"delay\": \"-PT1S\"}").error()).startsWith("field 'delay': ");
        assertThat(enqueue("{\"task\": \"ok\", \"startAt\": \"tomorrow\"}").error()).startsWith("field 'startAt': expected an instant");
        assertThat(enqueue("{\"task\": \"ok\", \"delay\": \"PT1M\", \"startAt\": \"2026-02-01T00:00:00Z\"}").error())
                .contains("'delay' and 'startAt'");
        assertThat(enqueue("{\"task\": \"ok\", \"options\": {\"retries\": 3}}").error()).startsWith("field 'options': unknown field 'retries'");
        assertThat(enqueue("{\"task\": \"ok\", \"id\": \" \"}").error()).startsWith("field 'id'");
        assertThat(enqueue("[]").status()).isEqualTo(400);
        assertThat(admin.get("api/execution").error()).isEqualTo("query parameter 'id' is missing");
        assertThat(scheduler.jobs()).isEmpty();

        assertThat(enqueue("{\"task\": \"ok\", \"id\": \"once\", \"delay\": \"PT1H\"}").status()).isEqualTo(201);
        Http.Reply taken = enqueue("{\"task\": \"ok\", \"id\": \"once\"}");
        assertThat(taken.status()).isEqualTo(409);
        assertThat(taken.error()).contains("once");
        add("a-job", "ok", "interval:PT1H");
        assertThat(enqueue("{\"task\": \"ok\", \"id\": \"a-job\"}").status()).isEqualTo(409);
    }

    @Test
    void unknownExecutionsAre404AndAJobIsNotAnExecution() {
        add("a-job", "ok", "interval:PT1H");
        for (String id : List.of("missing", "a-job")) {
            Http.Reply get = reader.get("api/execution" + Http.id(id));
            assertThat(get.status()).isEqualTo(404);
            assertThat(get.error()).isEqualTo("no execution with id '" + id + "'");
            assertThat(admin.call("POST", "api/execution/cancel" + Http.id(id), null).status()).isEqualTo(404);
            assertThat(admin.call("POST", "api/execution/retry" + Http.id(id), null).status()).isEqualTo(404);
        }
        assertThat(scheduler.job("a-job")).isPresent();
        assertThat(admin.get("api/executions").status()).isEqualTo(405);
        assertThat(admin.call("DELETE", "api/execution?id=x", null).status()).isEqualTo(405);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a+b", "reports/daily", "100% done", "with spaces", "mixed +/% ", "ünïcødé"})
    void executionIdsWithPlusSlashPercentAndSpacesRoundTrip(String id) {
        Http.Reply enqueued = enqueue("{\"task\": \"ok\", \"delay\": \"PT1H\", \"id\": " + json(id) + "}");
        assertThat(enqueued.status()).isEqualTo(201);
        assertThat(enqueued.json().path("id").asText()).isEqualTo(id);
        assertThat(admin.get(enqueued.header("Location")).json().path("id").asText()).isEqualTo(id);
        String jsStyle = "api/execution?id=" + java.net.URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
        assertThat(admin.get(jsStyle).json().path("state").asText()).isEqualTo("SCHEDULED");
        assertThat(admin.call("POST", "api/execution/cancel" + Http.id(id), null).json().path("cancelled").asBoolean()).isTrue();
        assertThat(scheduler.execution(id).orElseThrow().state()).isEqualTo(dev.chime.Execution.State.CANCELLED);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a\rb", "a\nb", "a\r\nSet-Cookie: x=1", "nul\u0000", "bell\u0007", "del\u007f"})
    void controlCharactersInAnExecutionIdAreRejectedBeforeAnythingIsWritten(String id) {
        Http.Reply inBody = enqueue("{\"task\": \"ok\", \"id\": " + json(id) + "}");
        assertThat(inBody.status()).isEqualTo(400);
        assertThat(inBody.error()).startsWith("field 'id': control character U+");
        for (String path : List.of("api/execution/cancel", "api/execution/retry")) {
            Http.Reply inQuery = admin.call("POST", path + Http.id(id), null);
            assertThat(inQuery.status()).isEqualTo(400);
            assertThat(inQuery.error()).startsWith("query parameter 'id': control character U+");
        }
        assertThat(scheduler.jobs()).isEmpty();
        assertThat(scheduler.history(dev.chime.HistoryQuery.all()).runs()).isEmpty();
    }

    @Test
    void aTaskRequestOverTheBodyLimitIs413() {
        Http.Reply big = enqueue("{\"task\": \"ok\", \"data\": \"" + "x".repeat(70_000) + "\"}");
        assertThat(big.status()).isEqualTo(413);
        assertThat(scheduler.jobs()).isEmpty();
    }
}
