package dev.chime.store.memory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chime.LastRun;
import dev.chime.Outcome;
import dev.chime.spi.Firing;
import dev.chime.spi.RunEnds;
import dev.chime.spi.StoredJob;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the store hands out is built from its mutable entries: it must be a snapshot, and keep every instant exactly. */
class MemoryJobStoreSnapshotTest {

    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

    private final MemoryJobStore store = new MemoryJobStore();

    private static StoredJob job(String id, Instant next) {
        return new StoredJob(id, "t", "interval:PT10S", "{}", null, false, next, null, null, 0);
    }

    @Test
    void claimsEarliestFirstAtNanosecondPrecisionAcrossTheWholeInstantRange() {
        store.add(job("max", Instant.MAX));
        store.add(job("after", Instant.EPOCH.plusNanos(1)));
        store.add(job("epoch", Instant.EPOCH));
        store.add(job("min", Instant.MIN));
        store.add(job("before", Instant.EPOCH.minusNanos(1)));

        assertThat(store.nextDueTime()).contains(Instant.MIN);
        assertThat(store.claimDue(Instant.EPOCH, 10)).extracting(Firing::jobId).containsExactly("min", "before", "epoch");
        assertThat(store.nextDueTime()).contains(Instant.EPOCH.plusNanos(1));
        List<Firing> rest = store.claimDue(Instant.MAX, 10);
        assertThat(rest).extracting(Firing::fireTime).containsExactly(Instant.EPOCH.plusNanos(1), Instant.MAX);
        assertThat(store.get("max").orElseThrow().claimedFireTime()).isEqualTo(Instant.MAX);
    }

    @Test
    void jobsHandedOutDoNotChangeWithLaterFiringsOutcomesOrChanges() {
        store.add(job("a", T0));
        StoredJob added = store.get("a").orElseThrow();
        Firing firing = store.claimDue(T0, 10).get(0);
        StoredJob claimed = firing.job();
        List<StoredJob> listed = store.list();
        LastRun first = new LastRun(Outcome.FAILURE, T0, T0.plusSeconds(1), Duration.ofMillis(1500), "boom");
        store.recordOutcome(RunEnds.of("a", first));
        StoredJob withFirst = store.get("a").orElseThrow();

        store.release(firing, T0.plusSeconds(10));
        store.recordOutcome(RunEnds.of("a", new LastRun(Outcome.SUCCESS, T0.plusSeconds(10), T0.plusSeconds(11), Duration.ZERO, null)));
        StoredJob current = store.get("a").orElseThrow();
        store.update(current.withPaused(true, null));

        assertThat(added).isEqualTo(job("a", T0).withVersion(added.version()));
        assertThat(claimed.claimedFireTime()).isEqualTo(T0);
        assertThat(claimed.nextFireTime()).isNull();
        assertThat(claimed.lastRun()).isNull();
        assertThat(listed).containsExactly(claimed);
        assertThat(withFirst.lastRun()).as("the holder is rewritten in place, the LastRun handed out is not").isEqualTo(first);
        assertThat(current.paused()).isFalse();
        assertThat(current.nextFireTime()).isEqualTo(T0.plusSeconds(10));
    }
}
