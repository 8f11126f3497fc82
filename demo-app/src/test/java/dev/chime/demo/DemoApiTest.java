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

    private static final String TOKEN = "t0ken-for-tests";

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
        Api.Reply health = api.getAnonymously("/health");
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.json().path("status").asText()).isEqualTo("UP");
        assertThat(api.get("/api/scheduler").json().path("state").asText()).isEqualTo("RUNNING");
        assertThat(api.get("/api/nodes").json().path("nodes").get(0).path("self").asBoolean()).isTrue();

        JsonNode jobs = api.get("/api/jobs").json().path("items");
        List<String> ids = new ArrayList<>();
        jobs.forEach(j -> ids.add(j.path("id").asText()));
        assertThat(ids).contains("heartbeat", "minute-report", "flaky-import", "from-file");
        // A job whose firing is claimed right now has no next fire time for a moment (several of them
        // when they are due on the same instant and the machine is slow), so wait for a listing in
        // which every job has one.
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            List<String> withoutNext = new ArrayList<>();
            api.get("/api/jobs").json().path("items").forEach(j -> {
                if (!j.path("nextFireTime").isTextual()) {
                    withoutNext.add(j.path("id").asText());
                }
            });
            assertThat(withoutNext).isEmpty();
        });

        JsonNode fromFile = api.get("/api/job?id=from-file").json();
        assertThat(fromFile.path("task").asText()).isEqualTo("echo");
        assertThat(fromFile.path("trigger").asText()).startsWith("interval:PT1H");
        assertThat(fromFile.path("data").path("greeting").asText()).isEqualTo("hi");
                // Declared as every 10 s, stored on the epoch's grid, shown as declared.
        assertThat(api.get("/api/job?id=heartbeat").json().path("trigger").asText()).isEqualTo("interval:PT10S");
        assertThat(api.get("/api/job?id=heartbeat").json().path("storedTrigger").asText())
                .isEqualTo("interval:PT10S;start=1970-01-01T00:00:10Z");
        assertThat(api.get("/api/job?id=heartbeat").json().path("description").asText()).isEqualTo("every 10 seconds");
        assertThat(api.get("/api/job?id=minute-report").json().path("trigger").asText()).isEqualTo("cron:0 * * * * *");
        assertThat(api.get("/api/tasks").json().toString()).contains("echo", "sleep", "dev.chime.demo.jobs.Heartbeat");
    }

    @Test
    void addingAJobValidatesEveryFieldAndNeedsTheToken() {
        String body = "{\"id\": \"every-5s\", \"task\": \"echo\", \"trigger\": \"cron:*/5 * * * * *\", "
                + "\"options\": {\"maxInstances\": 2}, \"data\": {\"n\": 1}}";
        assertThat(api.call("POST", "/api/jobs", body, null).status()).isEqualTo(401);
        Api.Reply wrong = api.call("POST", "/api/jobs", body, "guess");
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(wrong.error()).isEqualTo("not authenticated: wrong credentials");
        assertThat(wrong.raw().headers().firstValue("WWW-Authenticate")).contains("Bearer");

        assertBadRequest("{\"id\": \"x\", ", "request body: not valid JSON at line 1, column 13");
        assertBadRequest("[1, 2]", "request body: expected a JSON object with id, task and trigger, got ARRAY");
        assertBadRequest("{\"id\": \"x\", \"task\": \"echo\"}", "field 'trigger' is missing");
        assertBadRequest("{\"id\": \"x\", \"task\": \"nope\", \"trigger\": \"interval:PT1S\"}",
                "field 'task': unknown task 'nope' (known: ");
        assertBadRequest("{\"id\": \"x\", \"task\": \"echo\", \"trigger\": \"cron:61 * * * *\"}",
                "field 'trigger': ");
        assertThat(api.call("POST", "/api/jobs", "{\"id\": \"x\", \"task\": \"echo\", \"trigger\": \"cron:61 * * * *\"}").error())
                .contains("minute: 61 is outside 0-59");
        assertBadRequest("{\"id\": \"x\", \"task\": \"echo\", \"trigger\": \"interval:PT1S\", \"options\": {\"maxInstances\": 0}}",
                "field 'options': ");
        assertBadRequest("{\"id\": \"x\", \"task\": \"echo\", \"trigger\": \"interval:PT1S\", \"when\": 1}",
                "unknown field 'when' (known: data, id, options, task, trigger)");
        assertThat(api.get("/api/job?id=x").status()).as("nothing was added by a bad request").isEqualTo(404);

        Api.Reply created = api.call("POST", "/api/jobs", body);
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.raw().headers().firstValue("Location")).hasValue("api/job?id=every-5s");
        assertThat(created.json().path("options").path("maxInstances").asInt()).isEqualTo(2);
        assertThat(api.get("/api/job?id=every-5s").json().path("data").path("n").asInt()).isEqualTo(1);
        Api.Reply duplicate = api.call("POST", "/api/jobs", body);
        assertThat(duplicate.status()).isEqualTo(409);
        assertThat(duplicate.error()).contains("every-5s");
    }

    private void assertBadRequest(String body, String messageStart) {
        Api.Reply reply = api.call("POST", "/api/jobs", body);
        assertThat(reply.status()).as(body).isEqualTo(400);
        assertThat(reply.error()).as(body).startsWith(messageStart);
    }

    @Test
    void pauseResumeRunRescheduleAndDelete() {
        assertThat(api.call("POST", "/api/jobs", "{\"id\": \"e\", \"task\": \"echo\", \"trigger\": \"interval:PT1H\"}").status())
                .isEqualTo(201);
        assertThat(api.call("POST", "/api/job/pause?id=e", null, null).status()).isEqualTo(401);
        Api.Reply paused = api.call("POST", "/api/job/pause?id=e", null);
        assertThat(paused.status()).isEqualTo(200);
        assertThat(paused.json().path("paused").asBoolean()).isTrue();
        assertThat(api.get("/api/job?id=e").json().path("nextFireTime").isNull()).isTrue();
        assertThat(api.call("POST", "/api/job/resume?id=e", null).json().path("paused").asBoolean()).isFalse();

        assertThat(api.call("POST", "/api/job/run?id=e", null).status()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(api.get("/api/job?id=e").json().path("lastRun").path("outcome").asText()).isEqualTo("SUCCESS"));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(api.get("/metrics").body()).contains("chime_job_execution_seconds_count{exception=\"none\",job=\"e\","
                        + "outcome=\"success\",task=\"echo\"} 1"));

        Api.Reply rescheduled = api.call("PUT", "/api/job?id=e", "{\"task\": \"echo\", \"trigger\": \"cron:0 0 9 * * MON-FRI;zone=Europe/Berlin\"}");
        assertThat(rescheduled.status()).isEqualTo(200);
        assertThat(rescheduled.json().path("trigger").asText()).isEqualTo("cron:0 0 9 * * MON-FRI;zone=Europe/Berlin");
        Api.Reply badTrigger = api.call("PUT", "/api/job?id=e", "{\"task\": \"echo\", \"trigger\": \"interval:whenever\"}");
        assertThat(badTrigger.status()).isEqualTo(400);
        assertThat(badTrigger.error()).startsWith("field 'trigger': ");
        assertThat(api.get("/api/job?id=e").json().path("trigger").asText()).as("unchanged").startsWith("cron:0 0 9");

        assertThat(api.call("DELETE", "/api/job?id=e", null).status()).isEqualTo(204);
        assertThat(api.get("/api/job?id=e").status()).isEqualTo(404);
        assertThat(api.call("DELETE", "/api/job?id=e", null).status()).isEqualTo(404);
        Api.Reply unknown = api.call("POST", "/api/job/pause?id=nope", null);
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.error()).isEqualTo("no job with id 'nope'");
    }

    @Test
    void unknownPathsAndMethodsAreAnsweredWithJsonErrors() {
        assertThat(api.get("/nothing-here").status()).isEqualTo(404);
        assertThat(api.get("/api/job/explode?id=heartbeat").status()).isEqualTo(404);
        assertThat(api.call("PATCH", "/api/job?id=heartbeat", "{}").status()).isEqualTo(405);
        assertThat(api.call("GET", "/api/job/pause?id=heartbeat", null).status()).isEqualTo(405);
        assertThat(api.get("/api/jobs?size=many").error()).startsWith("query parameter 'size'");
        Api.Reply page = api.get("/");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.raw().headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
        assertThat(page.body()).contains("<title>Chime console</title>");
    }

    @Test
    void theFlakyImportFailsSometimesAndIsRetried() {
        List<dev.chime.JobEvent.Failed> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        server.scheduler().addListener(e -> {
            if (e instanceof dev.chime.JobEvent.Failed f && f.jobId().equals("flaky-import")) {
                failures.add(f);
            }
        });
        // The flaky import fails two times in five; run it until a failure shows.
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            if (failures.isEmpty()) {
                api.call("POST", "/api/job/run?id=flaky-import", null);
                return false;
            }
            return true;
        });
        assertThat(failures.get(0).error()).hasMessageStartingWith("upstream did not answer");
        assertThat(failures.get(0).willRetry()).isTrue();
    }

    @Test
    void jobsAddedOverHttpSurviveARestartOnTheDatabaseFile() {
        server.close();
        String url = "jdbc:h2:file:" + dir.resolve("db").toAbsolutePath();
        server = start(url, null);
        api = new Api(server.port(), TOKEN);
        assertThat(api.call("POST", "/api/jobs", "{\"id\": \"kept\", \"task\": \"echo\", \"trigger\": \"interval:PT1H\"}").status())
                .isEqualTo(201);
        api.call("POST", "/api/job/pause?id=heartbeat", null);
        server.close();

        server = start(url, null);
        api = new Api(server.port(), TOKEN);
        assertThat(api.get("/api/job?id=kept").status()).isEqualTo(200);
        assertThat(api.get("/api/job?id=heartbeat").json().path("paused").asBoolean()).as("declared, unchanged: state kept").isTrue();
    }

    @Test
    void theExampleScheduleFileInTheReadmeLoads() {
        server.close();
        server = start(memoryDb(), Path.of("schedule.example.json"));
        api = new Api(server.port(), TOKEN);
        assertThat(api.get("/api/job?id=say-hello").status()).isEqualTo(200);
        assertThat(api.get("/api/job?id=weekday-standup").json().path("trigger").asText()).isEqualTo("cron:0 9 * * MON-FRI;zone=Europe/Berlin");
        assertThat(api.get("/api/job?id=nightly-cleanup").json().path("options").path("retry").path("maxRetries").asInt()).isEqualTo(2);
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
        api.call("POST", "/api/jobs", "{\"id\": \"slow\", \"task\": \"sleep\", \"trigger\": \"interval:PT1H\", \"data\": {\"millis\": 1500}}");
        java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
        server.scheduler().addListener(e -> {
            if (e instanceof dev.chime.JobEvent.Submitted s && s.jobId().equals("slow")) {
                started.countDown();
            }
        });
        api.call("POST", "/api/job/run?id=slow", null);
        await().atMost(Duration.ofSeconds(20)).until(() -> started.getCount() == 0);
        EventLog events = server.injector().getInstance(EventLog.class);
        server.close();
        assertThat(events.recent(10, "Executed", "slow")).as("finished within the grace period").hasSize(1);
    }
}
