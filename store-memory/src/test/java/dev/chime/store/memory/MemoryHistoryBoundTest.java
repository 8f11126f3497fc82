package dev.chime.store.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chime.ExecutionQuery;
import dev.chime.ExecutionState;
import dev.chime.spi.Claim;
import dev.chime.spi.ClaimEnd;
import dev.chime.spi.RunEnd;
import dev.chime.spi.RunStart;
import dev.chime.spi.RunTicket;
import dev.chime.spi.StoredExecution;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The memory store keeps a bounded number of ended executions, whatever the retention says: the oldest to end go first. */
class MemoryHistoryBoundTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private final MemoryJobStore store = new MemoryJobStore(3);

    private void runToTheEnd(String id, Instant at) {
        store.enqueue(List.of(StoredExecution.scheduled(id, null, "mail", null, null, at, true, at)));
        claimAndEnd(id, at, ExecutionState.SUCCEEDED);
    }

    private void claimAndEnd(String id, Instant at, ExecutionState state) {
        Claim claim = store.claim(at, 10, null).get(0);
        RunTicket ticket = store.endClaims(List.of(ClaimEnd.start(claim,
                new RunStart(id, at, 1, 1, true, List.of(), null, null, at), null))).get(0).ticket();
        store.endRuns(List.of(new RunEnd(ticket, state, at, state == ExecutionState.FAILED ? "boom" : null, null, null, null,
                null, null, null))).toCompletableFuture().join();
    }

    @Test
    void beyondItsBoundTheExecutionsThatEndedLongestAgoAreEvicted() {
        store.enqueue(List.of(StoredExecution.scheduled("waiting", null, "mail", null, null, T0.plusSeconds(3600), true, T0)));
        for (int i = 1; i <= 5; i++) {
            runToTheEnd("e" + i, T0.plusSeconds(i));
        }

        assertThat(store.executions(ExecutionQuery.newest())).extracting(StoredExecution::id)
                .as("three ended ones, and the waiting one, which is never evicted").containsExactly("e5", "e4", "e3", "waiting");
        assertThat(store.execution("e1")).isEmpty();
    }

    @Test
    void aRequeuedExecutionCountsFromItsNewEnd() {
        store.enqueue(List.of(StoredExecution.scheduled("a", null, "mail", null, null, T0.plusSeconds(1), true,
                T0.plusSeconds(1))));
        claimAndEnd("a", T0.plusSeconds(1), ExecutionState.FAILED);
        runToTheEnd("b", T0.plusSeconds(2));
        runToTheEnd("c", T0.plusSeconds(3));
        assertThat(store.requeue("a", T0.plusSeconds(4))).isTrue();
        claimAndEnd("a", T0.plusSeconds(4), ExecutionState.SUCCEEDED);
        runToTheEnd("d", T0.plusSeconds(5));

        // Ended in the order b, c, a (again), d: b went first.
        assertThat(store.executions(ExecutionQuery.newest())).extracting(StoredExecution::id).containsExactly("d", "c", "a");
    }

    @Test
    void theBoundMustBePositive() {
        assertThatThrownBy(() -> new MemoryJobStore(0)).hasMessage("maxEndedExecutions: 0 must be at least 1");
    }
}
