package dev.chime.spi;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One node as a {@link ClusterView} sees it. Immutable.
 *
 * @param nodeId       the node's id in the store
 * @param self         whether it is the node answering
 * @param heartbeatAge how long ago its last heartbeat was, measured on the store's clock (zero for
 *                     a store that lives in this process)
 * @param running      the runs the node holds now
 */
public record NodeStatus(String nodeId, boolean self, Duration heartbeatAge, List<Run> running) {

    public NodeStatus {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(heartbeatAge, "heartbeatAge");
        running = List.copyOf(running);
    }

    /**
     * A run a node holds.
     *
     * @param jobId     the job
     * @param fireTime  the scheduled fire time the run stands for
     * @param startedAt when the store recorded its start, or null when the store does not know
     */
    public record Run(String jobId, Instant fireTime, Instant startedAt) {
        public Run {
            Objects.requireNonNull(jobId, "jobId");
            Objects.requireNonNull(fireTime, "fireTime");
        }
    }
}
