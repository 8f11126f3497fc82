package dev.chime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Background tasks at the edges of their states: found by review, each test names the interleaving. */
class BackgroundTaskEdgeTest extends SchedulerTestSupport {

    private final AtomicInteger runs = new AtomicInteger();
    private final HeldExecutor held = new HeldExecutor();

    @AfterEach
    void drain() {
        held.runAll();
    }

    /** A clock that does not move, for a scheduler driven by its own dispatch loop. */
    private static Clock fixedAt(Instant at) {
        return new Clock() {
            @Override
            public Instant instant() {
                return at;
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
    }

    @Test
    void aTaskCancelledWhileItsAttemptWaitsForAWorkerNeverStarts() {
        // A real dispatch loop (the test clock waits for attempts to settle) and an executor that
        // holds what it is given until the test runs it: the attempt is tracked, not started.
        start(builder().clock(fixedAt(T0)).executor(held).task("ok", ctx -> runs.incrementAndGet()));
        String id = scheduler.enqueue("ok", null);
        await().atMost(Duration.ofSeconds(10)).until(() -> held.size() == 1);
        assertThat(scheduler.execution(id).orElseThrow().state()).isEqualTo(Execution.State.RUNNING);

        assertThat(scheduler.cancel(id)).isTrue();
        held.runAll();

        await().atMost(Duration.ofSeconds(10)).until(() -> scheduler.execution(id).orElseThrow().isFinal());
        assertThat(runs).as("a cancelled attempt that had not started does not start").hasValue(0);
        assertThat(scheduler.execution(id).orElseThrow().state()).isEqualTo(Execution.State.CANCELLED);
        assertThat(scheduler.history(HistoryQuery.forJob(id)).runs()).singleElement()
                .satisfies(r -> assertThat(r.outcome()).isEqualTo(Outcome.CANCELLED));
    }

    @Test
    void aTaskWaitingForItsRetryAtShutdownEndsFailedWithOneEntry() {
        start(builder().task("broken", ctx -> {
            runs.incrementAndGet();
            throw new java.io.IOException("disk full");
        }));
        String id = scheduler.enqueue(TaskRequest.builder("broken").data(java.util.Map.of("k", 1))
                .options(JobOptions.builder().retry(RetryPolicy.fixed(3, Duration.ofSeconds(30))).build()).build());
        clock.runDue();
        assertThat(scheduler.execution(id).orElseThrow().state()).isEqualTo(Execution.State.WAITING_FOR_RETRY);

        scheduler.shutdown(Duration.ofSeconds(5));

        List<RunRecord> entries = store.history(HistoryQuery.forJob(id)).runs();
        assertThat(entries).as("the task's end is in the history, not lost with its dropped retry").singleElement()
                .satisfies(r -> {
                    assertThat(r.outcome()).isEqualTo(Outcome.FAILURE);
                    assertThat(r.attempts()).isEqualTo(1);
                    assertThat(r.dataJson()).isEqualTo("{\"k\":1}");
                });
        assertThat(runs).hasValue(1);
    }

    @Test
    void anEnqueueUnderTheIdOfATaskStillRunningIsRefusedRatherThanRunTwice() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        start(builder().task("blocking", ctx -> {
            runs.incrementAndGet();
            release.await();
        }));
        TaskRequest request = TaskRequest.builder("blocking").id("order-42").build();
        scheduler.enqueue(request);
        clock.runDue();
        assertThat(scheduler.execution("order-42").orElseThrow().state()).isEqualTo(Execution.State.RUNNING);

        try {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> scheduler.enqueue(request))
                    .isInstanceOf(DuplicateJobException.class).hasMessageContaining("order-42");
            clock.runDue();
            assertThat(runs).as("one run at a time under one execution id").hasValue(1);
        } finally {
            release.countDown();
        }
        clock.runDue();
        assertThat(scheduler.history(HistoryQuery.forJob("order-42")).runs()).hasSize(1);
    }

    /** Holds submitted work until {@link #runAll}; not a ThreadPoolExecutor, so the engine does not size claims by it. */
    static final class HeldExecutor extends AbstractExecutorService {
        private final BlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();
        private volatile boolean shutdown;

        int size() {
            return queue.size();
        }

        void runAll() {
            Runnable r;
            while ((r = queue.poll()) != null) {
                r.run();
            }
        }

        @Override
        public void execute(Runnable command) {
            queue.add(command);
        }

        @Override
        public void shutdown() {
            shutdown = true;
        }

        @Override
        public List<Runnable> shutdownNow() {
            shutdown = true;
            return List.of();
        }

        @Override
        public boolean isShutdown() {
            return shutdown;
        }

        @Override
        public boolean isTerminated() {
            return shutdown && queue.isEmpty();
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) {
            return isTerminated();
        }
    }
}
