package dev.chime;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Misfire grace, coalescing, max instances, retries, timeouts and fixed delay, each with the test clock. */
class JobOptionsBehaviourTest extends SchedulerTestSupport {

    private final AtomicInteger runs = new AtomicInteger();
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void releaseBlockedJobs() {
        release.countDown();
    }

    private JobDefinition job(String id, String task, Trigger trigger, JobOptions options) {
        return JobDefinition.builder(id).task(task).trigger(trigger).options(options).build();
    }

    @Test
    void fireLaterThanTheGraceTimeIsReportedMissedNotRun() {
        start(builder().task("count", ctx -> runs.incrementAndGet()));
        scheduler.add(job("late", "count", Triggers.once(T0.minusSeconds(10)),
                JobOptions.builder().misfireGraceTime(Duration.ofSeconds(5)).build()));
        clock.runDue();

        assertThat(runs).hasValue(0);
        assertThat(events.of(JobEvent.Missed.class)).singleElement()
                .satisfies(m -> assertThat(m.scheduledFireTime()).isEqualTo(T0.minusSeconds(10)));
        assertThat(events.of(JobEvent.Submitted.class)).isEmpty();
    }

    @Test
    void fireWithinTheGraceTimeStillRuns() {
        start(builder().task("count", ctx -> runs.incrementAndGet()));
        scheduler.add(job("late", "count", Triggers.once(T0.minusSeconds(4)),
                JobOptions.builder().misfireGraceTime(Duration.ofSeconds(5)).build()));
        clock.runDue();
        assertThat(runs).hasValue(1);
        assertThat(events.of(JobEvent.Missed.class)).isEmpty();
    }

    @Test
    void missedFireIsRecordedAsTheLastOutcome() {
        start(builder().task("count", ctx -> runs.incrementAndGet()));
        scheduler.add(job("late", "count", Triggers.interval(Duration.ofSeconds(10), T0.minusSeconds(60), null, null),
                JobOptions.builder().misfireGraceTime(Duration.ofSeconds(1)).coalesce(false).build()));
        // The first fire time is computed when the job is added: the next slot at or after now.
        scheduler.pause();
        clock.advance(Duration.ofSeconds(15));
        scheduler.resume();
        clock.runDue();
        assertThat(scheduler.job("late").orElseThrow().lastRun().orElseThrow().outcome()).isEqualTo(Outcome.MISSED);
    }

    @Test
    void coalesceRunsSeveralMissedFiresOnce() {
        start(builder().task("count", ctx -> runs.incrementAndGet()));
        scheduler.add(job("a", "count", Triggers.interval(Duration.ofSeconds(10)),
                JobOptions.builder().coalesce(true).build()));
        scheduler.pause();
        clock.advance(Duration.ofHours(1));
        scheduler.resume();
        clock.runDue();

        assertThat(runs).as("360 fire times, one run").hasValue(1);
        assertThat(events.of(JobEvent.Executed.class)).singleElement()
                .satisfies(e -> assertThat(e.scheduledFireTime()).isEqualTo(T0.plusSeconds(3600)));
        assertThat(scheduler.job("a").orElseThrow().nextFireTime()).contains(T0.plusSeconds(3610));
    }

    @Test
    void withoutCoalesceEveryMissedFireWithinGraceRuns() {
        start(builder().task("count", ctx -> runs.incrementAndGet()));
        scheduler.add(job("a", "count", Triggers.interval(Duration.ofSeconds(10)),
                JobOptions.builder().coalesce(false).unlimitedMisfireGrace().build()));
        scheduler.pause();
        clock.advance(Duration.ofMinutes(10));
        scheduler.resume();
        clock.runDue();
        assertThat(runs).hasValue(60);
    }

    @Test
    void withoutCoalesceFiresBeyondGraceAreMissedOneByOne() {
        start(builder().task("count", ctx -> runs.incrementAndGet()));
        scheduler.add(job("a", "count", Triggers.interval(Duration.ofSeconds(10)),
                JobOptions.builder().coalesce(false).misfireGraceTime(Duration.ofSeconds(25)).build()));
        scheduler.pause();
        clock.advance(Duration.ofSeconds(100));
        scheduler.resume();
        clock.runDue();
        // Fire times 10..100: those more than 25 s late (10..70) are missed, 80, 90, 100 run.
        assertThat(events.of(JobEvent.Missed.class)).hasSize(7);
        assertThat(runs).hasValue(3);
    }

    @Test
    void coalescedRunAfterLongDowntimeIsFoundWithoutWalkingEveryFireTime() {
        start(builder().task("count", ctx -> runs.incrementAndGet()));
        scheduler.add(job("a", "count", Triggers.interval(Duration.ofMillis(1)), JobOptions.builder().build()));
        scheduler.pause();
        clock.advance(Duration.ofDays(30));
        scheduler.resume();
        clock.runDue();
        assertThat(runs).hasValue(1);
        assertThat(events.of(JobEvent.Executed.class).get(0).scheduledFireTime()).isEqualTo(T0.plus(Duration.ofDays(30)));
    }

    @Test
    void fireAtMaxInstancesIsSkippedAndReported() throws Exception {
        start(builder().task("slow", ctx -> {
            runs.incrementAndGet();
            release.await();
        }));
        scheduler.add(job("a", "slow", Triggers.interval(Duration.ofSeconds(10)), JobOptions.builder().maxInstances(1).build()));
        clock.advance(Duration.ofSeconds(30));

        assertThat(runs).hasValue(1);
        assertThat(events.of(JobEvent.Skipped.class)).extracting(JobEvent.Skipped::scheduledFireTime)
                .containsExactly(T0.plusSeconds(20), T0.plusSeconds(30));
        assertThat(events.of(JobEvent.Skipped.class).get(0).runningInstances()).isEqualTo(1);
    }

    @Test
    void maxInstancesAllowsThatManyOverlappingRuns() {
        start(builder().task("slow", ctx -> {
            runs.incrementAndGet();
            release.await();
        }));
        scheduler.add(job("a", "slow", Triggers.interval(Duration.ofSeconds(10)), JobOptions.builder().maxInstances(2).build()));
        clock.advance(Duration.ofSeconds(30));
        assertThat(runs).hasValue(2);
        assertThat(events.of(JobEvent.Skipped.class)).hasSize(1);
    }

    @Test
    void failedAttemptIsRetriedWithBackoffUntilItSucceeds() {
        List<String> attempts = new CopyOnWriteArrayList<>();
        start(builder().task("flaky", ctx -> {
            attempts.add(ctx.attempt() + "@" + ctx.actualStart());
            if (ctx.attempt() < 3) {
                throw new IllegalStateException("flake " + ctx.attempt());
            }
        }));
        scheduler.add(job("a", "flaky", Triggers.once(T0.plusSeconds(1)),
                JobOptions.builder().retry(RetryPolicy.exponential(5, Duration.ofSeconds(2))).build()));
        clock.advance(Duration.ofMinutes(1));

        assertThat(attempts).containsExactly("1@" + T0.plusSeconds(1), "2@" + T0.plusSeconds(3), "3@" + T0.plusSeconds(7));
        assertThat(events.of(JobEvent.Failed.class)).extracting(JobEvent.Failed::willRetry).containsExactly(true, true);
        assertThat(events.of(JobEvent.Failed.class).get(0).error()).hasMessage("flake 1");
        assertThat(events.of(JobEvent.Executed.class)).singleElement().satisfies(e -> {
            assertThat(e.attempt()).isEqualTo(3);
            assertThat(e.scheduledFireTime()).isEqualTo(T0.plusSeconds(1));
        });
    }

    @Test
    void failureAfterTheLastRetryIsRecorded() {
        start(builder().task("broken", ctx -> {
            runs.incrementAndGet();
            throw new java.io.IOException("disk full");
        }));
        scheduler.add(job("a", "broken", Triggers.interval(Duration.ofMinutes(1)),
                JobOptions.builder().retry(RetryPolicy.fixed(2, Duration.ofSeconds(5))).build()));
        clock.advance(Duration.ofMinutes(1).plusSeconds(30));

        assertThat(runs).hasValue(3);
        assertThat(events.of(JobEvent.Failed.class)).extracting(JobEvent.Failed::willRetry).containsExactly(true, true, false);
        LastRun last = scheduler.job("a").orElseThrow().lastRun().orElseThrow();
        assertThat(last.outcome()).isEqualTo(Outcome.FAILURE);
        assertThat(last.error()).isEqualTo("java.io.IOException: disk full");
        assertThat(last.finishedAt()).isEqualTo(T0.plusSeconds(70));
    }

    @Test
    void aWaitingRetryTakesNoInstanceSoTheNextFireRunsAndTheRetryRunsWhenDue() {
        start(builder().task("broken", ctx -> {
            runs.incrementAndGet();
            throw new IllegalStateException("no");
        }));
        scheduler.add(job("a", "broken", Triggers.interval(Duration.ofSeconds(10)),
                JobOptions.builder().retry(RetryPolicy.fixed(1, Duration.ofSeconds(15))).build()));
        clock.advance(Duration.ofSeconds(30));

        assertThat(events.of(JobEvent.Skipped.class)).as("max instances 1, yet nothing skipped").isEmpty();
        assertThat(events.of(JobEvent.Failed.class)).extracting(f -> f.scheduledFireTime() + " #" + f.attempt() + " " + f.time())
                .containsExactly(T0.plusSeconds(10) + " #1 " + T0.plusSeconds(10), T0.plusSeconds(20) + " #1 " + T0.plusSeconds(20),
                        T0.plusSeconds(10) + " #2 " + T0.plusSeconds(25), T0.plusSeconds(30) + " #1 " + T0.plusSeconds(30));
        assertThat(runs).hasValue(4);
    }

    @Test
    void jobPastItsTimeoutIsInterruptedAndReportedFailed() {
        List<String> seen = new CopyOnWriteArrayList<>();
        start(builder().task("hang", ctx -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                seen.add("interrupted, cancelled=" + ctx.isCancelled());
                throw e;
            }
        }));
        scheduler.add(job("a", "hang", Triggers.once(T0.plusSeconds(1)),
                JobOptions.builder().timeout(Duration.ofSeconds(30)).build()));
        clock.advance(Duration.ofSeconds(30));
        assertThat(events.of(JobEvent.Failed.class)).isEmpty();

        clock.advance(Duration.ofSeconds(1));
        JobEvent.Failed failed = events.of(JobEvent.Failed.class).get(0);
        assertThat(failed.timedOut()).isTrue();
        assertThat(failed.error()).isInstanceOf(TimeoutException.class).hasMessageContaining("PT30S");
        assertThat(failed.duration()).isEqualTo(Duration.ofSeconds(30));
        assertThat(seen).containsExactly("interrupted, cancelled=true");
        assertThat(events.of(JobEvent.Executed.class)).isEmpty();
    }

    @Test
    void timedOutOneShotRecordsTimeoutBeforeTheJobIsRemoved() {
        start(builder().task("hang", ctx -> release.await()));
        scheduler.add(job("a", "hang", Triggers.interval(Duration.ofMinutes(1)),
                JobOptions.builder().timeout(Duration.ofSeconds(5)).build()));
        clock.advance(Duration.ofMinutes(1).plusSeconds(5));
        assertThat(scheduler.job("a").orElseThrow().lastRun().orElseThrow().outcome()).isEqualTo(Outcome.TIMEOUT);
    }

    @Test
    void fixedDelayMeasuresFromTheEndOfThePreviousRun() {
        List<String> starts = new CopyOnWriteArrayList<>();
        start(builder().task("hang", ctx -> {
            starts.add(ctx.actualStart().toString());
            release.await();
        }));
        // Each run hangs until its 5 s timeout: the next starts 10 s after that, not 10 s after the start.
        scheduler.add(job("a", "hang", Triggers.fixedDelay(Duration.ofSeconds(10)),
                JobOptions.builder().timeout(Duration.ofSeconds(5)).build()));
        clock.advance(Duration.ofSeconds(40));
        assertThat(starts).containsExactly(T0.plusSeconds(10).toString(), T0.plusSeconds(25).toString(),
                T0.plusSeconds(40).toString());
    }

    @Test
    void fixedDelayAfterARetriedFailureWaitsFromTheFinalCompletion() {
        List<String> starts = new CopyOnWriteArrayList<>();
        start(builder().task("flaky", ctx -> {
            starts.add(ctx.attempt() + "@" + ctx.actualStart());
            if (ctx.attempt() == 1) {
                throw new IllegalStateException("first attempt fails");
            }
        }));
        scheduler.add(job("a", "flaky", Triggers.fixedDelay(Duration.ofSeconds(10)),
                JobOptions.builder().retry(RetryPolicy.fixed(1, Duration.ofSeconds(3))).build()));
        clock.advance(Duration.ofSeconds(30));
        assertThat(starts).containsExactly("1@" + T0.plusSeconds(10), "2@" + T0.plusSeconds(13), "1@" + T0.plusSeconds(23),
                "2@" + T0.plusSeconds(26));
    }

    @Test
    void aListenerThatThrowsDisturbsNeitherTheSchedulerNorOtherListeners() {
        EventRecorder second = new EventRecorder();
        start(builder().task("count", ctx -> runs.incrementAndGet())
                .listener(event -> {
                    throw new IllegalStateException("broken listener");
                })
                .listener(second));
        scheduler.add(JobDefinition.of("a", "count", Triggers.interval(Duration.ofSeconds(10))));
        clock.advance(Duration.ofSeconds(30));
        assertThat(runs).hasValue(3);
        assertThat(second.of(JobEvent.Executed.class)).hasSize(3);
    }

    @Test
    void eventsTellTheStoryOfAFiring() {
        start(builder().task("count", ctx -> runs.incrementAndGet()));
        scheduler.add(JobDefinition.of("a", "count", Triggers.once(T0.plusSeconds(5))));
        clock.advance(Duration.ofSeconds(5));
        assertThat(events.all()).extracting(e -> e.getClass().getSimpleName())
                .containsExactly("Started", "Added", "Claimed", "Removed", "Submitted", "Executed");
        JobEvent.Executed executed = events.of(JobEvent.Executed.class).get(0);
        assertThat(executed.duration()).isEqualTo(Duration.ZERO);
        assertThat(executed.started()).isEqualTo(T0.plusSeconds(5));
    }
}
