package dev.chime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SchedulerLifecycleTest extends SchedulerTestSupport {

    private final AtomicInteger runs = new AtomicInteger();

    private SchedulerBuilder counting() {
        return builder().task("count", ctx -> runs.incrementAndGet());
    }

    @Test
    void aPassUnderWayWhenThePauseComesClaimsNothingMoreAfterIt() {
        // A store cluster test caught it: jobs added right after pause() returned were claimed and
        // run by a dispatcher pass that had begun before it.
        List<String> ran = new CopyOnWriteArrayList<>();
        AtomicInteger claims = new AtomicInteger();
        dev.chime.spi.NaiveJobStore pausingMidPass = new dev.chime.spi.NaiveJobStore() {
            @Override
            public synchronized List<dev.chime.spi.Firing> claimDue(Instant now, int limit) {
                if (claims.incrementAndGet() == 1) {
                    scheduler.pause(); // as if the user paused while this claim was under way
                    return super.claimDue(now, 1);
                }
                return super.claimDue(now, limit);
            }
        };
        scheduler = Scheduler.builder().clock(clock).store(pausingMidPass).threads(2)
                .task("record", ctx -> ran.add(ctx.jobId())).build();
        scheduler.start();
        scheduler.add(JobDefinition.of("a", "record", Triggers.once(T0.plusSeconds(1))));
        scheduler.add(JobDefinition.of("b", "record", Triggers.once(T0.plusSeconds(1))));

        clock.advanceTo(T0.plusSeconds(1));
        assertThat(ran).as("claimed before the pause").containsExactly("a");
        assertThat(pausingMidPass.get("b").orElseThrow().claimedFireTime()).isNull();

        scheduler.resume();
        clock.advance(Duration.ofMillis(1));
        assertThat(ran).containsExactly("a", "b");
    }

    @Test
    void intervalJobRunsOnceEveryIntervalAsTheClockAdvances() {
        start(counting()).add(JobDefinition.of("tick", "count", Triggers.interval(Duration.ofSeconds(10))));

        clock.advance(Duration.ofSeconds(59));
        assertThat(runs).hasValue(5);
        clock.advance(Duration.ofSeconds(1));
        assertThat(runs).hasValue(6);
        assertThat(events.of(JobEvent.Executed.class)).extracting(JobEvent.Executed::scheduledFireTime)
                .containsExactly(T0.plusSeconds(10), T0.plusSeconds(20), T0.plusSeconds(30), T0.plusSeconds(40),
                        T0.plusSeconds(50), T0.plusSeconds(60));
    }

    @Test
    void nothingFiresBeforeStart() {
        scheduler = counting().build();
        scheduler.add(JobDefinition.of("tick", "count", Triggers.interval(Duration.ofSeconds(1))));
        clock.advance(Duration.ofSeconds(30));
        assertThat(runs).hasValue(0);
        assertThat(scheduler.state()).isEqualTo(Scheduler.State.CREATED);
    }

    @Test
    void addingATakenIdFailsUnlessReplacing() {
        start(counting()).add(JobDefinition.of("a", "count", Triggers.interval(Duration.ofSeconds(10))));

        assertThatThrownBy(() -> scheduler.add(JobDefinition.of("a", "count", Triggers.interval(Duration.ofSeconds(5)))))
                .isInstanceOf(DuplicateJobException.class)
                .hasMessageContaining("'a' already exists");

        scheduler.addOrReplace(JobDefinition.of("a", "count", Triggers.interval(Duration.ofSeconds(5))));
        assertThat(scheduler.job("a").orElseThrow().nextFireTime()).contains(T0.plusSeconds(5));
        assertThat(events.of(JobEvent.Modified.class)).extracting(JobEvent::jobId).containsExactly("a");
    }

    @Test
    void removedJobStopsFiring() {
        start(counting()).add(JobDefinition.of("a", "count", Triggers.interval(Duration.ofSeconds(10))));
        clock.advance(Duration.ofSeconds(10));
        assertThat(scheduler.remove("a")).isTrue();
        assertThat(scheduler.remove("a")).isFalse();
        clock.advance(Duration.ofMinutes(1));
        assertThat(runs).hasValue(1);
        assertThat(scheduler.job("a")).isEmpty();
        assertThat(events.of(JobEvent.Removed.class)).extracting(JobEvent::jobId).containsExactly("a");
    }

    @Test
    void pausedJobDoesNotFireAndResumesFromNow() {
        start(counting()).add(JobDefinition.of("a", "count", Triggers.interval(Duration.ofSeconds(10))));
        clock.advance(Duration.ofSeconds(10));
        JobInfo paused = scheduler.pauseJob("a");
        assertThat(paused.paused()).isTrue();
        assertThat(paused.nextFireTime()).isEmpty();

        clock.advance(Duration.ofMinutes(5).plusSeconds(5));
        assertThat(runs).hasValue(1);

        JobInfo resumed = scheduler.resumeJob("a");
        assertThat(resumed.paused()).isFalse();
        // Back on the interval's grid (fires at T0 + 10s * n), at the first slot not before now.
        assertThat(resumed.nextFireTime()).contains(T0.plusSeconds(320));
        clock.advance(Duration.ofSeconds(5));
        assertThat(runs).hasValue(2);
        assertThat(events.of(JobEvent.Missed.class)).isEmpty();
    }

    @Test
    void pausingTheSchedulerHoldsFiresAndResumeCoalescesThem() {
        start(counting()).add(JobDefinition.builder("a").task("count").trigger(Triggers.interval(Duration.ofSeconds(10)))
                .options(JobOptions.builder().unlimitedMisfireGrace().build()).build());
        clock.advance(Duration.ofSeconds(10));
        scheduler.pause();
        clock.advance(Duration.ofMinutes(10));
        assertThat(runs).hasValue(1);

        scheduler.resume();
        clock.runDue();
        assertThat(runs).as("60 missed fire times coalesced into one run").hasValue(2);
        assertThat(events.of(SchedulerEvent.class)).extracting(e -> e.getClass().getSimpleName())
                .containsExactly("Started", "Paused", "Resumed");
    }

    @Test
    void pauseAndResumeOfAnUnknownJobNameIt() {
        start(counting());
        assertThatThrownBy(() -> scheduler.pauseJob("ghost")).isInstanceOf(JobNotFoundException.class)
                .hasMessageContaining("'ghost'");
        assertThatThrownBy(() -> scheduler.resumeJob("ghost")).isInstanceOf(JobNotFoundException.class);
        assertThatThrownBy(() -> scheduler.runNow("ghost")).isInstanceOf(JobNotFoundException.class);
        assertThatThrownBy(() -> scheduler.reschedule("ghost", Triggers.interval(Duration.ofSeconds(1))))
                .isInstanceOf(JobNotFoundException.class);
    }

    @Test
    void rescheduleGivesTheJobANewTrigger() {
        start(counting()).add(JobDefinition.of("a", "count", Triggers.interval(Duration.ofHours(1))));
        JobInfo info = scheduler.reschedule("a", Triggers.interval(Duration.ofSeconds(10)));
        assertThat(info.nextFireTime()).contains(T0.plusSeconds(10));
        clock.advance(Duration.ofSeconds(30));
        assertThat(runs).hasValue(3);
        assertThat(scheduler.job("a").orElseThrow().definition().trigger().spec()).startsWith("interval:PT10S");
    }

    @Test
    void runNowRunsOnceAndLeavesTheScheduleAlone() {
        start(counting()).add(JobDefinition.of("a", "count", Triggers.interval(Duration.ofHours(1))));
        scheduler.runNow("a");
        clock.runDue();
        assertThat(runs).hasValue(1);
        assertThat(scheduler.job("a").orElseThrow().nextFireTime()).contains(T0.plusSeconds(3600));
    }

    @Test
    void jobInfoShowsNextFireTimeAndLastOutcome() {
        start(counting()).add(JobDefinition.of("a", "count", Triggers.interval(Duration.ofSeconds(10))));
        assertThat(scheduler.job("a").orElseThrow().lastRun()).isEmpty();
        clock.advance(Duration.ofSeconds(10));

        JobInfo info = scheduler.job("a").orElseThrow();
        assertThat(info.nextFireTime()).contains(T0.plusSeconds(20));
        LastRun last = info.lastRun().orElseThrow();
        assertThat(last.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(last.scheduledFireTime()).isEqualTo(T0.plusSeconds(10));
        assertThat(scheduler.jobs()).extracting(JobInfo::id).containsExactly("a");
    }

    @Test
    void jobsAreListedById() {
        start(counting());
        for (String id : List.of("c", "a", "b")) {
            scheduler.add(JobDefinition.of(id, "count", Triggers.interval(Duration.ofSeconds(10))));
        }
        assertThat(scheduler.jobs()).extracting(JobInfo::id).containsExactly("a", "b", "c");
    }

    @Test
    void oneShotJobRunsOnceAndIsThenRemoved() {
        start(counting()).add(JobDefinition.of("once", "count", Triggers.once(T0.plusSeconds(30))));
        clock.advance(Duration.ofMinutes(5));
        assertThat(runs).hasValue(1);
        assertThat(scheduler.job("once")).isEmpty();
        assertThat(events.of(JobEvent.Removed.class)).extracting(JobEvent::jobId).containsExactly("once");
    }

    @Test
    void intervalStopsAtItsEnd() {
        start(counting()).add(JobDefinition.of("a", "count",
                Triggers.interval(Duration.ofSeconds(10), T0.plusSeconds(10), T0.plusSeconds(30), null)));
        clock.advance(Duration.ofMinutes(2));
        assertThat(runs).hasValue(3);
        assertThat(scheduler.job("a")).isEmpty();
    }

    @Test
    void contextCarriesTheFiringAndTheData() {
        record Report(String recipient, int copies) {
        }
        List<String> seen = new CopyOnWriteArrayList<>();
        start(builder().task("report", ctx -> {
            Report r = ctx.data(Report.class);
            JsonNode tree = ctx.data();
            seen.add(ctx.jobId() + "|" + ctx.task() + "|" + ctx.scheduledFireTime() + "|" + ctx.actualStart() + "|"
                    + ctx.attempt() + "|" + r.recipient() + "|" + tree.get("copies").asInt() + "|" + ctx.isRecovery()
                    + "|" + ctx.isCancelled());
        }));
        scheduler.add(JobDefinition.builder("weekly").task("report").trigger(Triggers.once(T0.plusSeconds(5)))
                .data(Map.of("recipient", "ops@example.com", "copies", 2)).build());
        clock.advance(Duration.ofSeconds(5));
        assertThat(seen).containsExactly("weekly|report|" + T0.plusSeconds(5) + "|" + T0.plusSeconds(5)
                + "|1|ops@example.com|2|false|false");
    }

    @Test
    void jobDataIsStoredAsJsonText() {
        start(counting()).add(JobDefinition.builder("a").task("count").trigger(Triggers.interval(Duration.ofSeconds(1)))
                .data(Map.of("k", "v")).build());
        assertThat(store.get("a").orElseThrow().dataJson()).isEqualTo("{\"k\":\"v\"}");
        assertThat(store.get("a").orElseThrow().optionsJson()).contains("\"maxInstances\":1");
    }

    @Test
    void jobFactoryResolvesTasksThatWereNotRegistered() {
        start(builder().jobFactory(task -> task.equals("dynamic") ? Optional.of(ctx -> runs.incrementAndGet()) : Optional.empty()));
        scheduler.add(JobDefinition.of("a", "dynamic", Triggers.once(T0.plusSeconds(1))));
        clock.advance(Duration.ofSeconds(1));
        assertThat(runs).hasValue(1);
    }

    @Test
    void addingToAShutDownSchedulerFails() {
        start(counting()).shutdown(Duration.ofSeconds(1));
        assertThat(scheduler.state()).isEqualTo(Scheduler.State.SHUT_DOWN);
        assertThatThrownBy(() -> scheduler.add(JobDefinition.of("a", "count", Triggers.once(T0))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("shut down");
    }

    @Test
    void startingTwiceFails() {
        start(counting());
        assertThatThrownBy(() -> scheduler.start()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already started");
    }

    @Test
    void intervalWithoutStartIsAnchoredWhenAdded() {
        start(counting()).add(JobDefinition.of("a", "count", Triggers.interval(Duration.ofSeconds(10))));
        assertThat(scheduler.job("a").orElseThrow().definition().trigger().spec())
                .isEqualTo("interval:PT10S;start=" + T0.plusSeconds(10));
    }

    @Test
    void statsCountJobsPausedJobsAndRunningAttempts() {
        start(counting());
        scheduler.add(JobDefinition.of("a", "count", Triggers.interval(Duration.ofSeconds(10))));
        scheduler.add(JobDefinition.of("b", "count", Triggers.interval(Duration.ofSeconds(10))));
        scheduler.pauseJob("b");
        assertThat(scheduler.stats()).isEqualTo(new SchedulerStats(2, 1, 0));
    }

    @Test
    void listenersAreToldWhichSchedulerTheyJoined() {
        Scheduler[] seen = new Scheduler[2];
        SchedulerListener listener = new SchedulerListener() {
            @Override
            public void onEvent(ChimeEvent event) {
            }

            @Override
            public void onRegistered(Scheduler s) {
                seen[seen[0] == null ? 0 : 1] = s;
            }
        };
        start(counting().listener(listener));
        scheduler.addListener(listener);
        assertThat(seen).containsExactly(scheduler, scheduler);
    }

    @Test
    void lifecycleEventsAreDelivered() {
        start(counting());
        scheduler.pause();
        scheduler.resume();
        scheduler.shutdown(Duration.ofSeconds(1));
        assertThat(events.of(SchedulerEvent.class)).extracting(e -> e.getClass().getSimpleName())
                .containsExactly("Started", "Paused", "Resumed", "Shutdown");
        assertThat(events.all()).allSatisfy(e -> assertThat(e.time()).isEqualTo(Instant.parse("2026-01-01T00:00:00Z")));
    }
}
