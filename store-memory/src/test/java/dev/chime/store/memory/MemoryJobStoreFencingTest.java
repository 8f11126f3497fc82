package dev.chime.store.memory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chime.spi.Dispatch;
import dev.chime.spi.Firing;
import dev.chime.spi.RunRequest;
import dev.chime.spi.StoredJob;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A job removed while one of its firings is in flight, then added again under the same id: the
 * new job starts afresh, so nothing the old job's claim or snapshots carry may act on it.
 */
class MemoryJobStoreFencingTest {

    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

    private final MemoryJobStore store = new MemoryJobStore();

    private static StoredJob job(String id, String task, Instant next) {
        return new StoredJob(id, task, "interval:PT10S", "{}", null, false, next, null, null, 0);
    }

    @Test
    void staleClaimOfARemovedJobDoesNotEndTheClaimOfTheJobAddedAgainUnderItsId() {
        store.add(job("a", "old-task", T0));
        Firing stale = store.claimDue(T0, 10).get(0);
        store.remove("a");
        store.add(job("a", "new-task", T0));
        Firing current = store.claimDue(T0, 10).get(0);

        List<Dispatch.Result> late = store.dispatch(List.of(
                new Dispatch(stale, new RunRequest("a", T0, 1, false, null), T0.plusSeconds(99))));

        assertThat(late).as("the old job's claim is gone with it: no run of the old definition")
                .containsExactly(new Dispatch.Result(null, false));
        assertThat(store.get("a").orElseThrow().claimedFireTime()).as("the new job's claim still holds").isEqualTo(T0);
        assertThat(store.release(current, T0.plusSeconds(10))).isTrue();
        assertThat(store.get("a").orElseThrow().nextFireTime()).isEqualTo(T0.plusSeconds(10));
    }

    @Test
    void staleReleaseOfARemovedJobDoesNotEndTheClaimOfTheJobPutAgainUnderItsId() {
        store.put(job("a", "old-task", T0));
        Firing stale = store.claimDue(T0, 10).get(0);
        store.remove("a");
        store.put(job("a", "new-task", T0));
        store.claimDue(T0, 10);

        assertThat(store.release(stale, T0.plusSeconds(99))).isFalse();
        assertThat(store.removeClaimed(stale)).isFalse();
        assertThat(store.get("a").orElseThrow().task()).isEqualTo("new-task");
    }

    @Test
    void updateFromASnapshotOfARemovedJobDoesNotOverwriteTheJobAddedAgainUnderItsId() {
        store.add(job("a", "old-task", T0));
        StoredJob snapshot = store.get("a").orElseThrow();
        store.remove("a");
        store.add(job("a", "new-task", T0.plusSeconds(5)));

        assertThat(store.update(snapshot.withPaused(true, null))).as("the snapshot is of another job").isFalse();
        StoredJob read = store.get("a").orElseThrow();
        assertThat(read.task()).isEqualTo("new-task");
        assertThat(read.paused()).isFalse();
    }
}
