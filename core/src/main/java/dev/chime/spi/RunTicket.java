package dev.chime.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * Proof that a store let a firing run; handed back to {@link JobStore#completeRun} when it is over.
 * A clustered store fences with it: once another node took the run over, the ticket no longer
 * completes, and the stale node's outcome is not recorded.
 *
 * @param jobId        the job
 * @param fireTime     the scheduled fire time the run stands for now (a run of several queued fire
 *                     times moves on with {@link JobStore#advanceRun}, which answers a new ticket)
 * @param runId        the store's id for the run; {@link #LOCAL} for stores that do not track runs
 * @param fencingToken the job's fencing token for this fire time of the run: higher than that of
 *                     every fire time of the job handed out before it (a recovery's is higher than
 *                     the run it replaces; each queued fire time of a run gets its own), so that a
 *                     resource the job writes to can reject a stale writer; 0 when the store hands
 *                     out no tokens
 */
public record RunTicket(String jobId, Instant fireTime, String runId, long fencingToken) {

    /** The run id of tickets from stores that keep no record of runs. */
    public static final String LOCAL = "local";

    public RunTicket {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(fireTime, "fireTime");
        Objects.requireNonNull(runId, "runId");
        if (fencingToken < 0) {
            throw new IllegalArgumentException("fencingToken must not be negative, was " + fencingToken);
        }
    }

    /** A ticket without a fencing token (0), for stores that hand out none. */
    public RunTicket(String jobId, Instant fireTime, String runId) {
        this(jobId, fireTime, runId, 0);
    }

    static RunTicket local(RunRequest request) {
        return new RunTicket(request.jobId(), request.fireTime(), LOCAL);
    }
}
