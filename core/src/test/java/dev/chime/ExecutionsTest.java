package dev.chime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Executions as durable records, through the public API: enqueued tasks, their status, the
 * history of every run, durable retries, cancellation, requeue, results and retention.
 */
class ExecutionsTest extends SchedulerTestSupport {

    private final List<String> seen = new CopyOnWriteArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void letBlockedJobsGo() {
        release.countDown();
    }

    private Scheduler startWithTasks() {
        return start(builder()
                .task("mail", ctx -> seen.add(ctx.jobId() + "|" + ctx.data().path("to").asText() + "|" + ctx.executionId()))
                .task("count", ctx -> seen.add("count " + ctx.scheduledFireTime()))
                .task("block", ctx -> {
                    seen.add("block started");
                    release.await();
                }));
    }

    private Execution execution(String id) {
        return scheduler.execution(id).orElseThrow();
    }

    @Test
    void aTaskDueNowRunsAtOnceOnAClockDrivenSchedulerWithoutTheClockMoving() {
        startWithTasks();
        String id = scheduler.enqueue("mail", Map.of("to", "now"));
        clock.runDue();
        assertThat(seen).containsExactly("|now|" + id);
        assertThat(execution(id).endedAt()).contains(T0);
    }

    @Test
    void aTaskAJobEnqueuesRunsInTheSameClockStep() {
        List<String> order = new CopyOnWriteArrayList<>();
        start(builder().task("first", ctx -> {
            order.add("first");
            scheduler.enqueue("second", null);
        }).task("second", ctx -> order.add("second")));
        scheduler.add(JobDefinition.of("chain", "first", Triggers.once(T0.plusSeconds(5))));
        clock.advance(Duration.ofSeconds(5));

        assertThat(order).containsExactly("first", "second");
        assertThat(scheduler.executions(ExecutionQuery.builder().task("second").build()).executions())
                .singleElement().satisfies(e -> assertThat(e.state()).isEqualTo(ExecutionState.SUCCEEDED));
    }

    @Test
    void anEnqueuedTaskRunsOnceWithItsDataAndIsRecordedAsSucceeded() {
        startWithTasks();
        String id = scheduler.enqueue("mail", Map.of("to", "ops@example.com"), Duration.ofSeconds(1));

        Execution waiting = execution(id);
        assertThat(waiting.state()).isEqualTo(ExecutionState.SCHEDULED);
        assertThat(waiting.isTask()).isTrue();
        assertThat(waiting.dueAt()).contains(T0.plusSeconds(1));
        assertThat(waiting.attempts()).isZero();

        clock.advance(Duration.ofMinutes(1));

        assertThat(seen).containsExactly("|ops@example.com|" + id);
        Execution done = execution(id);
        assertThat(done.state()).isEqualTo(ExecutionState.SUCCEEDED);
        assertThat(done.jobId()).isEmpty();
        assertThat(done.task()).isEqualTo("mail");
        assertThat(done.attempts()).isEqualTo(1);
        assertThat(done.node()).contains("local");
        assertThat(done.createdAt()).isEqualTo(T0);
        assertThat(done.startedAt()).contains(T0.plusSeconds(1));
        assertThat(done.endedAt()).contains(T0.plusSeconds(1));
        assertThat(done.dueAt()).isEmpty();
        assertThat(done.errorMessage()).isEmpty();
    }

    @Test
    void aDelayedTaskRunsWhenItsTimeComesAndOneAtAnInstantAtThatInstant() {
        startWithTasks();
        String later = scheduler.enqueue("mail", Map.of("to", "later"), Duration.ofSeconds(5));
        String at = scheduler.enqueue("mail", Map.of("to", "at"), T0.plusSeconds(8));

        clock.advance(Duration.ofSeconds(4));
        assertThat(seen).isEmpty();
        clock.advance(Duration.ofSeconds(1));
        assertThat(seen).containsExactly("|later|" + later);
        clock.advance(Duration.ofSeconds(3));
        assertThat(seen).containsExactly("|later|" + later, "|at|" + at);
        assertThat(execution(at).startedAt()).contains(T0.plusSeconds(8));
    }

    @Test
    void aTaskDueLongAgoStillRunsAndIsNeverReportedMissed() {
        clock.advance(Duration.ofHours(2));
        startWithTasks();
        String id = scheduler.enqueue(TaskRequest.builder("mail").data(Map.of("to", "x")).runAt(T0).build());
        clock.runDue();

        assertThat(execution(id).state()).isEqualTo(ExecutionState.SUCCEEDED);
        assertThat(events.of(JobEvent.Missed.class)).isEmpty();
    }

    @Test
    void anUnknownTaskIsRefusedWhenEnqueued() {
        startWithTasks();
        assertThatThrownBy(() -> scheduler.enqueue("mial", null)).isInstanceOf(UnknownTaskException.class)
                .hasMessageContaining("'mial'");
        assertThat(scheduler.executions(ExecutionQuery.newest()).executions()).isEmpty();
    }

    @Test
    void aFailedAttemptWaitsForItsRetryInTheStoreWithItsErrorAndStackTrace() {
        AtomicInteger attempts = new AtomicInteger();
        start(builder().task("flaky", ctx -> {
            if (attempts.incrementAndGet() < 3) {
                throw new IllegalStateException("not yet " + ctx.attempt());
            }
        }));
        String id = scheduler.enqueue(TaskRequest.builder("flaky").retry(RetryPolicy.fixed(2, Duration.ofSeconds(10))).build());
        clock.runDue();

        Execution waiting = execution(id);
        assertThat(waiting.state()).isEqualTo(ExecutionState.WAITING_FOR_RETRY);
        assertThat(waiting.attempts()).isEqualTo(1);
        assertThat(waiting.dueAt()).contains(T0.plusSeconds(10));
        assertThat(waiting.errorMessage()).contains("java.lang.IllegalStateException: not yet 1");
        assertThat(waiting.stackTrace()).hasValueSatisfying(trace -> assertThat(trace)
                .startsWith("java.lang.IllegalStateException: not yet 1").contains("at dev.chime.ExecutionsTest"));

        clock.advance(Duration.ofSeconds(9));
        assertThat(attempts).hasValue(1);
        clock.advance(Duration.ofSeconds(11));

        Execution done = execution(id);
        assertThat(done.state()).isEqualTo(ExecutionState.SUCCEEDED);
        assertThat(done.attempts()).isEqualTo(3);
        assertThat(events.of(JobEvent.Failed.class)).extracting(JobEvent.Failed::attempt, JobEvent.Failed::willRetry)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(1, true), org.assertj.core.groups.Tuple.tuple(2, true));
    }

    @Test
    void aWaitingRetryOutlivesItsSchedulerAndRunsOnTheNextOneOnTheStore() {
        AtomicInteger attempts = new AtomicInteger();
        Scheduler first = Scheduler.builder().clock(clock).store(store).task("flaky", ctx -> {
            attempts.incrementAndGet();
            throw new IllegalStateException("down");
        }).build();
        first.start();
        String id = first.enqueue(TaskRequest.builder("flaky").retry(RetryPolicy.fixed(1, Duration.ofSeconds(30))).build());
        clock.runDue();
        first.shutdown(Duration.ofSeconds(5));
        assertThat(execution(store, id).state()).isEqualTo(ExecutionState.WAITING_FOR_RETRY);

        List<Integer> retried = new CopyOnWriteArrayList<>();
        start(builder().task("flaky", ctx -> retried.add(ctx.attempt())));
        clock.advance(Duration.ofSeconds(30));

        assertThat(attempts).hasValue(1);
        assertThat(retried).containsExactly(2);
        assertThat(execution(id).state()).isEqualTo(ExecutionState.SUCCEEDED);
    }

    private static Execution execution(dev.chime.spi.JobStore store, String id) {
        dev.chime.spi.StoredExecution e = store.execution(id).orElseThrow();
        return new Execution(e.id(), java.util.Optional.ofNullable(e.jobId()), e.task(), e.fireTime(), e.state(), e.attempts(),
                java.util.Optional.ofNullable(e.nodeId()), java.util.Optional.ofNullable(e.dueAt()), e.createdAt(),
                java.util.Optional.ofNullable(e.startedAt()), java.util.Optional.ofNullable(e.endedAt()),
                java.util.Optional.ofNullable(e.error()), java.util.Optional.ofNullable(e.stackTrace()),
                java.util.Optional.ofNullable(e.resultJson()));
    }

    @Test
    void aJobsResultIsKeptWithItsExecutionAndOneTooLargeFailsItNamingTheLimit() {
        start(builder().task("report", ctx -> ctx.result(Map.of("rows", 3)))
                .task("huge", ctx -> ctx.result("x".repeat(Execution.MAX_RESULT_CHARS))));
        String ok = scheduler.enqueue("report", null);
        String huge = scheduler.enqueue("huge", null);
        clock.runDue();

        assertThat(execution(ok).resultJson()).contains("{\"rows\":3}");
        Execution failed = execution(huge);
        assertThat(failed.state()).isEqualTo(ExecutionState.FAILED);
        assertThat(failed.errorMessage()).hasValueSatisfying(m -> assertThat(m)
                .contains("result of execution '" + huge + "'").contains("16386 characters of JSON is more than the 16384"));
    }

    @Test
    void everyRunOfAJobIsInTheHistoryNewestFirstAndPagedByCursor() {
        startWithTasks();
        scheduler.add(JobDefinition.of("tick", "count", Triggers.interval(Duration.ofSeconds(10))));
        clock.advance(Duration.ofSeconds(50));

        ExecutionPage first = scheduler.executions(ExecutionQuery.builder().job("tick").limit(2).build());
        assertThat(first.executions()).extracting(Execution::scheduledTime).containsExactly(T0.plusSeconds(50), T0.plusSeconds(40));
        assertThat(first.executions()).allSatisfy(e -> {
            assertThat(e.jobId()).contains("tick");
            assertThat(e.state()).isEqualTo(ExecutionState.SUCCEEDED);
        });
        // Runs recorded meanwhile do not shift the pages already read.
        clock.advance(Duration.ofSeconds(10));
        ExecutionPage second = scheduler.executions(ExecutionQuery.builder().job("tick").limit(2).after(first.next().orElseThrow())
                .build());
        assertThat(second.executions()).extracting(Execution::scheduledTime).containsExactly(T0.plusSeconds(30), T0.plusSeconds(20));
        ExecutionPage third = scheduler.executions(ExecutionQuery.builder().job("tick").limit(2).after(second.next().orElseThrow())
                .build());
        assertThat(third.executions()).extracting(Execution::scheduledTime).containsExactly(T0.plusSeconds(10));
        assertThat(third.next()).isEmpty();

        assertThat(scheduler.executions(ExecutionQuery.builder().states(ExecutionState.FAILED).build()).executions()).isEmpty();
        assertThat(scheduler.executions(ExecutionQuery.builder().task("count").build()).executions()).hasSize(6);
    }

    @Test
    void aCursorThatNoPageAnsweredIsRefusedNamingIt() {
        assertThatThrownBy(() -> ExecutionQuery.builder().after("page-2")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("execution cursor \"page-2\" is not one that a page answered");
        assertThatThrownBy(() -> ExecutionQuery.builder().limit(501).build()).hasMessage("execution query limit: 501 is outside 1 to 500");
    }

    @Test
    void cancellingAWaitingExecutionMeansItNeverRuns() {
        startWithTasks();
        String id = scheduler.enqueue("mail", Map.of("to", "x"), Duration.ofSeconds(5));

        assertThat(scheduler.cancel(id)).isTrue();
        clock.advance(Duration.ofSeconds(10));

        assertThat(seen).isEmpty();
        assertThat(execution(id).state()).isEqualTo(ExecutionState.CANCELLED);
        assertThat(execution(id).endedAt()).contains(T0);
        assertThat(scheduler.cancel(id)).as("it had ended").isFalse();
        assertThatThrownBy(() -> scheduler.cancel("nobody")).isInstanceOf(ExecutionNotFoundException.class)
                .hasMessageContaining("'nobody'");
    }

    @Test
    void cancellingARunningExecutionStopsItThroughItsSignalAndItEndsCancelledWithoutItsRetry() throws Exception {
        List<String> signals = new CopyOnWriteArrayList<>();
        CountDownLatch started = new CountDownLatch(1);
        start(builder().task("long", ctx -> {
            ctx.cancellation().onCancel(() -> signals.add("cancelled"));
            started.countDown();
            release.await();
        }));
        String id = scheduler.enqueue(TaskRequest.builder("long").retry(RetryPolicy.fixed(3, Duration.ofSeconds(1))).build());
        clock.runDue();
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(execution(id).state()).isEqualTo(ExecutionState.RUNNING);

        assertThat(scheduler.cancel(id)).isTrue();
        clock.advance(Duration.ofSeconds(10));

        assertThat(signals).containsExactly("cancelled");
        Execution cancelled = execution(id);
        assertThat(cancelled.state()).isEqualTo(ExecutionState.CANCELLED);
        assertThat(cancelled.attempts()).as("no retry after a cancel").isEqualTo(1);
    }

    @Test
    void aFailedExecutionIsRetriedOnRequestFromItsFirstAttempt() {
        AtomicInteger calls = new AtomicInteger();
        List<Integer> attempts = new ArrayList<>();
        start(builder().task("once-broken", ctx -> {
            attempts.add(ctx.attempt());
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("broken the first time");
            }
        }));
        String id = scheduler.enqueue("once-broken", null);
        clock.runDue();
        assertThat(execution(id).state()).isEqualTo(ExecutionState.FAILED);

        clock.advance(Duration.ofSeconds(5));
        assertThat(scheduler.retry(id)).isTrue();
        clock.runDue();

        assertThat(attempts).containsExactly(1, 1);
        assertThat(execution(id).state()).isEqualTo(ExecutionState.SUCCEEDED);
        assertThat(execution(id).startedAt()).contains(T0.plusSeconds(5));
        assertThat(scheduler.retry(id)).as("only failed or cancelled executions").isFalse();
        assertThatThrownBy(() -> scheduler.retry("nobody")).isInstanceOf(ExecutionNotFoundException.class);
    }

    @Test
    void runNowIsAnExecutionOfTheJobThatWaitsForAFreeInstanceInsteadOfBeingSkipped() {
        startWithTasks();
        scheduler.add(JobDefinition.of("blocker", "block", Triggers.interval(Duration.ofHours(1))));
        String first = scheduler.runNow("blocker");
        String second = scheduler.runNow("blocker");
        clock.advance(Duration.ofSeconds(3));

        assertThat(seen).containsExactly("block started");
        assertThat(events.of(JobEvent.Skipped.class)).isEmpty();
        assertThat(execution(first).state()).isEqualTo(ExecutionState.RUNNING);
        assertThat(execution(second).state()).as("waits for the instance").isEqualTo(ExecutionState.SCHEDULED);

        release.countDown();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> scheduler.stats().runningJobs() == 0);
        clock.advance(Duration.ofSeconds(1));
        assertThat(seen).containsExactly("block started", "block started");
        assertThat(execution(second).jobId()).contains("blocker");
        assertThat(execution(second).state()).isEqualTo(ExecutionState.SUCCEEDED);
        assertThat(execution(first).state()).isEqualTo(ExecutionState.SUCCEEDED);
    }

    @Test
    void retentionCleansEndedExecutionsBeyondTheirNumberAndTheirAge() {
        start(builder().retention(new Retention(Duration.ofHours(1), 3)).task("mail", ctx -> { }));
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(scheduler.enqueue("mail", null));
            clock.advance(Duration.ofSeconds(1));
        }
        String waiting = scheduler.enqueue("mail", null, Duration.ofDays(1));
        clock.advance(Duration.ofMinutes(2));

        assertThat(scheduler.executions(ExecutionQuery.newest()).executions()).extracting(Execution::id)
                .containsExactly(waiting, ids.get(4), ids.get(3), ids.get(2));

        clock.advance(Duration.ofHours(1));
        assertThat(scheduler.executions(ExecutionQuery.newest()).executions()).extracting(Execution::id)
                .as("a waiting execution is never cleaned").containsExactly(waiting);
    }

    @Test
    void retentionIsCheckedWhenBuilt() {
        assertThatThrownBy(() -> new Retention(Duration.ofMillis(10), 3)).hasMessageContaining("retention maxAge: PT0.01S");
        assertThatThrownBy(() -> new Retention(Duration.ofDays(1), 0)).hasMessage("retention maxPerJob: 0 must be at least 1");
        assertThatThrownBy(() -> TaskRequest.builder("t").runAt(T0).delay(Duration.ofSeconds(1)).build())
                .hasMessage("task request for 't': give runAt or delay, not both");
        assertThatThrownBy(() -> TaskRequest.builder(" ").build()).hasMessage("task request: task name must not be blank");
    }

    @Test
    void theTimeSpentInAClaimIsTheTaskRequestsTimeoutAndItsRunIsInterrupted() {
        List<String> interrupts = new CopyOnWriteArrayList<>();
        start(builder().task("hang", ctx -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                interrupts.add("interrupted");
                throw e;
            }
        }));
        String id = scheduler.enqueue(TaskRequest.builder("hang").timeout(Duration.ofSeconds(30)).build());
        clock.advance(Duration.ofSeconds(31));

        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> execution(id).state() == ExecutionState.FAILED);
        assertThat(interrupts).containsExactly("interrupted");
        assertThat(execution(id).errorMessage()).hasValueSatisfying(m -> assertThat(m).contains("TimeoutException"));
    }

    @Test
    void anExecutionsRecordTellsWhenItWasDueForAJobsFireTime() {
        startWithTasks();
        scheduler.add(JobDefinition.of("tick", "count", Triggers.once(T0.plusSeconds(7))));
        clock.advance(Duration.ofSeconds(7));

        Execution e = scheduler.executions(ExecutionQuery.builder().job("tick").build()).executions().get(0);
        assertThat(e.scheduledTime()).isEqualTo(T0.plusSeconds(7));
        assertThat(e.isTask()).isFalse();
        assertThat(seen).containsExactly("count " + T0.plusSeconds(7));
        assertThat(scheduler.job("tick")).as("a one-shot leaves the store, its execution stays").isEmpty();
        Instant created = e.createdAt();
        assertThat(created).isEqualTo(T0.plusSeconds(7));
    }
}
