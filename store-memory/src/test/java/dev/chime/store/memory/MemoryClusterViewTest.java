package dev.chime.store.memory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chime.spi.NodeStatus;
import dev.chime.spi.RunRequest;
import dev.chime.spi.RunTicket;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The memory store is one node: itself, with the runs begun and not completed. */
class MemoryClusterViewTest {

    @Test
    void showsOneNodeWithTheRunsItHoldsUntilTheyComplete() {
        MemoryJobStore store = new MemoryJobStore();
        Instant fire = Instant.parse("2026-01-01T00:00:00Z");
        RunTicket ticket = store.beginRun(new RunRequest("report", fire, 1, false, null));

        NodeStatus node = store.nodes().get(0);
        assertThat(store.nodes()).hasSize(1);
        assertThat(node.self()).isTrue();
        assertThat(node.heartbeatAge()).isEqualTo(Duration.ZERO);
        assertThat(node.running()).containsExactly(new NodeStatus.Run("report", fire, null));

        assertThat(store.completeRun(ticket, null)).isTrue();
        assertThat(store.nodes().get(0).running()).isEmpty();
    }
}
