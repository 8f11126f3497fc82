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
 * @param claim        the claim the run is begun under, when the engine keeps it through the run
 *                     (fixed-delay triggers): a store shared by several nodes records the run only
 *                     while that claim is still held, checked in the same write, since a node paused
 *                     past its lease may have lost it to another node that runs the firing too;
 *                     null for a run outside the schedule or whose claim already ended
 */
public record RunRequest(String jobId, Instant fireTime, int maxInstances, boolean recoverable, StoredJob snapshot,
                         Firing claim) {

    public RunRequest {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(fireTime, "fireTime");
        if (maxInstances < 1) {
            throw new IllegalArgumentException("maxInstances must be at least 1, was " + maxInstances);
        }
    }

    /** A run that holds no claim (its claim ended at dispatch, or a run outside the schedule). */
    public RunRequest(String jobId, Instant fireTime, int maxInstances, boolean recoverable, StoredJob snapshot) {
        this(jobId, fireTime, maxInstances, recoverable, snapshot, null);
    }
}
