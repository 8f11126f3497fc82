package dev.chime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chime.spi.JobStore;
import dev.chime.spi.NaiveJobStore;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Background tasks: enqueue, their execution's states, cancel in each state, and requeue; on the test clock. */
class BackgroundTaskTest extends SchedulerTestSupport {

    private final AtomicInteger runs = new AtomicInteger();
    private final List<JsonNode> seen = new CopyOnWriteArrayList<>();
    /** Opened by the test to let a "blocking" task end; a cancel interrupts it instead. */
    private final CountDownLatch release = new CountDownLatch(1);

    private SchedulerBuilder withTasks() {
        return builder().name("node-1")
                .task("ok", ctx -> {
                    runs.incrementAndGet();
                    seen.add(ctx.data());
                })
                .task("flaky", ctx -> {
                    if (ctx.attempt() < 3) {
                        throw new IllegalStateException("flake " + ctx.attempt());
                    }
                })
                .task("broken", ctx -> {
                    runs.incrementAndGet();
                    throw new java.io.IOException("disk full");
                })
                .task("blocking", ctx -> {
                    runs.incrementAndGet();
                    release.await();
                });
    }

    @AfterEach
    void letBlockedTasksGo() {
        release.countDown();
    }

    private Execution execution(String id) {
        return scheduler.execution(id).orElseThrow();
    }

    private List<RunRecord> history(String id) {
        return scheduler.history(HistoryQuery.forJob(id).limit(HistoryQuery.MAX_LIMIT)).runs();
    }

    @Test
    void anEnqueuedTaskRunsOnceNowWithItsDataAndEndsSucceeded() {
        start(withTasks());
        String id = scheduler.enqueue("ok", Map.of("order", 42));

        assertThat(UUID.fromString(id)).isNotNull();
        assertThat(execution(id).state()).isEqualTo(Execution.State.SCHEDULED);
        assertThat(execution(id).fireTime()).isEqualTo(T0);
        clock.runDue();

        assertThat(runs).hasValue(1);
        assertThat(seen).singleElement().satisfies(d -> assertThat(d.get("order").asInt()).isEqualTo(42));
        Execution done = execution(id);
        assertThat(done.state()).isEqualTo(Execution.State.SUCCEEDED);
        assertThat(done.outcome()).contains(Outcome.SUCCESS);
        assertThat(done.attempts()).isEqualTo(1);
        assertThat(done.node()).isEqualTo("node-1");
        assertThat(done.task()).isEqualTo("ok");
        assertThat(done.finishedAt()).isEqualTo(T0);
        assertThat(scheduler.jobs()).as("the task's job left the store at dispatch").isEmpty();
        clock.advance(Duration.ofHours(1));
        assertThat(runs).as("runs once").hasValue(1);
    }

    @Test
    void theHistoryEntryOfATaskCarriesItsDataAndOptionsAndAJobsDoesNot() {
        start(withTasks());
        JobOptions options = JobOptions.builder().timeout(Duration.ofMinutes(5)).build();
        String id = scheduler.enqueue(TaskRequest.builder("ok").dataJson("{\"a\":1}").options(options).build());
        scheduler.add(JobDefinition.builder("job").task("ok").trigger(Triggers.once(T0)).data(Map.of("b", 2)).build());
        clock.runDue();

        RunRecord entry = history(id).get(0);
        assertThat(entry.enqueued()).isTrue();
        assertThat(entry.dataJson()).isEqualTo("{\"a\":1}");
        assertThat(dev.chime.internal.JobCodec.readOptions(entry.optionsJson(), "o").timeout()).contains(Duration.ofMinutes(5));
        RunRecord jobEntry = history("job").get(0);
        assertThat(jobEntry.enqueued()).isFalse();
        assertThat(jobEntry.dataJson()).isNull();
        assertThat(scheduler.execution("job")).as("a job's id is not an execution").isEmpty();
    }

    @Test
    void aDelayedTaskIsScheduledUntilItsStart() {
        start(withTasks());
        String id = scheduler.enqueue(TaskRequest.builder("ok").delay(Duration.ofMinutes(10)).build());
        String at = scheduler.enqueue(TaskRequest.builder("ok").startAt(T0.plusSeconds(30)).build());

        clock.advance(Duration.ofMinutes(9));
        assertThat(execution(id).state()).isEqualTo(Execution.State.SCHEDULED);
        assertThat(execution(id).fireTime()).isEqualTo(T0.plusSeconds(600));
        assertThat(execution(at).state()).isEqualTo(Execution.State.SUCCEEDED);
        clock.advance(Duration.ofMinutes(1));
        assertThat(execution(id).state()).isEqualTo(Execution.State.SUCCEEDED);
        assertThat(runs).hasValue(2);
    }

    @Test
    void aRunningTaskIsRunningThenSucceeds() {
        start(withTasks());
        String id = scheduler.enqueue("blocking", null);
        clock.runDue();

        Execution running = execution(id);
        assertThat(running.state()).isEqualTo(Execution.State.RUNNING);
        assertThat(running.attempts()).isEqualTo(1);
        assertThat(running.node()).isEqualTo("node-1");
        assertThat(running.startedAt()).isEqualTo(T0);
        assertThat(running.outcome()).isEmpty();

        release.countDown();
        clock.runDue();
        assertThat(execution(id).state()).isEqualTo(Execution.State.SUCCEEDED);
    }

    @Test
    void aTaskWithRetriesWaitsForItsRetryThenSucceeds() {
        start(withTasks());
        String id = scheduler.enqueue(TaskRequest.builder("flaky")
                .options(JobOptions.builder().retry(RetryPolicy.fixed(5, Duration.ofSeconds(10))).build()).build());
        clock.runDue();

        Execution waiting = execution(id);
        assertThat(waiting.state()).isEqualTo(Execution.State.WAITING_FOR_RETRY);
        assertThat(waiting.attempts()).isEqualTo(1);
        clock.advance(Duration.ofSeconds(10));
        assertThat(execution(id).state()).isEqualTo(Execution.State.WAITING_FOR_RETRY);
        assertThat(execution(id).attempts()).isEqualTo(2);
        clock.advance(Duration.ofSeconds(10));

        Execution done = execution(id);
        assertThat(done.state()).isEqualTo(Execution.State.SUCCEEDED);
        assertThat(done.attempts()).isEqualTo(3);
    }

    @Test
    void aFailedTaskIsFailedWithItsErrorAndCanBeRequeuedUnderItsId() {
        start(withTasks());
        String id = scheduler.enqueue(TaskRequest.builder("broken").data(Map.of("file", "x.csv")).build());
        clock.runDue();

        Execution failed = execution(id);
        assertThat(failed.state()).isEqualTo(Execution.State.FAILED);
        assertThat(failed.outcome()).contains(Outcome.FAILURE);
        assertThat(failed.error()).isEqualTo("java.io.IOException: disk full");
        assertThat(failed.stackTrace()).startsWith("java.io.IOException: disk full");

        clock.advance(Duration.ofMinutes(1));
        assertThat(scheduler.retry(id)).isEqualTo(id);
        assertThat(execution(id).state()).isEqualTo(Execution.State.SCHEDULED);
        assertThat(execution(id).fireTime()).isEqualTo(T0.plusSeconds(60));
        clock.runDue();

        assertThat(runs).hasValue(2);
        List<RunRecord> both = history(id);
        assertThat(both).hasSize(2).allSatisfy(r -> {
            assertThat(r.dataJson()).isEqualTo("{\"file\":\"x.csv\"}");
            assertThat(r.outcome()).isEqualTo(Outcome.FAILURE);
        });
        assertThat(execution(id).finishedAt()).as("the newest run").isEqualTo(T0.plusSeconds(60));
    }

    @Test
    void onlyAFailedOrCancelledExecutionCanBeRequeued() {
        start(withTasks());
        String ok = scheduler.enqueue("ok", null);
        assertThatThrownBy(() -> scheduler.retry(ok)).isInstanceOf(IllegalStateException.class).hasMessageContaining("SCHEDULED");
        clock.runDue();
        assertThatThrownBy(() -> scheduler.retry(ok)).isInstanceOf(IllegalStateException.class).hasMessageContaining("SUCCEEDED");
        assertThatThrownBy(() -> scheduler.retry("nope")).isInstanceOf(JobNotFoundException.class).hasMessageContaining("nope");
    }

    @Test
    void aScheduledTaskIsCancelledAndRecordedThenCanBeRequeued() {
        start(withTasks());
        String id = scheduler.enqueue(TaskRequest.builder("ok").delay(Duration.ofMinutes(1)).data(Map.of("k", "v")).build());

        assertThat(scheduler.cancel(id)).isTrue();
        Execution cancelled = execution(id);
        assertThat(cancelled.state()).isEqualTo(Execution.State.CANCELLED);
        assertThat(cancelled.attempts()).isZero();
        assertThat(events.of(JobEvent.Removed.class)).extracting(JobEvent.Removed::jobId).contains(id);
        assertThat(scheduler.cancel(id)).as("already ended").isFalse();
        clock.advance(Duration.ofMinutes(5));
        assertThat(runs).hasValue(0);

        scheduler.retry(id);
        clock.runDue();
        assertThat(runs).hasValue(1);
        assertThat(seen).singleElement().satisfies(d -> assertThat(d.get("k").asText()).isEqualTo("v"));
        assertThat(history(id)).extracting(RunRecord::outcome).containsExactly(Outcome.SUCCESS, Outcome.CANCELLED);
    }

    @Test
    void aRunningTaskIsCancelledThroughItsSignalAndGetsNoRetry() {
        start(withTasks());
        String id = scheduler.enqueue(TaskRequest.builder("blocking")
                .options(JobOptions.builder().retry(RetryPolicy.fixed(3, Duration.ofSeconds(1))).build()).build());
        clock.runDue();
        assertThat(execution(id).state()).isEqualTo(Execution.State.RUNNING);

        assertThat(scheduler.cancel(id)).isTrue();
        // The interrupt reaches the body on its worker thread: a clock advance need not wait for
        // a body it saw blocked, so the end is awaited.
        await().atMost(Duration.ofSeconds(10)).until(() -> execution(id).isFinal());
        clock.advance(Duration.ofMinutes(1));

        Execution cancelled = execution(id);
        assertThat(cancelled.state()).isEqualTo(Execution.State.CANCELLED);
        assertThat(cancelled.attempts()).isEqualTo(1);
        assertThat(cancelled.error()).contains("InterruptedException");
        assertThat(runs).as("no retry after a cancel").hasValue(1);
        assertThat(history(id).get(0).enqueued()).isTrue();
    }

    @Test
    void aTaskWaitingForItsRetryIsCancelled() {
        start(withTasks());
        String id = scheduler.enqueue(TaskRequest.builder("broken")
                .options(JobOptions.builder().retry(RetryPolicy.fixed(3, Duration.ofSeconds(30))).build()).build());
        clock.runDue();
        assertThat(execution(id).state()).isEqualTo(Execution.State.WAITING_FOR_RETRY);

        assertThat(scheduler.cancel(id)).isTrue();
        clock.runDue();
        assertThat(execution(id).state()).isEqualTo(Execution.State.CANCELLED);
        assertThat(execution(id).attempts()).isEqualTo(1);
        clock.advance(Duration.ofMinutes(5));
        assertThat(runs).hasValue(1);
        assertThat(history(id)).singleElement().satisfies(r -> assertThat(r.outcome()).isEqualTo(Outcome.CANCELLED));
    }

    @Test
    void cancelOfAnEndedUnknownOrJobIdIsFalse() {
        start(withTasks());
        String id = scheduler.enqueue("ok", null);
        clock.runDue();
        scheduler.add(JobDefinition.of("job", "ok", Triggers.interval(Duration.ofHours(1))));

        assertThat(scheduler.cancel(id)).isFalse();
        assertThat(scheduler.cancel("unknown")).isFalse();
        assertThat(scheduler.cancel("job")).isFalse();
        assertThat(scheduler.job("job")).isPresent();
        assertThat(scheduler.execution("unknown")).isEmpty();
    }

    @Test
    void aRunningOneShotJobIsNotAnExecutionAndIsNotCancelled() {
        start(withTasks());
        scheduler.add(JobDefinition.of("job", "blocking", Triggers.once(T0)));
        clock.runDue();
        assertThat(runs).hasValue(1);

        assertThat(scheduler.execution("job")).isEmpty();
        assertThat(scheduler.cancel("job")).isFalse();
        release.countDown();
        clock.runDue();
        assertThat(history("job")).singleElement().satisfies(r -> assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS));
    }

    @Test
    void aCallerChosenIdMakesEnqueueIdempotent() {
        start(withTasks());
        TaskRequest request = TaskRequest.builder("ok").id("order-42").delay(Duration.ofSeconds(5)).build();
        assertThat(scheduler.enqueue(request)).isEqualTo("order-42");
        assertThatThrownBy(() -> scheduler.enqueue(request)).isInstanceOf(DuplicateJobException.class)
                .hasMessageContaining("order-42");
        clock.advance(Duration.ofSeconds(5));
        assertThat(runs).hasValue(1);
    }

    @Test
    void badRequestsAreRefusedNamingWhatIsWrong() {
        start(withTasks());
        assertThatThrownBy(() -> scheduler.enqueue("no-such-task", null)).isInstanceOf(UnknownTaskException.class)
                .hasMessageContaining("no-such-task");
        assertThatThrownBy(() -> TaskRequest.builder(" ").build()).hasMessageContaining("task must not be blank");
        assertThatThrownBy(() -> TaskRequest.builder("ok").id("a\nb").build()).hasMessageContaining("control character U+000A");
        assertThatThrownBy(() -> TaskRequest.builder("ok").id("").build()).hasMessageContaining("id must not be blank");
        assertThatThrownBy(() -> TaskRequest.builder("ok").delay(Duration.ofSeconds(-1))).hasMessageContaining("negative");
        assertThatThrownBy(() -> TaskRequest.builder("ok").dataJson("{nope")).hasMessageContaining("data of task 'ok'");
        assertThat(store.list()).isEmpty();
    }

    @Test
    void aTaskEnqueuedWhileEveryWorkerIsBusyWaitsAndRunsInsteadOfBeingMissed() {
        // A real dispatch loop (a test clock claims without regard to free workers) on a clock the
        // test sets: the one worker is taken while an hour passes, then the task runs.
        AtomicReference<Instant> now = new AtomicReference<>(T0);
        Clock setClock = new Clock() {
            @Override
            public Instant instant() {
                return now.get();
            }

            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }
        };
        start(withTasks().clock(setClock).threads(1).maxInFlight(1));
        String blocker = scheduler.enqueue("blocking", null);
        await().atMost(Duration.ofSeconds(10)).until(() -> runs.get() == 1);
        String id = scheduler.enqueue("ok", null);
        now.set(T0.plus(Duration.ofHours(1)));
        assertThat(execution(blocker).state()).isEqualTo(Execution.State.RUNNING);
        assertThat(execution(id).state()).isEqualTo(Execution.State.SCHEDULED);

        release.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> execution(id).isFinal());
        Execution done = execution(id);
        assertThat(done.state()).isEqualTo(Execution.State.SUCCEEDED);
        assertThat(done.fireTime()).isEqualTo(T0);
        assertThat(events.of(JobEvent.Missed.class)).isEmpty();
    }

    @Test
    void aCancelRequestReadFromTheStoreStopsALocalRun() {
        Set<String> requests = ConcurrentHashMap.newKeySet();
        Set<String> asked = ConcurrentHashMap.newKeySet();
        NaiveJobStore naive = new NaiveJobStore();
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getName().equals("cancelRequests")) {
                return Set.copyOf(requests);
            }
            if (method.getName().equals("requestCancel")) {
                asked.add((String) args[0]);
                return true;
            }
            try {
                return method.invoke(naive, args);
            } catch (java.lang.reflect.InvocationTargetException e) {
                throw e.getCause();
            }
        };
        JobStore asking = (JobStore) Proxy.newProxyInstance(JobStore.class.getClassLoader(), new Class<?>[] {JobStore.class},
                handler);
        start(withTasks().store(asking));
        String id = scheduler.enqueue("blocking", null);
        clock.runDue();
        assertThat(execution(id).state()).isEqualTo(Execution.State.RUNNING);

        requests.add(id);
        clock.advance(Duration.ofMillis(999));
        assertThat(execution(id).state()).as("read about once a second").isEqualTo(Execution.State.RUNNING);
        clock.advance(Duration.ofMillis(1));
        await().atMost(Duration.ofSeconds(10)).until(() -> execution(id).isFinal());
        assertThat(execution(id).state()).isEqualTo(Execution.State.CANCELLED);

        // A run this node does not have (another node's): the store is asked to pass the cancel on.
        assertThat(scheduler.cancel("elsewhere")).isTrue();
        assertThat(asked).containsExactly("elsewhere");
    }
}
