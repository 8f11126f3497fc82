package dev.chime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** What the engine puts in the run history, and how retention trims it, driven by the test clock. */
class RunHistoryTest extends SchedulerTestSupport {

    private final AtomicInteger runs = new AtomicInteger();

    private SchedulerBuilder withTasks() {
        return builder().name("node-1")
                .task("ok", ctx -> runs.incrementAndGet())
                .task("flaky", ctx -> {
                    if (ctx.attempt() < 3) {
                        throw new IllegalStateException("flake " + ctx.attempt());
                    }
                })
                .task("broken", ctx -> {
                    throw new java.io.IOException("disk full");
                });
    }

    private List<RunRecord> history(String jobId) {
        return scheduler.history(HistoryQuery.forJob(jobId).limit(HistoryQuery.MAX_LIMIT)).runs();
    }

    @Test
    void aSuccessfulRunIsRecordedWithItsFireTimeAttemptNodeAndTimes() {
        start(withTasks());
        scheduler.add(JobDefinition.builder("a").task("ok").trigger(Triggers.interval(Duration.ofSeconds(10))).build());
        clock.advance(Duration.ofSeconds(25));

        List<RunRecord> history = history("a");
        assertThat(history).extracting(RunRecord::fireTime).containsExactly(T0.plusSeconds(20), T0.plusSeconds(10));
        RunRecord latest = history.get(0);
        assertThat(latest.id()).isPositive();
        assertThat(latest.task()).isEqualTo("ok");
        assertThat(latest.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(latest.attempts()).isEqualTo(1);
        assertThat(latest.node()).isEqualTo("node-1");
        assertThat(latest.startedAt()).isEqualTo(T0.plusSeconds(20));
        assertThat(latest.finishedAt()).isEqualTo(T0.plusSeconds(20));
        assertThat(latest.error()).isNull();
        assertThat(latest.stackTrace()).isNull();
        assertThat(scheduler.job("a").orElseThrow().lastRun()).contains(latest.lastRun());
    }

    @Test
    void aRunThatSucceededAfterRetriesIsOneEntryCountingItsAttempts() {
        start(withTasks());
        scheduler.add(JobDefinition.builder("a").task("flaky").trigger(Triggers.once(T0.plusSeconds(1)))
                .options(JobOptions.builder().retry(RetryPolicy.fixed(5, Duration.ofSeconds(2))).build()).build());
        clock.advance(Duration.ofMinutes(1));

        assertThat(history("a")).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
            assertThat(r.attempts()).isEqualTo(3);
            assertThat(r.fireTime()).isEqualTo(T0.plusSeconds(1));
            assertThat(r.startedAt()).as("the last attempt's start").isEqualTo(T0.plusSeconds(5));
        });
    }

    @Test
    void aFailureKeepsItsErrorAndStackTrace() {
        start(withTasks());
        scheduler.add(JobDefinition.builder("a").task("broken").trigger(Triggers.once(T0.plusSeconds(1)))
                .options(JobOptions.builder().retry(RetryPolicy.fixed(1, Duration.ofSeconds(5))).build()).build());
        clock.advance(Duration.ofMinutes(1));

        assertThat(history("a")).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.FAILURE);
            assertThat(r.attempts()).isEqualTo(2);
            assertThat(r.error()).isEqualTo("java.io.IOException: disk full");
            assertThat(r.stackTrace()).startsWith("java.io.IOException: disk full")
                    .contains("at dev.chime.RunHistoryTest.lambda$withTasks$");
        });
    }

    @Test
    void aOneShotJobsRunStaysInTheHistoryAfterTheJobIsGoneAndIsNotTheOutcomeOfAJobAddedAgainUnderItsId() {
        start(withTasks());
        scheduler.add(JobDefinition.builder("once").task("ok").trigger(Triggers.once(T0.plusSeconds(1))).build());
        clock.advance(Duration.ofSeconds(2));
        assertThat(scheduler.job("once")).isEmpty();

        scheduler.add(JobDefinition.builder("once").task("ok").trigger(Triggers.once(T0.plusSeconds(60))).build());
        assertThat(scheduler.job("once").orElseThrow().lastRun()).isEmpty();
        assertThat(history("once")).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
            assertThat(r.fireTime()).isEqualTo(T0.plusSeconds(1));
        });
    }

    @Test
    void aMissedFireTimeIsRecordedWithNoAttempt() {
        start(withTasks());
        scheduler.add(JobDefinition.builder("late").task("ok").trigger(Triggers.once(T0.minusSeconds(10)))
                .options(JobOptions.builder().misfireGraceTime(Duration.ofSeconds(5)).build()).build());
        clock.runDue();

        assertThat(history("late")).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.MISSED);
            assertThat(r.attempts()).isZero();
            assertThat(r.startedAt()).isNull();
            assertThat(r.fireTime()).isEqualTo(T0.minusSeconds(10));
            assertThat(r.finishedAt()).isEqualTo(T0);
        });
    }

    @Test
    void aRunNowIsRecorded() {
        start(withTasks());
        scheduler.add(JobDefinition.builder("a").task("ok").trigger(Triggers.interval(Duration.ofHours(1))).build());
        clock.advance(Duration.ofSeconds(5));
        scheduler.runNow("a");
        clock.runDue();

        assertThat(history("a")).singleElement().satisfies(r -> {
            assertThat(r.fireTime()).isEqualTo(T0.plusSeconds(5));
            assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
        });
    }

    @Test
    void theHistoryIsFilteredAndPagedThroughTheScheduler() {
        start(withTasks());
        scheduler.add(JobDefinition.builder("a").task("ok").trigger(Triggers.interval(Duration.ofSeconds(10))).build());
        scheduler.add(JobDefinition.builder("b").task("broken").trigger(Triggers.interval(Duration.ofSeconds(10))).build());
        clock.advance(Duration.ofSeconds(30));

        assertThat(scheduler.history(HistoryQuery.all().outcomes(Outcome.FAILURE).limit(100)).runs())
                .extracting(RunRecord::jobId).containsOnly("b").hasSize(3);
        HistoryPage first = scheduler.history(HistoryQuery.all().limit(4));
        HistoryPage second = scheduler.history(first.next().orElseThrow());
        assertThat(first.runs()).hasSize(4);
        assertThat(second.runs()).hasSize(2);
        assertThat(second.next()).isEmpty();
        assertThat(second.runs().get(0).finishedAt()).isBeforeOrEqualTo(first.runs().get(3).finishedAt());
    }

    @Test
    void retentionTrimsByCountPerJobAndByAgeOncePerRound() {
        start(withTasks().historyRetention(Duration.ofMinutes(5), 3));
        scheduler.add(JobDefinition.builder("a").task("ok").trigger(Triggers.interval(Duration.ofSeconds(10))).build());
        scheduler.add(JobDefinition.builder("b").task("ok").trigger(Triggers.once(T0.plusSeconds(5))).build());
        clock.advance(Duration.ofSeconds(55));
        assertThat(history("a")).as("no round yet").hasSize(5);

        clock.advance(Duration.ofSeconds(10));
        assertThat(history("a")).as("the round at one minute keeps a's newest 3")
                .extracting(RunRecord::fireTime).containsExactly(T0.plusSeconds(60), T0.plusSeconds(50), T0.plusSeconds(40));
        assertThat(history("b")).hasSize(1);

        scheduler.remove("a");
        clock.advance(Duration.ofMinutes(6));
        assertThat(history("b")).as("older than five minutes at the next round").isEmpty();
        assertThat(history("a")).isEmpty();
    }

    @Test
    void aRetentionThatKeepsNothingIsRefused() {
        assertThatThrownBy(() -> Scheduler.builder().historyRetention(Duration.ZERO, 10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxAge PT0S must be positive");
        assertThatThrownBy(() -> Scheduler.builder().historyRetention(Duration.ofDays(1), 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxPerJob 0 must be at least 1");
    }

    @Test
    void aQueryOutsideItsBoundsIsRefusedNamingTheField() {
        assertThatThrownBy(() -> HistoryQuery.all().limit(0)).hasMessageContaining("limit: 0 must be between 1 and 1000");
        assertThatThrownBy(() -> HistoryQuery.all().finished(T0, T0)).hasMessageContaining("finished: from");
    }
}
