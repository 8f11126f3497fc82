package dev.chime.store.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chime.HistoryQuery;
import dev.chime.Outcome;
import dev.chime.RunRecord;
import dev.chime.spi.HistoryContract;
import dev.chime.spi.JobStore;
import dev.chime.spi.RunEnd;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class MemoryJobStoreHistoryTest extends HistoryContract {

    @Override
    protected JobStore createStore() {
        return new MemoryJobStore();
    }

    private static RunEnd end(int i) {
        return new RunEnd(new RunRecord(0, "a", "task-a", T0, 1, "node-a", T0, T0.plusSeconds(i), Duration.ZERO,
                Outcome.SUCCESS, null, null), true);
    }

    @Test
    void theHistoryKeepsItsCapacityOfTheLatestRunsWhateverTheRetention() {
        MemoryJobStore small = new MemoryJobStore(3);
        for (int i = 0; i < 5; i++) {
            small.recordOutcome(end(i));
        }
        assertThat(small.history(HistoryQuery.all()).runs()).extracting(r -> r.finishedAt().getEpochSecond() - T0.getEpochSecond())
                .containsExactly(4L, 3L, 2L);
        assertThat(small.history(HistoryQuery.all()).runs()).extracting(RunRecord::id).containsExactly(5L, 4L, 3L);
    }

    @Test
    void aPrunedSlotIsTakenByTheNextRun() {
        MemoryJobStore small = new MemoryJobStore(2);
        small.recordOutcome(end(0));
        small.recordOutcome(end(1));
        assertThat(small.pruneHistory(T0.plusSeconds(1), 10, 10)).isEqualTo(1);
        small.recordOutcome(end(2));
        assertThat(small.history(HistoryQuery.all()).runs()).extracting(RunRecord::id).containsExactly(3L, 2L);
    }

    @Test
    void aSlotFreedByPruningIsTakenBeforeALiveRunIsDropped() {
        // The newest-appended run finished first: pruning by age frees its slot, not the oldest one's.
        MemoryJobStore small = new MemoryJobStore(2);
        small.recordOutcome(end(5));
        small.recordOutcome(end(0));
        assertThat(small.pruneHistory(T0.plusSeconds(1), 10, 10)).isEqualTo(1);
        small.recordOutcome(end(6));
        assertThat(small.history(HistoryQuery.all()).runs()).as("two runs fit, and only one was pruned")
                .extracting(RunRecord::id).containsExactly(3L, 1L);
    }

    @Test
    void aBusyJobPrunedToItsCountLeavesRoomForAQuietJobsRuns() {
        MemoryJobStore small = new MemoryJobStore(4);
        small.recordOutcome(new RunEnd(new RunRecord(0, "quiet", "t", T0, 1, "n", T0, T0, Duration.ZERO, Outcome.SUCCESS,
                null, null), true));
        for (int round = 0; round < 5; round++) {
            for (int i = 0; i < 2; i++) {
                small.recordOutcome(end(round * 10 + i + 1));
            }
            small.pruneHistory(T0.minusSeconds(1), 1, 100);
        }
        assertThat(small.history(HistoryQuery.forJob("quiet")).runs()).as("the busy job keeps 1, the quiet 1: 2 of 4 slots")
                .hasSize(1);
    }

    @Test
    void aCapacityBelowOneIsRefused() {
        assertThatThrownBy(() -> new MemoryJobStore(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("history capacity: 0");
    }
}
