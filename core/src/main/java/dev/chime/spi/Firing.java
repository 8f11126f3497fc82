package dev.chime.spi;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A due fire time handed out by {@link JobStore#claimDue}. Until it is
 * {@linkplain JobStore#release released} no other claim returns this job.
 *
 * @param job      the job as it was claimed (its {@code version} is the claim's fencing token)
 * @param fireTime the scheduled fire time that was claimed
 * @param recovery true when the firing was in flight on a node that died and is handed out again
 * @param ticket   for a recovery firing, the run this node took over (to complete when the
 *                 firing is over); null otherwise
 * @param queued   for a recovery firing, the fire times of the dead node's batch that it had not
 *                 started yet ({@link RunRequest#queued()} after {@code fireTime}), in order: the
 *                 engine runs them after {@code fireTime} in the same run (moving on with
 *                 {@link JobStore#advanceRun}), or reports them missed; empty otherwise
 * @param attemptsMade for a recovery firing whose run was waiting for a retry on the dead node
 *                 ({@link JobStore#deferRun}), the attempts it had made; 0 otherwise
 * @param retryAt  for such a firing, when attempt {@code attemptsMade + 1} is due: the engine
 *                 runs that attempt then (whether or not the job is recoverable, as the failed
 *                 attempt had finished), numbering on from {@code attemptsMade}, as an attempt
 *                 that runs for the first time (not a re-run: {@code JobContext.isRecovery()} is
 *                 false); null otherwise
 *
 * <p>A recovery firing carries its job's claim only when the dead node still held it (a
 * fixed-delay job mid-run): then {@code job.claimedFireTime()} equals {@code fireTime} and the job
 * is released as after any firing. Otherwise {@code job.claimedFireTime()} is null and the job's
 * schedule is none of this firing's business.
 */
public record Firing(StoredJob job, Instant fireTime, boolean recovery, RunTicket ticket, List<Instant> queued,
                     int attemptsMade, Instant retryAt) {

    public Firing {
        Objects.requireNonNull(job, "job");
        Objects.requireNonNull(fireTime, "fireTime");
        queued = queued == null ? List.of() : List.copyOf(queued);
        if (attemptsMade < 0) {
            throw new IllegalArgumentException("attemptsMade must not be negative, was " + attemptsMade);
        }
        if ((retryAt == null) != (attemptsMade == 0)) {
            throw new IllegalArgumentException("a firing's retryAt and attemptsMade come together (a deferred retry) or not "
                    + "at all; was attemptsMade " + attemptsMade + ", retryAt " + retryAt);
        }
        if (retryAt != null && !recovery) {
            throw new IllegalArgumentException("only a recovery firing carries a deferred retry (retryAt " + retryAt + ")");
        }
    }

    public Firing(StoredJob job, Instant fireTime, boolean recovery, RunTicket ticket, List<Instant> queued) {
        this(job, fireTime, recovery, ticket, queued, 0, null);
    }

    public Firing(StoredJob job, Instant fireTime, boolean recovery, RunTicket ticket) {
        this(job, fireTime, recovery, ticket, List.of());
    }

    public Firing(StoredJob job, Instant fireTime) {
        this(job, fireTime, false, null);
    }

    public Firing(StoredJob job, Instant fireTime, boolean recovery) {
        this(job, fireTime, recovery, null);
    }

    /** True when this firing holds its job's claim and must release it (see the class comment). */
    public boolean holdsClaim() {
        return !recovery || fireTime.equals(job.claimedFireTime());
    }

    public String jobId() {
        return job.id();
    }
}
