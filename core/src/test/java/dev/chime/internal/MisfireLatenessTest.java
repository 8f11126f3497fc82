package dev.chime.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chime.JobOptions;
import dev.chime.TestClock;
import dev.chime.Trigger;
import dev.chime.Triggers;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** What counts as late: one-shots by default never are; time at the in-flight limit never counts. */
class MisfireLatenessTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private final TestClock clock = TestClock.at(T0);
    private final Saturation saturation = new Saturation();
    private final MisfirePlanner planner = new MisfirePlanner(saturation);
    private final Trigger everyMinute = Triggers.interval(Duration.ofMinutes(1), T0, null, null);

    private MisfirePlanner.Plan plan(Trigger trigger, JobOptions options, Instant fireTime) {
        return planner.plan("job", trigger, options, fireTime, clock.instant(), null);
    }

    @Test
    void oneShotWithDefaultOptionsRunsHoweverLate() {
        clock.advance(Duration.ofHours(3));
        assertThat(plan(Triggers.once(T0), JobOptions.defaults(), T0).run()).containsExactly(T0);
        Trigger jittered = Triggers.parse("once:2026-01-01T00:00:00Z;jitter=PT1S");
        Instant fire = jittered.nextFireTime(dev.chime.TriggerContext.first(T0)).orElseThrow();
        assertThat(plan(jittered, JobOptions.defaults(), fire).run()).containsExactly(fire);
    }

    @Test
    void oneShotWithAGraceSetOnTheJobIsMissedPastIt() {
        clock.advance(Duration.ofSeconds(3));
        JobOptions oneSecond = JobOptions.builder().misfireGraceTime(Duration.ofSeconds(1)).build();
        assertThat(plan(Triggers.once(T0), oneSecond, T0).missed()).containsExactly(T0);
    }

    @Test
    void recurringTriggerKeepsTheOneSecondDefault() {
        clock.advance(Duration.ofSeconds(3));
        assertThat(plan(everyMinute, JobOptions.defaults(), T0).missed()).containsExactly(T0);
    }

    @Test
    void lateBecauseTheNodeWasAtItsInFlightLimitIsNotMissed() {
        // Due at T0; the node fills up 200 ms later and only claims it 30 s after that.
        clock.advance(Duration.ofMillis(200));
        saturation.reachedLimit(clock.instant());
        clock.advance(Duration.ofSeconds(30));
        assertThat(plan(everyMinute, JobOptions.defaults(), T0).run()).containsExactly(T0);
    }

    @Test
    void fireTimeDueWhileTheNodeWasSaturatedIsNotLateAtAll() {
        saturation.reachedLimit(clock.instant());
        clock.advance(Duration.ofSeconds(45));
        Instant dueMidway = T0.plusSeconds(20);
        JobOptions noGrace = JobOptions.builder().misfireGraceTime(Duration.ZERO).build();
        assertThat(plan(Triggers.interval(Duration.ofMinutes(1), dueMidway, null, null), noGrace, dueMidway).run())
                .containsExactly(dueMidway);
    }

    @Test
    void latenessFromBeforeTheNodeFilledUpStillCounts() {
        // Downtime: due 10 s before the node started and filled up at once.
        Instant fire = T0.minusSeconds(10);
        saturation.reachedLimit(clock.instant());
        clock.advance(Duration.ofSeconds(5));
        assertThat(plan(Triggers.interval(Duration.ofMinutes(1), fire, null, null), JobOptions.defaults(), fire).missed())
                .containsExactly(fire);
    }

    @Test
    void onceCaughtUpLatenessCountsInFullAgain() {
        saturation.reachedLimit(clock.instant());
        saturation.caughtUp();
        clock.advance(Duration.ofSeconds(3));
        assertThat(plan(everyMinute, JobOptions.defaults(), T0).missed()).containsExactly(T0);
    }
}
