package dev.chime.spi;

import dev.chime.ExecutionState;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * An execution as a store keeps it: one row of the history, and for an execution that has not
 * ended, the work still to do. Plain text and instants; the store interprets only the fields the
 * protocol names ({@code state}, {@code dueAt}, {@code nodeId}, {@code version}, {@code jobId},
 * {@code task}, {@code createdAt}, {@code endedAt}). Immutable.
 *
 * @param id            unique; made by the engine (a UUID), so that a write retried after a lost
 *                      answer can find its own row
 * @param jobId         the job; null for an enqueued task
 * @param task          the task name (claims are task-aware by it)
 * @param dataJson      the data to run with: for a task or a run-now, and for a job's execution
 *                      whose job left the store (a snapshot taken when it left); null means "read
 *                      the job's"
 * @param optionsJson   the options to run with (retry, timeout, recoverable), under the same rule
 * @param fireTime      the scheduled fire time it stands for
 * @param state         where it stands
 * @param attempts      attempts started so far
 * @param dueAt         when it may be claimed: for {@code SCHEDULED} and {@code WAITING_FOR_RETRY};
 *                      null otherwise
 * @param nodeId        the node running it (RUNNING) or that ran it last; null before it ran
 * @param createdAt     when it was recorded; the history is ordered by (createdAt, id), newest first
 * @param startedAt     when its last attempt started, or null
 * @param endedAt       when it ended (ended states only), or null
 * @param error         the last failure's message, or null
 * @param stackTrace    the last failure's stack trace, or null
 * @param resultJson    the job's result, or null
 * @param fencingToken  the token of its current or last run, 0 before it ran
 * @param recoverable   whether a run of it cut short by its node's death runs again
 * @param queued        while RUNNING: the fire times of its job that run after it in the same
 *                      instance slot (a late claim without coalescing); a takeover hands them over
 *                      with the recovery. Empty otherwise
 * @param stopRequested whether {@code cancel} asked its running attempt to stop
 * @param holdsJobClaim whether it holds its job's claim: a fixed-delay run keeps it
 *                      ({@link ScheduleChange.Kind#KEEP_WITH_EXECUTION}) through its retries until
 *                      the execution ends, and a {@link Claim.Due} or {@link Claim.Recovery} of it
 *                      then carries the job
 * @param version       bumped by the store on every change; a claim of it ends only while unchanged
 */
public record StoredExecution(String id, String jobId, String task, String dataJson, String optionsJson, Instant fireTime,
                              ExecutionState state, int attempts, Instant dueAt, String nodeId, Instant createdAt,
                              Instant startedAt, Instant endedAt, String error, String stackTrace, String resultJson,
                              long fencingToken, boolean recoverable, List<Instant> queued, boolean stopRequested,
                              boolean holdsJobClaim, long version) {

    public StoredExecution {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(fireTime, "fireTime");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(createdAt, "createdAt");
        queued = queued == null ? List.of() : List.copyOf(queued);
        if ((state == ExecutionState.SCHEDULED || state == ExecutionState.WAITING_FOR_RETRY) && dueAt == null) {
            throw new IllegalArgumentException("execution '" + id + "': a " + state + " execution needs its dueAt");
        }
    }

    /**
     * A new execution waiting for its time, as {@link JobStore#enqueue} takes it: an enqueued task
     * ({@code jobId} null) or a run-now of a job.
     */
    public static StoredExecution scheduled(String id, String jobId, String task, String dataJson, String optionsJson,
                                            Instant dueAt, boolean recoverable, Instant createdAt) {
        return new StoredExecution(id, jobId, task, dataJson, optionsJson, dueAt, ExecutionState.SCHEDULED, 0, dueAt, null,
                createdAt, null, null, null, null, null, 0, recoverable, List.of(), false, false, 0);
    }

    /** True when it waits for its time (a new execution, or a retry) and no claim holds it. */
    public boolean isWaiting() {
        return state == ExecutionState.SCHEDULED || state == ExecutionState.WAITING_FOR_RETRY;
    }

    public StoredExecution withState(ExecutionState state, Instant dueAt) {
        return new StoredExecution(id, jobId, task, dataJson, optionsJson, fireTime, state, attempts, dueAt, nodeId, createdAt,
                startedAt, endedAt, error, stackTrace, resultJson, fencingToken, recoverable, queued, stopRequested, holdsJobClaim,
                version);
    }

    public StoredExecution withVersion(long version) {
        return new StoredExecution(id, jobId, task, dataJson, optionsJson, fireTime, state, attempts, dueAt, nodeId, createdAt,
                startedAt, endedAt, error, stackTrace, resultJson, fencingToken, recoverable, queued, stopRequested, holdsJobClaim,
                version);
    }
}
