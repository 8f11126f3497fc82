package dev.chime.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chime.JobDefinition;
import dev.chime.JobOptions;
import dev.chime.Scheduler;
import dev.chime.TestClock;
import dev.chime.Triggers;
import dev.chime.spi.StoredExecution;
import dev.chime.spi.JobStore;
import dev.chime.spi.NaiveJobStore;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Every meter, recorded through the listener that ServiceLoader finds, driven by the test clock. */
class ChimeMetricsTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private final TestClock clock = TestClock.at(T0);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final CountDownLatch release = new CountDownLatch(1);
    private Scheduler scheduler;

    @AfterEach
    void tearDown() {
        release.countDown();
        if (scheduler != null) {
            scheduler.shutdown(Duration.ofSeconds(5));
        }
    }

    private Scheduler start(JobStore store, String... properties) {
        var builder = Scheduler.builder().clock(clock).store(store).component(registry)
                .task("ok", ctx -> { })
                .task("broken", ctx -> {
                    throw new IOException("disk full");
                })
                .task("hang", ctx -> release.await())
                .task("stubborn", ctx -> {
                    while (release.getCount() > 0) {
                        try {
                            release.await();
                        } catch (InterruptedException ignored) {
                            // ignores its timeout's interrupt
                        }
                    }
                })
                .triggerProvider(new dev.chime.spi.TriggerProvider() {
                    @Override
                    public String type() {
                        return "broken";
                    }

                    @Override
                    public dev.chime.Trigger parse(String body, dev.chime.spi.TriggerParser nested) {
                        return new BrokenTrigger();
                    }
                });
        for (int i = 0; i < properties.length; i += 2) {
            builder.property(properties[i], properties[i + 1]);
        }
        scheduler = builder.build();
        scheduler.start();
        return scheduler;
    }

    private Timer execution(String job, String outcome) {
        return registry.find("chime.job.execution").tag("job", job).tag("outcome", outcome).timer();
    }

    @Test
    void executionsAreTimedByOutcomeWithTheException() {
        start(new NaiveJobStore());
        scheduler.add(JobDefinition.of("fine", "ok", Triggers.interval(Duration.ofSeconds(10))));
        scheduler.add(JobDefinition.of("fails", "broken", Triggers.interval(Duration.ofSeconds(10))));
        scheduler.add(JobDefinition.builder("slow").task("hang").trigger(Triggers.interval(Duration.ofSeconds(25), T0.plusSeconds(10), null, null))
                .options(JobOptions.builder().timeout(Duration.ofSeconds(3)).build()).build());
        clock.advance(Duration.ofSeconds(30));

        assertThat(execution("fine", "success").count()).isEqualTo(3);
        assertThat(execution("fine", "success").getId().getTag("task")).isEqualTo("ok");
        assertThat(execution("fine", "success").getId().getTag("exception")).isEqualTo("none");
        Timer failed = execution("fails", "failure");
        assertThat(failed.count()).isEqualTo(3);
        assertThat(failed.getId().getTag("exception")).isEqualTo("IOException");
        Timer timeout = execution("slow", "timeout");
        assertThat(timeout.count()).isEqualTo(1);
        assertThat(timeout.getId().getTag("exception")).isEqualTo("TimeoutException");
        assertThat(timeout.totalTime(TimeUnit.SECONDS)).isEqualTo(3.0);
    }

    @Test
    void latenessFromScheduledToStartHasPercentiles() {
        start(new NaiveJobStore());
        scheduler.add(JobDefinition.builder("late").task("ok").trigger(Triggers.interval(Duration.ofHours(1), T0.plusSeconds(10), null, null))
                .options(JobOptions.builder().misfireGraceTime(Duration.ofMinutes(1)).build()).build());
        scheduler.pause();
        clock.advance(Duration.ofSeconds(40));
        scheduler.resume();
        clock.runDue();

        Timer lateness = registry.find("chime.job.lateness").tag("job", "late").timer();
        assertThat(lateness.count()).isEqualTo(1);
        assertThat(lateness.totalTime(TimeUnit.SECONDS)).isEqualTo(30.0);
        assertThat(lateness.takeSnapshot().percentileValues()).hasSize(3);
    }

    @Test
    void missedAndSkippedFiresAreCounted() {
        start(new NaiveJobStore());
        scheduler.add(JobDefinition.builder("missed").task("ok").trigger(Triggers.interval(Duration.ofHours(1), T0.plusSeconds(10), null, null))
                .options(JobOptions.builder().misfireGraceTime(Duration.ofSeconds(5)).build()).build());
        scheduler.pause();
        clock.advance(Duration.ofSeconds(40));
        scheduler.resume();
        clock.runDue();
        scheduler.add(JobDefinition.of("busy", "hang", Triggers.interval(Duration.ofSeconds(10))));
        clock.advance(Duration.ofSeconds(30));

        assertThat(registry.find("chime.job.missed").tag("job", "missed").tag("task", "ok").counter().count()).isEqualTo(1);
        assertThat(registry.find("chime.job.skipped").tag("job", "busy").tag("task", "hang").counter().count()).isEqualTo(2);
    }

    /** First fire 10 s after it is asked, then it throws. */
    record BrokenTrigger() implements dev.chime.Trigger {
        @Override
        public java.util.Optional<Instant> nextFireTime(dev.chime.TriggerContext context) {
            if (context.lastFireTime() == null) {
                return java.util.Optional.of(context.now().plusSeconds(10));
            }
            throw new IllegalStateException("broken plugin");
        }

        @Override
        public String spec() {
            return "broken:";
        }
    }

    @Test
    void overrunningAttemptsAndFaultyTriggersAreCounted() {
        start(new NaiveJobStore());
        scheduler.add(JobDefinition.builder("stuck").task("stubborn").trigger(Triggers.interval(Duration.ofSeconds(25), T0.plusSeconds(10), null, null))
                .options(JobOptions.builder().timeout(Duration.ofSeconds(3)).build()).build());
        scheduler.add(JobDefinition.of("faulty", "ok", new BrokenTrigger()));
        clock.advance(Duration.ofSeconds(30));

        assertThat(registry.find("chime.job.overrunning").tag("job", "stuck").tag("task", "stubborn").counter().count())
                .isEqualTo(1);
        assertThat(registry.find("chime.job.trigger.failed").tag("job", "faulty").tag("task", "ok").counter().count())
                .isEqualTo(1);
    }

    @Test
    void gaugesShowScheduledPausedAndRunningJobs() {
        start(new NaiveJobStore());
        scheduler.add(JobDefinition.of("a", "ok", Triggers.interval(Duration.ofSeconds(10))));
        scheduler.add(JobDefinition.of("b", "ok", Triggers.interval(Duration.ofSeconds(10))));
        scheduler.add(JobDefinition.of("c", "hang", Triggers.interval(Duration.ofSeconds(5))));
        scheduler.pauseJob("b");
        clock.advance(Duration.ofSeconds(5));

        assertThat(registry.get("chime.jobs.scheduled").gauge().value()).isEqualTo(2.0);
        assertThat(registry.get("chime.jobs.paused").gauge().value()).isEqualTo(1.0);
        assertThat(registry.get("chime.jobs.running").gauge().value()).isEqualTo(1.0);
    }

    @Test
    void jobTagCanBeDroppedForManyOneShotJobs() {
        start(new NaiveJobStore(), "chime.metrics.job-tag", "false");
        for (int i = 0; i < 50; i++) {
            scheduler.add(JobDefinition.of("one-shot-" + i, "ok", Triggers.once(T0.plusSeconds(i))));
        }
        clock.advance(Duration.ofMinutes(1));

        List<Timer> timers = registry.find("chime.job.execution").timers().stream().collect(Collectors.toList());
        assertThat(timers).hasSize(1);
        assertThat(timers.get(0).getId().getTag("job")).isNull();
        assertThat(timers.get(0).count()).isEqualTo(50);
    }

    @Test
    void aRemovedJobsMetersAreRemovedWithIt() {
        start(new NaiveJobStore());
        scheduler.add(JobDefinition.of("kept", "ok", Triggers.interval(Duration.ofSeconds(10))));
        scheduler.add(JobDefinition.of("removed", "broken", Triggers.interval(Duration.ofSeconds(10))));
        clock.advance(Duration.ofSeconds(10));
        assertThat(execution("removed", "failure")).isNotNull();
        assertThat(execution("kept", "success")).isNotNull();

        assertThat(scheduler.remove("removed")).isTrue();

        assertThat(registry.getMeters()).noneMatch(m -> "removed".equals(m.getId().getTag("job")));
        assertThat(execution("kept", "success")).isNotNull();
        assertThat(registry.find("chime.job.lateness").tag("job", "kept").timer()).isNotNull();
    }

    /** A one-shot job is removed as its firing is dispatched; the meters its attempt registers go when it ends. */
    @Test
    void oneShotJobsLeaveNoMetersBehindOnceTheyRan() {
        start(new NaiveJobStore());
        for (int i = 0; i < 20; i++) {
            scheduler.add(JobDefinition.of("one-shot-" + i, "ok", Triggers.once(T0.plusSeconds(i))));
        }
        clock.advance(Duration.ofMinutes(1));
        assertThat(scheduler.jobs()).isEmpty();
        assertThat(registry.find("chime.job.execution").timers()).isEmpty();

        assertThat(registry.getMeters()).noneMatch(m -> m.getId().getTag("job") != null);
    }

    @Test
    void claimedFiringsAndRecoveredLeasesAreCountedPerNode() {
        // A store that hands out two runs of a dead node, taken over, beside the job's own firings.
        NaiveJobStore recovering = new NaiveJobStore();
        start(recovering);
        scheduler.add(JobDefinition.of("a", "ok", Triggers.interval(Duration.ofSeconds(10))));
        for (int i = 0; i < 2; i++) {
            recovering.handOutRecovery(StoredExecution.scheduled("dead-run-" + i, "a", "ok", null, null,
                    clock.instant().minusSeconds(30), false, clock.instant().minusSeconds(30)), List.of());
        }
        clock.advance(Duration.ofSeconds(60));

        assertThat(registry.get("chime.node.firings.claimed").counter().count()).isEqualTo(8);
        assertThat(registry.get("chime.node.leases.recovered").counter().count()).isEqualTo(2);
    }

    @Test
    void withoutARegistryTheGlobalOneIsUsed() {
        SimpleMeterRegistry global = new SimpleMeterRegistry();
        Metrics.addRegistry(global);
        try {
            scheduler = Scheduler.builder().clock(clock).store(new NaiveJobStore()).task("ok", ctx -> { }).build();
            scheduler.start();
            scheduler.add(JobDefinition.of("g", "ok", Triggers.interval(Duration.ofSeconds(1))));
            clock.advance(Duration.ofSeconds(1));
            assertThat(global.find("chime.job.execution").tag("job", "g").timer().count()).isEqualTo(1);
        } finally {
            Metrics.removeRegistry(global);
        }
    }

    @Test
    void prometheusScrapeShowsTheMeters() {
        PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        scheduler = Scheduler.builder().clock(clock).store(new NaiveJobStore()).component(prometheus)
                .task("ok", ctx -> { }).build();
        scheduler.start();
        scheduler.add(JobDefinition.of("report", "ok", Triggers.interval(Duration.ofSeconds(10))));
        clock.advance(Duration.ofSeconds(20));

        String scrape = prometheus.scrape();
        assertThat(scrape).contains("chime_job_execution_seconds_count{exception=\"none\",job=\"report\",outcome=\"success\",task=\"ok\"} 2");
        assertThat(scrape).contains("chime_jobs_scheduled 1");
        assertThat(scrape).contains("chime_job_lateness_seconds_bucket");
    }
}
