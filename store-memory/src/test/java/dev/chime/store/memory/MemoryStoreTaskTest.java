package dev.chime.store.memory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chime.Execution;
import dev.chime.HistoryQuery;
import dev.chime.JobOptions;
import dev.chime.Outcome;
import dev.chime.RetryPolicy;
import dev.chime.RunRecord;
import dev.chime.Scheduler;
import dev.chime.TaskRequest;
import dev.chime.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Background tasks on the memory store: each state of an execution, cancel and requeue. */
class MemoryStoreTaskTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private final TestClock clock = TestClock.at(T0);
    private final AtomicInteger failures = new AtomicInteger(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private Scheduler scheduler;

    @AfterEach
    void tearDown() {
        release.countDown();
        if (scheduler != null) {
            scheduler.shutdown(Duration.ofSeconds(5));
        }
    }

    private void start() {
        scheduler = Scheduler.builder().clock(clock).store(new MemoryJobStore())
                .task("fails-then-works", ctx -> {
                    if (failures.getAndDecrement() > 0) {
                        throw new IllegalStateException("not yet");
                    }
                })
                .task("blocking", ctx -> release.await())
                .build();
        scheduler.start();
    }

    private Execution.State state(String id) {
        return scheduler.execution(id).orElseThrow().state();
    }

    @Test
    void aTaskGoesFromScheduledThroughFailedToRequeuedAndSucceeded() {
        start();
        String id = scheduler.enqueue(TaskRequest.builder("fails-then-works").data(Map.of("n", 1))
                .delay(Duration.ofSeconds(5)).build());
        assertThat(state(id)).isEqualTo(Execution.State.SCHEDULED);
        clock.advance(Duration.ofSeconds(5));
        assertThat(state(id)).isEqualTo(Execution.State.FAILED);

        scheduler.retry(id);
        clock.runDue();
        assertThat(state(id)).isEqualTo(Execution.State.SUCCEEDED);
        List<RunRecord> runs = scheduler.history(HistoryQuery.forJob(id)).runs();
        assertThat(runs).extracting(RunRecord::outcome).containsExactly(Outcome.SUCCESS, Outcome.FAILURE);
        assertThat(runs).allSatisfy(r -> assertThat(r.dataJson()).isEqualTo("{\"n\":1}"));
    }

    @Test
    void retriesThenCancelWhileRunningAndWhileScheduled() {
        start();
        String retried = scheduler.enqueue(TaskRequest.builder("fails-then-works")
                .options(JobOptions.builder().retry(RetryPolicy.fixed(2, Duration.ofSeconds(10))).build()).build());
        clock.runDue();
        assertThat(state(retried)).isEqualTo(Execution.State.WAITING_FOR_RETRY);
        clock.advance(Duration.ofSeconds(10));
        assertThat(state(retried)).isEqualTo(Execution.State.SUCCEEDED);
        assertThat(scheduler.execution(retried).orElseThrow().attempts()).isEqualTo(2);

        String running = scheduler.enqueue("blocking", null);
        clock.runDue();
        assertThat(state(running)).isEqualTo(Execution.State.RUNNING);
        assertThat(scheduler.cancel(running)).isTrue();
        clock.runDue();
        assertThat(state(running)).isEqualTo(Execution.State.CANCELLED);

        String later = scheduler.enqueue(TaskRequest.builder("blocking").delay(Duration.ofHours(1)).build());
        assertThat(scheduler.cancel(later)).isTrue();
        assertThat(scheduler.execution(later).orElseThrow().outcome()).contains(Outcome.CANCELLED);
    }
}
