package dev.chime.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * A firing about to run, as the engine tells a store with {@link JobStore#beginRun}.
 *
 * @param jobId        the job
 * @param fireTime     the scheduled fire time the run stands for
 * @param maxInstances the job's max concurrent instances, to hold across every node sharing the store
 * @param recoverable  whether the firing runs again if its node dies mid-run
 * @param snapshot     the job as it was claimed when it already left the store (its trigger is
 *                     exhausted), so a recovery can rebuild it; null otherwise
 */
public record RunRequest(String jobId, Instant fireTime, int maxInstances, boolean recoverable, StoredJob snapshot) {

    public RunRequest {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(fireTime, "fireTime");
        if (maxInstances < 1) {
            throw new IllegalArgumentException("maxInstances must be at least 1, was " + maxInstances);
        }
    }
}
