package dev.chime.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo app started on a random port, driven end to end over HTTP. */
class DemoApiTest {

    private static final String TOKEN = "t0ken";

    @TempDir
    Path dir;

    private DemoServer server;
    private Api api;

    private DemoServer start(String jdbcUrl, Path schedule) {
        return DemoServer.start(new DemoSettings(0, jdbcUrl, schedule, TOKEN), Duration.ofSeconds(10));
    }

    private static String memoryDb() {
        return "jdbc:h2:mem:demo-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
    }

    @BeforeEach
    void setUp() throws Exception {
        Path schedule = dir.resolve("schedule.json");
        Files.writeString(schedule, """
                {"from-file": {"task": "echo", "trigger": "interval:PT1H", "data": {"greeting": "hi"}}}
                """);
        server = start(memoryDb(), schedule);
        api = new Api(server.port(), TOKEN);
    }

    @AfterEach
    void tearDown() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void healthAndJobsShowTheSampleJobsTheScheduleFileAndTheirNextFireTimes() {
        Api.Reply health = api.get("/health");
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.json().path("status").asText()).isEqualTo("UP");
        assertThat(health.json().path("scheduler").asText()).isEqualTo("RUNNING");
        assertThat(health.json().path("node").asText()).isNotBlank();

        JsonNode jobs = api.get("/jobs").json();
        List<String> ids = new ArrayList<>();
        jobs.forEach(j -> ids.add(j.path("id").asText()));
        assertThat(ids).contains("heartbeat", "minute-report", "flaky-import", "from-file");
        // A job whose firing is being claimed right now has no next fire time for a moment: most have one.
        int withNext = 0;
        for (JsonNode j : jobs) {
            withNext += j.path("nextFireTime").isTextual() ? 1 : 0;
        }
        assertThat(withNext).isGreaterThanOrEqualTo(jobs.size() - 1);

        JsonNode fromFile = api.get("/jobs/from-file").json();
        assertThat(fromFile.path("task").asText()).isEqualTo("echo");
        assertThat(fromFile.path("trigger").asText()).startsWith("interval:PT1H");
        assertThat(fromFile.path("data").path("greeting").asText()).isEqualTo("hi");
        assertThat(api.get("/jobs/heartbeat").json().path("trigger").asText()).isEqualTo("interval:PT10S;start=1970-01-01T00:00:10Z");
        assertThat(api.get("/jobs/minute-report").json().path("trigger").asText()).isEqualTo("cron:0 * * * * *");
        assertThat(api.get("/tasks").json().toString()).contains("echo", "sleep", "dev.chime.demo.jobs.Heartbeat");
    }

    @Test
    void addingAJobValidatesEveryFieldAndNeedsTheToken() {
        String body = "{\"id\": \"every-5s\", \"task\": \"echo\", \"trigger\": \"cron:*/5 * * * * *\", "
                + "\"options\": {\"maxInstances\": 2}, \"data\": {\"n\": 1}}";
        assertThat(api.call("POST", "/jobs", body, null).status()).isEqualTo(401);
        Api.Reply wrong = api.call("POST", "/jobs", body, "guess");
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(wrong.error()).isEqualTo("wrong bearer token");
        assertThat(wrong.raw().headers().firstValue("WWW-Authenticate")).contains("Bearer");

        assertBadRequest("{\"id\": \"x\", ", "request body: not valid JSON at line 1, column 13");
        assertBadRequest("[1, 2]", "request body: expected a JSON object with id, task and trigger, got ARRAY");
        assertBadRequest("{\"id\": \"x\", \"task\": \"echo\"}", "field 'trigger' is missing");
        assertBadRequest("{\"id\": \"x\", \"task\": \"nope\", \"trigger\": \"interval:PT1S\"}",
                "field 'task': unknown task 'nope' (known: ");
        assertBadRequest("{\"id\": \"x\", \"task\": \"echo\", \"trigger\": \"cron:61 * * * *\"}",
                "field 'trigger': ");
        assertThat(api.call("POST", "/jobs", "{\"id\": \"x\", \"task\": \"echo\", \"trigger\": \"cron:61 * * * *\"}").error())
                .contains("minute: 61 is outside 0-59");
        assertBadRequest("{\"id\": \"x\", \"task\": \"echo\", \"trigger\": \"interval:PT1S\", \"options\": {\"maxInstances\": 0}}",
                "field 'options': ");
        assertBadRequest("{\"id\": \"x\", \"task\": \"echo\", \"trigger\": \"interval:PT1S\", \"when\": 1}",
                "unknown field 'when' (known: data, id, options, task, trigger)");
        assertThat(api.get("/jobs/x").status()).as("nothing was added by a bad request").isEqualTo(404);

        Api.Reply created = api.call("POST", "/jobs", body);
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.raw().headers().firstValue("Location")).contains("/jobs/every-5s");
        assertThat(created.json().path("options").path("maxInstances").asInt()).isEqualTo(2);
        assertThat(api.get("/jobs/every-5s").json().path("data").path("n").asInt()).isEqualTo(1);
        Api.Reply duplicate = api.call("POST", "/jobs", body);
        assertThat(duplicate.status()).isEqualTo(409);
        assertThat(duplicate.error()).contains("every-5s");
    }

    private void assertBadRequest(String body, String messageStart) {
        Api.Reply reply = api.call("POST", "/jobs", body);
        assertThat(reply.status()).as(body).isEqualTo(400);
        assertThat(reply.error()).as(body).startsWith(messageStart);
    }

    @Test
    void pauseResumeRunRescheduleAndDelete() {
        assertThat(api.call("POST", "/jobs", "{\"id\": \"e\", \"task\": \"echo\", \"trigger\": \"interval:PT1H\"}").status())
                .isEqualTo(201);
        assertThat(api.call("POST", "/jobs/e/pause", null, null).status()).isEqualTo(401);
        Api.Reply paused = api.call("POST", "/jobs/e/pause", null);
        assertThat(paused.status()).isEqualTo(200);
        assertThat(paused.json().path("paused").asBoolean()).isTrue();
        assertThat(api.get("/jobs/e").json().path("nextFireTime").isNull()).isTrue();
        assertThat(api.call("POST", "/jobs/e/resume", null).json().path("paused").asBoolean()).isFalse();

        assertThat(api.call("POST", "/jobs/e/run", null).status()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(api.get("/jobs/e").json().path("lastRun").path("outcome").asText()).isEqualTo("SUCCESS"));
        assertThat(api.get("/events?job=e&type=Executed").json()).hasSize(1);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(api.get("/metrics").body()).contains("chime_job_execution_seconds_count{exception=\"none\",job=\"e\","
                        + "outcome=\"success\",task=\"echo\"} 1"));

        Api.Reply rescheduled = api.call("PUT", "/jobs/e/trigger", "{\"trigger\": \"cron:0 0 9 * * MON-FRI;zone=Europe/Berlin\"}");
        assertThat(rescheduled.status()).isEqualTo(200);
        assertThat(rescheduled.json().path("trigger").asText()).isEqualTo("cron:0 0 9 * * MON-FRI;zone=Europe/Berlin");
        Api.Reply badTrigger = api.call("PUT", "/jobs/e/trigger", "{\"trigger\": \"interval:whenever\"}");
        assertThat(badTrigger.status()).isEqualTo(400);
        assertThat(badTrigger.error()).startsWith("field 'trigger': ");
        assertThat(api.get("/jobs/e").json().path("trigger").asText()).as("unchanged").startsWith("cron:0 0 9");

        assertThat(api.call("DELETE", "/jobs/e", null).status()).isEqualTo(204);
        assertThat(api.get("/jobs/e").status()).isEqualTo(404);
        assertThat(api.call("DELETE", "/jobs/e", null).status()).isEqualTo(404);
        Api.Reply unknown = api.call("POST", "/jobs/nope/pause", null);
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.error()).isEqualTo("no job with id 'nope'");
    }

    @Test
    void unknownPathsAndMethodsAreAnsweredWithJsonErrors() {
        assertThat(api.get("/nothing-here").status()).isEqualTo(404);
        assertThat(api.get("/jobs/heartbeat/explode").status()).isEqualTo(404);
        assertThat(api.call("PATCH", "/jobs/heartbeat", "{}").status()).isEqualTo(405);
        assertThat(api.call("GET", "/jobs/heartbeat/pause", null).status()).isEqualTo(405);
        assertThat(api.get("/events?limit=many").error()).startsWith("query parameter 'limit'");
        Api.Reply page = api.get("/");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.raw().headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
        assertThat(page.body()).contains("<title>Chime dashboard</title>");
    }

    @Test
    void failuresAndRetriesShowInTheEvents() {
        // The flaky import fails two times in five; run it until a failure shows.
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            if (api.get("/events?job=flaky-import&type=Failed").json().isEmpty()) {
                api.call("POST", "/jobs/flaky-import/run", null);
                return false;
            }
            return true;
        });
        JsonNode failed = api.get("/events?job=flaky-import&type=Failed").json().get(0);
        assertThat(failed.path("error").asText()).contains("IllegalStateException: upstream did not answer");
        assertThat(failed.has("willRetry")).isTrue();
    }

    @Test
    void jobsAddedOverHttpSurviveARestartOnTheDatabaseFile() {
        server.close();
        String url = "jdbc:h2:file:" + dir.resolve("db").toAbsolutePath();
        server = start(url, null);
        api = new Api(server.port(), TOKEN);
        assertThat(api.call("POST", "/jobs", "{\"id\": \"kept\", \"task\": \"echo\", \"trigger\": \"interval:PT1H\"}").status())
                .isEqualTo(201);
        api.call("POST", "/jobs/heartbeat/pause", null);
        server.close();

        server = start(url, null);
        api = new Api(server.port(), TOKEN);
        assertThat(api.get("/jobs/kept").status()).isEqualTo(200);
        assertThat(api.get("/jobs/heartbeat").json().path("paused").asBoolean()).as("declared, unchanged: state kept").isTrue();
    }

    @Test
    void theExampleScheduleFileInTheReadmeLoads() {
        server.close();
        server = start(memoryDb(), Path.of("schedule.example.json"));
        api = new Api(server.port(), TOKEN);
        assertThat(api.get("/jobs/say-hello").status()).isEqualTo(200);
        assertThat(api.get("/jobs/weekday-standup").json().path("trigger").asText()).isEqualTo("cron:0 9 * * MON-FRI;zone=Europe/Berlin");
        assertThat(api.get("/jobs/nightly-cleanup").json().path("options").path("retry").path("maxRetries").asInt()).isEqualTo(2);
    }

    @Test
    void aBrokenScheduleFileStopsTheStartNamingTheFileTheJobAndTheField() throws Exception {
        Path broken = dir.resolve("broken.json");
        Files.writeString(broken, "{\"nightly\": {\"task\": \"echo\", \"trigger\": \"cron:0 25 * * *\"}}");
        assertThatThrownBy(() -> start(memoryDb(), broken))
                .hasMessageStartingWith(broken + ": job 'nightly': field 'trigger': ")
                .hasMessageContaining("25");
    }

    @Test
    void aPortInUseStopsTheStartNamingThePort() {
        int taken = server.port();
        assertThatThrownBy(() -> DemoServer.start(new DemoSettings(taken, memoryDb(), null, TOKEN), Duration.ofSeconds(1)))
                .hasMessageStartingWith("cannot listen on port " + taken + ": ");
        assertThat(api.get("/health").status()).as("the first one still serves").isEqualTo(200);
    }

    @Test
    void closingLetsARunningJobFinishFirst() {
        api.call("POST", "/jobs", "{\"id\": \"slow\", \"task\": \"sleep\", \"trigger\": \"interval:PT1H\", \"data\": {\"millis\": 1500}}");
        java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
        server.scheduler().addListener(e -> {
            if (e instanceof dev.chime.JobEvent.Submitted s && s.jobId().equals("slow")) {
                started.countDown();
            }
        });
        api.call("POST", "/jobs/slow/run", null);
        await().atMost(Duration.ofSeconds(20)).until(() -> started.getCount() == 0);
        EventLog events = server.injector().getInstance(EventLog.class);
        server.close();
        assertThat(events.recent(10, "Executed", "slow")).as("finished within the grace period").hasSize(1);
    }
}
