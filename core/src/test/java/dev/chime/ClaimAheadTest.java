package dev.chime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chime.spi.StoredJob;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Firings claimed ahead of their fire time and parked on a worker until it comes, driven by a
 * {@link TestClock}: no body starts before its fire time, and pause, shutdown and changes to the
 * job while it is parked put it back or let the change win.
 */
class ClaimAheadTest extends SchedulerTestSupport {

    private static final Instant FIRE = T0.plusSeconds(1);
    private final List<Instant> starts = new CopyOnWriteArrayList<>();
    private final List<Instant> fireTimes = new CopyOnWriteArrayList<>();

    private SchedulerBuilder parking(int threads) {
        return builder().threads(threads).claimAhead(Duration.ofMillis(100)).task("record", ctx -> {
            starts.add(ctx.actualStart());
            fireTimes.add(ctx.scheduledFireTime());
        });
    }

    private StoredJob stored(String id) {
        return store.get(id).orElseThrow();
    }

    @Test
    void aFiringIsClaimedWithinTheWindowAndItsBodyStartsAtItsFireTimeNotBefore() {
        start(parking(2)).add(JobDefinition.of("job", "record", Triggers.once(FIRE)));

        clock.advanceTo(FIRE.minusMillis(50));
        assertThat(stored("job").claimedFireTime()).isEqualTo(FIRE);
        assertThat(starts).isEmpty();

        clock.advanceTo(FIRE.minusNanos(1));
        assertThat(starts).isEmpty();

        clock.advanceTo(FIRE);
        assertThat(starts).containsExactly(FIRE);
        assertThat(fireTimes).containsExactly(FIRE);
        assertThat(store.get("job")).isEmpty();
    }

    @Test
    void everyRecurringFiringStartsExactlyAtItsFireTime() {
        start(parking(2)).add(JobDefinition.of("tick", "record", Triggers.interval(Duration.ofMillis(250), FIRE, null, null)));
        clock.advanceTo(FIRE.plusSeconds(1));
        List<Instant> expected = List.of(FIRE, FIRE.plusMillis(250), FIRE.plusMillis(500), FIRE.plusMillis(750),
                FIRE.plusSeconds(1));
        assertThat(starts).containsExactlyElementsOf(expected);
        assertThat(fireTimes).containsExactlyElementsOf(expected);
    }

    @Test
    void aNodeParksOneFiringPerFreeWorkerKeepingOneWorkerFree() {
        start(parking(3));
        for (int i = 0; i < 5; i++) {
            scheduler.add(JobDefinition.of("job-" + i, "record", Triggers.once(FIRE)));
        }
        clock.advanceTo(FIRE.minusMillis(50));
        assertThat(store.list().stream().filter(j -> j.claimedFireTime() != null)).hasSize(2);
        assertThat(store.list().stream().filter(j -> FIRE.equals(j.nextFireTime()))).hasSize(3);

        clock.advanceTo(FIRE);
        assertThat(starts).hasSize(5).containsOnly(FIRE);
    }

    @Test
    void withoutClaimAheadATestClockClaimsNothingBeforeItIsDue() {
        start(builder().threads(2).task("record", ctx -> starts.add(ctx.actualStart())))
                .add(JobDefinition.of("job", "record", Triggers.once(FIRE)));
        clock.advanceTo(FIRE.minusNanos(1));
        assertThat(stored("job").claimedFireTime()).isNull();
        assertThat(stored("job").nextFireTime()).isEqualTo(FIRE);
        clock.advanceTo(FIRE);
        assertThat(starts).containsExactly(FIRE);
    }

    @Test
    void shutdownWhileParkedPutsTheClaimBackAtItsFireTimeAndRunsNothing() {
        start(parking(2)).add(JobDefinition.of("job", "record", Triggers.once(FIRE)));
        clock.advanceTo(FIRE.minusMillis(50));
        assertThat(stored("job").claimedFireTime()).isEqualTo(FIRE);

        scheduler.shutdown(Duration.ofSeconds(5));

        assertThat(starts).isEmpty();
        assertThat(stored("job").claimedFireTime()).isNull();
        assertThat(stored("job").nextFireTime()).isEqualTo(FIRE);
        assertThat(events.of(JobEvent.Submitted.class)).isEmpty();
    }

    @Test
    void pauseWhileParkedPutsTheClaimBackAndResumeFiresIt() {
        start(parking(2)).add(JobDefinition.of("job", "record", Triggers.once(FIRE)));
        clock.advanceTo(FIRE.minusMillis(50));
        assertThat(stored("job").claimedFireTime()).isEqualTo(FIRE);

        scheduler.pause();
        assertThat(stored("job").claimedFireTime()).isNull();
        assertThat(stored("job").nextFireTime()).isEqualTo(FIRE);
        clock.advanceTo(FIRE.plusMillis(20));
        assertThat(starts).isEmpty();

        scheduler.resume();
        clock.runDue();
        assertThat(starts).containsExactly(FIRE.plusMillis(20));
        assertThat(fireTimes).containsExactly(FIRE);
    }

    @Test
    void aJobRemovedWhileItsEarlyClaimIsParkedDoesNotRun() {
        start(parking(2)).add(JobDefinition.of("job", "record", Triggers.once(FIRE)));
        clock.advanceTo(FIRE.minusMillis(50));
        assertThat(stored("job").claimedFireTime()).isEqualTo(FIRE);

        assertThat(scheduler.remove("job")).isTrue();
        clock.advanceTo(FIRE.plusSeconds(1));

        assertThat(starts).isEmpty();
        assertThat(events.of(JobEvent.Submitted.class)).isEmpty();
        assertThat(store.get("job")).isEmpty();
    }

    @Test
    void aJobRescheduledWhileItsEarlyClaimIsParkedFiresOnlyAtItsNewTime() {
        start(parking(2)).add(JobDefinition.of("job", "record", Triggers.once(FIRE)));
        clock.advanceTo(FIRE.minusMillis(50));
        assertThat(stored("job").claimedFireTime()).isEqualTo(FIRE);

        Instant moved = FIRE.plusSeconds(5);
        scheduler.reschedule("job", Triggers.once(moved));
        clock.advanceTo(FIRE.plusSeconds(1));
        assertThat(starts).isEmpty();

        clock.advanceTo(moved);
        assertThat(starts).containsExactly(moved);
        assertThat(fireTimes).containsExactly(moved);
    }

    @Test
    void aJobPausedWhileItsEarlyClaimIsParkedDoesNotRun() {
        start(parking(2)).add(JobDefinition.of("job", "record", Triggers.once(FIRE)));
        clock.advanceTo(FIRE.minusMillis(50));

        scheduler.pauseJob("job");
        clock.advanceTo(FIRE.plusSeconds(1));

        assertThat(starts).isEmpty();
        assertThat(stored("job").paused()).isTrue();
    }
}
