package dev.chime.store.memory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chime.ExecutionState;
import dev.chime.spi.Claim;
import dev.chime.spi.ClaimEnd;
import dev.chime.spi.NodeStatus;
import dev.chime.spi.RunEnd;
import dev.chime.spi.RunStart;
import dev.chime.spi.RunTicket;
import dev.chime.spi.ScheduleChange;
import dev.chime.spi.StoredJob;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The memory store is one node: itself, with the runs started and not ended. */
class MemoryClusterViewTest {

    @Test
    void showsOneNodeWithTheRunsItHoldsUntilTheyEnd() {
        MemoryJobStore store = new MemoryJobStore();
        Instant fire = Instant.parse("2026-01-01T00:00:00Z");
        store.add(new StoredJob("report", "report", "interval:PT1M", "{}", null, false, fire, null, null, 0));
        Claim claim = store.claim(fire, 10, null).get(0);
        RunTicket ticket = store.endClaims(List.of(ClaimEnd.start(claim,
                new RunStart("e1", fire, 1, 1, false, List.of(), null, null, fire.plusMillis(3)),
                ScheduleChange.release(fire.plusSeconds(60))))).get(0).ticket();

        NodeStatus node = store.nodes().get(0);
        assertThat(store.nodes()).hasSize(1);
        assertThat(node.self()).isTrue();
        assertThat(node.heartbeatAge()).isEqualTo(Duration.ZERO);
        assertThat(node.running()).containsExactly(new NodeStatus.Run("report", fire, fire.plusMillis(3)));

        assertThat(store.endRuns(List.of(new RunEnd(ticket, ExecutionState.SUCCEEDED, fire.plusSeconds(1), null, null, null,
                null, null, null, null))).toCompletableFuture().join().get(0).recorded()).isTrue();
        assertThat(store.nodes().get(0).running()).isEmpty();
    }
}
