package dev.chime.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chime.ExecutionQuery;
import dev.chime.ExecutionState;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The execution endpoints (history, failed runs, requeue, cancel, enqueue, status) and their
 * errors, run against each way of serving the console as {@link ConsoleContract} is.
 */
abstract class ExecutionsContract extends ConsoleContract {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private Http.Reply enqueue(String body) {
        return admin.call("POST", "api/executions", body);
    }

    private String enqueued(String body) {
        Http.Reply r = enqueue(body);
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json().path("id").asText();
    }

    private JsonNode execution(String id) {
        return admin.get("api/execution" + Http.id(id)).json();
    }

    private JsonNode awaitState(String id, String state) {
        await().atMost(WAIT).until(() -> execution(id).path("state").asText().equals(state));
        return execution(id);
    }

    @Test
    void aJobsHistoryIsPagedNewestFirstWithTheCursor() {
        add("report", "ok", "cron:0 3 * * *");
        add("other", "ok", "cron:0 3 * * *");
        List<String> runs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Http.Reply run = admin.call("POST", "api/job/run?id=report", null);
            assertThat(run.status()).isEqualTo(202);
            runs.add(0, run.json().path("executionId").asText());
            awaitState(runs.get(0), "SUCCEEDED");
            clock.advance(Duration.ofSeconds(1));
        }
        admin.call("POST", "api/job/run?id=other", null);

        JsonNode first = admin.get("api/executions?job=report&size=2").json();
        assertThat(ids(first)).containsExactly(runs.get(0), runs.get(1));
        JsonNode second = reader.get("api/executions?job=report&size=2&after=" + first.path("next").asText()).json();
        assertThat(ids(second)).containsExactly(runs.get(2), runs.get(3));
        JsonNode last = admin.get("api/executions?job=report&size=2&after=" + second.path("next").asText()).json();
        assertThat(ids(last)).containsExactly(runs.get(4));
        assertThat(last.path("next").isNull()).isTrue();

        JsonNode newest = first.path("items").get(0);
        assertThat(newest.path("jobId").asText()).isEqualTo("report");
        assertThat(newest.path("task").asText()).isEqualTo("ok");
        assertThat(newest.path("state").asText()).isEqualTo("SUCCEEDED");
        assertThat(newest.path("attempts").asInt()).isEqualTo(1);
        assertThat(newest.path("node").asText()).isEqualTo("local");
        assertThat(newest.path("scheduledTime").asText()).isEqualTo("2026-01-05T09:00:04Z");
        assertThat(newest.path("endedAt").asText()).isEqualTo("2026-01-05T09:00:04Z");
        assertThat(newest.path("durationMs").asLong()).isZero();
    }

    @Test
    void failedRunsOfAJobAndAcrossJobsAndTasksCarryTheirErrorAndStackTrace() {
        add("broken", "fails", "cron:0 3 * * *");
        add("fine", "ok", "cron:0 3 * * *");
        String jobRun = admin.call("POST", "api/job/run?id=broken", null).json().path("executionId").asText();
        String fine = admin.call("POST", "api/job/run?id=fine", null).json().path("executionId").asText();
        String task = enqueued("{\"task\": \"fails\"}");
        awaitState(jobRun, "FAILED");
        awaitState(task, "FAILED");
        awaitState(fine, "SUCCEEDED");

        JsonNode ofJob = admin.get("api/executions?job=broken&state=FAILED").json();
        assertThat(ids(ofJob)).containsExactly(jobRun);
        JsonNode failed = ofJob.path("items").get(0);
        assertThat(failed.path("error").asText()).isEqualTo("java.lang.IllegalStateException: boom: disk full");
        assertThat(failed.path("stackTrace").asText()).startsWith("java.lang.IllegalStateException: boom: disk full")
                .contains("\tat dev.chime.console.ConsoleContract");

        assertThat(ids(admin.get("api/executions?state=failed").json())).containsExactlyInAnyOrder(jobRun, task);
        assertThat(ids(admin.get("api/executions?state=FAILED,CANCELLED&task=fails").json())).containsExactlyInAnyOrder(jobRun, task);
        JsonNode one = reader.get("api/execution" + Http.id(task)).json();
        assertThat(one.path("jobId").isNull()).isTrue();
        assertThat(one.path("state").asText()).isEqualTo("FAILED");
        assertThat(one.path("stackTrace").asText()).contains("boom: disk full");
    }

    @Test
    void aFailedExecutionIsRequeuedAndRunsAgainButASucceededOneIs409() {
        String id = enqueued("{\"task\": \"fails\"}");
        awaitState(id, "FAILED");
        failing.set(false);
        Http.Reply requeued = admin.call("POST", "api/execution/retry" + Http.id(id), null);
        assertThat(requeued.status()).isEqualTo(200);
        assertThat(requeued.json().path("id").asText()).isEqualTo(id);
        JsonNode after = awaitState(id, "SUCCEEDED");
        assertThat(after.path("attempts").asInt()).isEqualTo(1);

        Http.Reply again = admin.call("POST", "api/execution/retry" + Http.id(id), null);
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.error()).isEqualTo("execution '" + id + "' is SUCCEEDED: only a FAILED or CANCELLED execution can be requeued");
    }

    @Test
    void aScheduledExecutionIsCancelledAnEndedOneIs409AndACancelledOneCanBeRequeued() {
        Http.Reply created = enqueue("{\"task\": \"echo\", \"data\": {\"n\": 1}, \"delay\": \"PT1H\"}");
        assertThat(created.status()).isEqualTo(201);
        String id = created.json().path("id").asText();
        assertThat(created.header("Location")).isEqualTo("api/execution?id=" + id);
        assertThat(created.json().path("state").asText()).isEqualTo("SCHEDULED");
        assertThat(created.json().path("dueAt").asText()).isEqualTo("2026-01-05T10:00:00Z");

        Http.Reply cancelled = admin.call("POST", "api/execution/cancel" + Http.id(id), null);
        assertThat(cancelled.status()).isEqualTo(200);
        assertThat(cancelled.json().path("state").asText()).isEqualTo("CANCELLED");
        assertThat(scheduler.execution(id).orElseThrow().state()).isEqualTo(ExecutionState.CANCELLED);
        Http.Reply twice = admin.call("POST", "api/execution/cancel" + Http.id(id), null);
        assertThat(twice.status()).isEqualTo(409);
        assertThat(twice.error()).isEqualTo("execution '" + id + "' already ended (CANCELLED): there is nothing to cancel");

        assertThat(admin.call("POST", "api/execution/retry" + Http.id(id), null).status()).isEqualTo(200);
        assertThat(awaitState(id, "SUCCEEDED").path("result").toString()).isEqualTo("{\"n\":1}");
    }

    @Test
    void aRunningExecutionIsAskedToStopAndEndsCancelled() {
        String id = enqueued("{\"task\": \"slow\"}");
        awaitState(id, "RUNNING");
        Http.Reply cancel = admin.call("POST", "api/execution/cancel" + Http.id(id), null);
        assertThat(cancel.status()).isEqualTo(200);
        awaitState(id, "CANCELLED");
    }

    @Test
    void anEnqueuedTaskRunsWithItsDataAndShowsItsStatusAndResult() {
        String id = enqueued("{\"task\": \"echo\", \"data\": {\"to\": \"ops@example.com\", \"n\": [1, 2]}}");
        JsonNode done = awaitState(id, "SUCCEEDED");
        assertThat(done.path("task").asText()).isEqualTo("echo");
        assertThat(done.path("jobId").isNull()).isTrue();
        assertThat(done.path("attempts").asInt()).isEqualTo(1);
        assertThat(done.path("node").asText()).isEqualTo("local");
        assertThat(done.path("createdAt").asText()).isEqualTo("2026-01-05T09:00:00Z");
        assertThat(done.path("startedAt").asText()).isEqualTo("2026-01-05T09:00:00Z");
        assertThat(done.path("result").toString()).isEqualTo("{\"to\":\"ops@example.com\",\"n\":[1,2]}");

        String later = enqueued("{\"task\": \"ok\", \"runAt\": \"2026-01-05T11:30:00Z\"}");
        JsonNode waiting = execution(later);
        assertThat(waiting.path("state").asText()).isEqualTo("SCHEDULED");
        assertThat(waiting.path("scheduledTime").asText()).isEqualTo("2026-01-05T11:30:00Z");
        assertThat(waiting.path("dueAt").asText()).isEqualTo("2026-01-05T11:30:00Z");
    }

    @Test
    void badEnqueuesAre400WithWhatWasWrongAndNothingIsEnqueued() {
        assertThat(enqueue("{not json").error()).startsWith("request body: not valid JSON at line 1");
        assertThat(enqueue("[1]").error()).isEqualTo("request body: expected a JSON object with task and optional data, delay or runAt, got ARRAY");
        assertThat(enqueue("").error()).contains("got nothing");
        assertThat(enqueue("{}").error()).isEqualTo("field 'task': expected the task's name as text");
        assertThat(enqueue("{\"task\": 7}").error()).isEqualTo("field 'task': expected the task's name as text");
        assertThat(enqueue("{\"task\": \"nope\"}").error())
                .isEqualTo("field 'task': unknown task 'nope' (known: echo, fails, ok, report, slow)");
        assertThat(enqueue("{\"task\": \"ok\", \"colour\": 1}").error()).isEqualTo("unknown field 'colour' (expected task, data, delay, runAt)");
        assertThat(enqueue("{\"task\": \"ok\", \"delay\": \"soon\"}").error())
                .isEqualTo("field 'delay': 'soon' is not an ISO-8601 duration such as PT5M");
        assertThat(enqueue("{\"task\": \"ok\", \"delay\": 5}").error()).isEqualTo("field 'delay': expected text, got NUMBER");
        assertThat(enqueue("{\"task\": \"ok\", \"delay\": \"-PT1M\"}").error()).startsWith("task request for 'ok': delay PT-1M is outside");
        assertThat(enqueue("{\"task\": \"ok\", \"runAt\": \"tomorrow\"}").error())
                .isEqualTo("field 'runAt': 'tomorrow' is not an instant such as 2026-01-05T09:00:00Z");
        assertThat(enqueue("{\"task\": \"ok\", \"delay\": \"PT1M\", \"runAt\": \"2026-01-05T11:30:00Z\"}").error())
                .isEqualTo("task request for 'ok': give runAt or delay, not both");
        Http.Reply control = enqueue("{\"task\": \"o\\u0000k\"}");
        assertThat(control.status()).isEqualTo(400);
        assertThat(control.error()).isEqualTo("field 'task': control character U+0000 at index 1 is not allowed in a task name");
        assertThat(scheduler.executions(ExecutionQuery.newest()).executions()).isEmpty();
    }

    @Test
    void badHistoryQueriesAre400() {
        assertThat(admin.get("api/executions?state=sleepy").error())
                .isEqualTo("query parameter 'state': 'sleepy' is not one of SCHEDULED, RUNNING, WAITING_FOR_RETRY, SUCCEEDED, FAILED, CANCELLED");
        assertThat(admin.get("api/executions?state=FAILED,").status()).isEqualTo(400);
        assertThat(admin.get("api/executions?after=12:ab").error())
                .isEqualTo("query parameter 'after': '12:ab' is not a cursor a page answered (pass the page's 'next')");
        assertThat(admin.get("api/executions?after=garbage").status()).isEqualTo(400);
        assertThat(admin.get("api/executions?size=0").error()).isEqualTo("query parameter 'size': expected a whole number from 1 to 100, got '0'");
        assertThat(admin.get("api/executions?size=101").status()).isEqualTo(400);
        assertThat(admin.get("api/executions?job=a%0Ab").error())
                .isEqualTo("query parameter 'job': control character U+000A at index 1 is not allowed in a job id");
        assertThat(admin.get("api/execution").error()).isEqualTo("query parameter 'id' is missing");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a\rb", "a\nb", "nul\u0000", "del\u007f"})
    void controlCharactersInAnExecutionIdAre400(String id) {
        for (Http.Reply r : List.of(admin.get("api/execution" + Http.id(id)),
                admin.call("POST", "api/execution/retry" + Http.id(id), null),
                admin.call("POST", "api/execution/cancel" + Http.id(id), null))) {
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.error()).startsWith("query parameter 'id': control character U+").endsWith("is not allowed in an execution id");
        }
    }

    @Test
    void unknownExecutionsAre404AndWrongMethods405() {
        for (Http.Reply r : List.of(admin.get("api/execution?id=ghost"), admin.call("POST", "api/execution/retry?id=ghost", null),
                admin.call("POST", "api/execution/cancel?id=ghost", null))) {
            assertThat(r.status()).isEqualTo(404);
            assertThat(r.error()).isEqualTo("no execution with id 'ghost' (never existed, or cleaned by the retention)");
        }
        assertThat(admin.get("api/execution/retry?id=ghost").status()).isEqualTo(405);
        assertThat(admin.call("DELETE", "api/executions", null).status()).isEqualTo(405);
        assertThat(admin.get("api/execution/nothing").status()).isEqualTo(404);
    }

    @Test
    void readOnlyUsersReadTheHistoryButCannotEnqueueRequeueOrCancel() {
        String id = enqueued("{\"task\": \"ok\", \"delay\": \"PT1H\"}");
        assertThat(reader.get("api/executions").status()).isEqualTo(200);
        assertThat(reader.get("api/execution" + Http.id(id)).status()).isEqualTo(200);
        List<Http.Reply> changes = List.of(
                reader.call("POST", "api/executions", "{\"task\": \"ok\"}"),
                reader.call("POST", "api/execution/retry" + Http.id(id), null),
                reader.call("POST", "api/execution/cancel" + Http.id(id), null));
        assertThat(changes).allSatisfy(r -> assertThat(r.status()).isEqualTo(403));
        assertThat(scheduler.executions(ExecutionQuery.newest()).executions()).singleElement()
                .satisfies(e -> assertThat(e.state()).isEqualTo(ExecutionState.SCHEDULED));
        assertThat(anonymous.call("POST", "api/execution/cancel" + Http.id(id), null).status()).isEqualTo(401);
    }

    @Test
    void aBigEnqueueBodyIs413EvenBeforeAuthentication() {
        String big = "{\"task\": \"ok\", \"data\": \"" + "x".repeat(70_000) + "\"}";
        assertThat(anonymous.call("POST", "api/executions", big).status()).isEqualTo(413);
        assertThat(admin.call("POST", "api/executions", big).status()).isEqualTo(413);
        assertThat(scheduler.executions(ExecutionQuery.newest()).executions()).isEmpty();
    }

    @Test
    void anUnreachableStoreIs503ForTheHistory() {
        String id = enqueued("{\"task\": \"ok\", \"delay\": \"PT1H\"}");
        store.mode = SwitchableStore.Mode.UNAVAILABLE;
        assertThat(admin.get("api/executions").status()).isEqualTo(503);
        assertThat(admin.get("api/execution" + Http.id(id)).status()).isEqualTo(503);
        store.mode = SwitchableStore.Mode.NORMAL;
        assertThat(admin.get("api/executions").status()).isEqualTo(200);
    }

    /**
     * A run the console did not start (the scheduler's own run-now) reaches the stream as its
     * execution, once the store holds its end; and what the console changes is sent at once.
     */
    @Test
    void theEventStreamSendsExecutionsAsTheyChange() throws Exception {
        add("report", "ok", "cron:0 3 * * *");
        HttpRequest request = HttpRequest.newBuilder(URI.create(admin.base() + "api/events"))
                .header("Authorization", "Bearer " + ADMIN).build();
        HttpResponse<InputStream> stream = admin.client().send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
            assertThat(lines.readLine()).isEqualTo(": connected");
            await().atMost(WAIT).until(() -> console.handler().openEventStreams() == 1);
            String run = scheduler.runNow("report");
            JsonNode succeeded = nextExecution(lines, e -> e.path("id").asText().equals(run) && e.path("state").asText().equals("SUCCEEDED"));
            assertThat(succeeded.path("jobId").asText()).isEqualTo("report");

            String later = enqueued("{\"task\": \"ok\", \"delay\": \"PT1H\"}");
            assertThat(nextExecution(lines, e -> e.path("id").asText().equals(later)).path("state").asText()).isEqualTo("SCHEDULED");
            admin.call("POST", "api/execution/cancel" + Http.id(later), null);
            assertThat(nextExecution(lines, e -> e.path("id").asText().equals(later)).path("state").asText()).isEqualTo("CANCELLED");
        }
    }

    /** Reads frames until an {@code execution} frame whose data passes {@code wanted}. */
    private static JsonNode nextExecution(BufferedReader lines, Predicate<JsonNode> wanted) throws Exception {
        CompletableFuture<JsonNode> found = CompletableFuture.supplyAsync(() -> {
            try {
                String kind = null;
                for (String line; (line = lines.readLine()) != null; ) {
                    if (line.startsWith("event: ")) {
                        kind = line.substring(7);
                    } else if (line.startsWith("data: ") && "execution".equals(kind)) {
                        JsonNode e = new com.fasterxml.jackson.databind.ObjectMapper().readTree(line.substring(6));
                        if (wanted.test(e)) {
                            return e;
                        }
                    }
                }
                return null;
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        return found.get(10, TimeUnit.SECONDS);
    }
}
