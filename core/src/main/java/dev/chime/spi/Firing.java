package dev.chime.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * A due fire time handed out by {@link JobStore#claimDue}. Until it is
 * {@linkplain JobStore#release released} no other claim returns this job.
 *
 * @param job      the job as it was claimed (its {@code version} is the claim's fencing token)
 * @param fireTime the scheduled fire time that was claimed
 * @param recovery true when the firing was in flight on a node that died and is handed out again
 */
public record Firing(StoredJob job, Instant fireTime, boolean recovery) {

    public Firing {
        Objects.requireNonNull(job, "job");
        Objects.requireNonNull(fireTime, "fireTime");
    }

    public Firing(StoredJob job, Instant fireTime) {
        this(job, fireTime, false);
    }

    public String jobId() {
        return job.id();
    }
}
