package dev.chime.spi;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A firing about to run, as the engine tells a store with {@link JobStore#beginRun}.
 *
 * <p>Without coalescing, a late claim may find several fire times due: they run one after the
 * other in one instance slot, as one run (as APScheduler runs a batch of run times in one
 * submission), so max instances counts the batch once. {@code queued} lists the fire times after
 * {@code fireTime}; the run moves on to each with {@link JobStore#advanceRun}, which hands out a
 * fresh fencing token for it. A store shared by a cluster keeps the list with the run, so that
 * whoever takes over a dead node's run also gets the fire times it had not started.
 *
 * @param jobId        the job
 * @param fireTime     the scheduled fire time the run stands for (the first of its batch)
 * @param maxInstances the job's max concurrent instances, to hold across every node sharing the store
 * @param recoverable  whether the firing runs again if its node dies mid-run
 * @param snapshot     the job as it was claimed when it already left the store (its trigger is
 *                     exhausted) and is recoverable or has retries, so a recovery (or a retry stored
 *                     with {@link JobStore#deferRun}) can rebuild it; null otherwise
 * @param claim        the claim the run is begun under, when the engine keeps it through the run
 *                     (fixed-delay triggers): a store shared by several nodes records the run only
 *                     while that claim is still held, checked in the same write, since a node paused
 *                     past its lease may have lost it to another node that runs the firing too;
 *                     null for a run outside the schedule or whose claim already ended
 * @param queued       the further fire times of the batch, in order, each after the last and after
 *                     {@code fireTime}; empty for a single fire time
 */
public record RunRequest(String jobId, Instant fireTime, int maxInstances, boolean recoverable, StoredJob snapshot,
                         Firing claim, List<Instant> queued) {

    public RunRequest {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(fireTime, "fireTime");
        if (maxInstances < 1) {
            throw new IllegalArgumentException("maxInstances must be at least 1, was " + maxInstances);
        }
        queued = queued == null ? List.of() : List.copyOf(queued);
        Instant last = fireTime;
        for (Instant t : queued) {
            if (!t.isAfter(last)) {
                throw new IllegalArgumentException("queued fire times must each be after the last: " + t + " follows " + last
                        + " in the run of job '" + jobId + "'");
            }
            last = t;
        }
    }

    /** A run of a single fire time that holds no claim (its claim ended at dispatch, or a run outside the schedule). */
    public RunRequest(String jobId, Instant fireTime, int maxInstances, boolean recoverable, StoredJob snapshot) {
        this(jobId, fireTime, maxInstances, recoverable, snapshot, null, List.of());
    }

    /** A run of a single fire time begun under a claim the engine keeps through the run. */
    public RunRequest(String jobId, Instant fireTime, int maxInstances, boolean recoverable, StoredJob snapshot,
                      Firing claim) {
        this(jobId, fireTime, maxInstances, recoverable, snapshot, claim, List.of());
    }

    /** A run of several queued fire times that holds no claim. */
    public RunRequest(String jobId, Instant fireTime, int maxInstances, boolean recoverable, StoredJob snapshot,
                      List<Instant> queued) {
        this(jobId, fireTime, maxInstances, recoverable, snapshot, null, queued);
    }
}
