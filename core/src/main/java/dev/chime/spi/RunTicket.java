package dev.chime.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * Proof that a store let a run start on this node: what {@link JobStore#endClaims} answers for a
 * started run, and what every later write about the run carries ({@link JobStore#endRuns},
 * {@link JobStore#holdsRun}). The store fences with it: once another node took the run over, the
 * ticket no longer ends it, and the stale node's outcome is not recorded.
 *
 * @param executionId  the execution the run is an attempt of
 * @param jobId        the job; null for an enqueued task
 * @param task         the task name
 * @param fireTime     the scheduled fire time the run stands for now
 * @param attempt      the attempt number, 1 for the first
 * @param fencingToken higher than that of every run of the same job handed out before it (a
 *                     recovery's is higher than the run it replaces; each queued fire time of a
 *                     run gets its own; for a task, higher than its execution's earlier runs), so
 *                     that a resource the job writes to can reject a stale writer; at least 1
 */
public record RunTicket(String executionId, String jobId, String task, Instant fireTime, int attempt, long fencingToken) {

    public RunTicket {
        Objects.requireNonNull(executionId, "executionId");
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(fireTime, "fireTime");
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt must be at least 1, was " + attempt);
        }
        if (fencingToken < 1) {
            throw new IllegalArgumentException("fencingToken must be at least 1, was " + fencingToken);
        }
    }
}
