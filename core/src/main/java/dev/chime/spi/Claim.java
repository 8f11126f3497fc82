package dev.chime.spi;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What {@link JobStore#claim} hands out: work that is now this node's alone until it ends the claim
 * with {@link JobStore#endClaims}. Three kinds, and nothing else:
 * <ul>
 *   <li>{@link FireTime}: a job's due fire time, taken out of the schedule;</li>
 *   <li>{@link Due}: an execution whose time has come: an enqueued task, a run-now, or a failed
 *       attempt's retry;</li>
 *   <li>{@link Recovery}: an execution that was running on a node that died (clustered stores).</li>
 * </ul>
 * Each carries the {@link #version()} it was claimed at; ending the claim succeeds only while the
 * claimed row (the job for a {@code FireTime}, the execution otherwise) still has it, so a change
 * made meanwhile (a reschedule, a remove, a cancel, another node's takeover) wins.
 */
public sealed interface Claim permits Claim.FireTime, Claim.OfExecution {

    /** The fire time the work stands for. */
    Instant fireTime();

    String task();

    /** The job; null for an enqueued task. */
    String jobId();

    /** The claimed row's version at the claim: the claim's fence. */
    long version();

    /**
     * The job as claimed, when this claim holds the job's claim too (its {@code claimedFireTime} is
     * set): then ending the claim must say what becomes of the job's schedule
     * ({@link ClaimEnd#schedule()}). Null when the claim holds no job claim.
     */
    StoredJob heldJob();

    /** The job's claim held by this claim, if any: see {@link #heldJob()}. */
    default boolean holdsJobClaim() {
        return heldJob() != null;
    }

    /**
     * A job's due fire time: the store took the job out of the schedule ({@code claimedFireTime}
     * set, {@code nextFireTime} cleared, {@code version} bumped) so no other claim returns it.
     *
     * @param job      the job as claimed; its version is the claim's fence
     * @param fireTime the claimed fire time
     */
    record FireTime(StoredJob job, Instant fireTime) implements Claim {
        public FireTime {
            Objects.requireNonNull(job, "job");
            Objects.requireNonNull(fireTime, "fireTime");
        }

        @Override
        public String task() {
            return job.task();
        }

        @Override
        public String jobId() {
            return job.id();
        }

        @Override
        public long version() {
            return job.version();
        }

        @Override
        public StoredJob heldJob() {
            return job;
        }
    }

    /**
     * A claim of an execution ({@link Due} or {@link Recovery}): its fence is the execution's
     * version, and it holds its job's claim when the execution does ({@link StoredExecution#holdsJobClaim()}).
     */
    sealed interface OfExecution extends Claim permits Due, Recovery {

        /** The execution as claimed. */
        StoredExecution execution();

        /** Its job as the store holds it now; null for a task, or when the job is gone. */
        StoredJob job();

        @Override
        default Instant fireTime() {
            return execution().fireTime();
        }

        @Override
        default String task() {
            return execution().task();
        }

        @Override
        default String jobId() {
            return execution().jobId();
        }

        @Override
        default long version() {
            return execution().version();
        }

        @Override
        default StoredJob heldJob() {
            StoredJob job = job();
            return execution().holdsJobClaim() && job != null && job.claimedFireTime() != null ? job : null;
        }
    }

    /**
     * An execution whose due time came ({@code SCHEDULED} or {@code WAITING_FOR_RETRY}). The store
     * marked it claimed (version bumped; it stays in its state, so a cancel still finds it waiting
     * and wins over the claim).
     *
     * @param execution the execution as claimed; its version is the claim's fence
     * @param job       its job as the store holds it now (for the task, data and options an
     *                  execution without a snapshot runs with); null for a task, or when the job is
     *                  gone. A retry of a fixed-delay run holds its job's claim
     *                  ({@link StoredExecution#holdsJobClaim()}): then the run's end moves the job on.
     */
    record Due(StoredExecution execution, StoredJob job) implements OfExecution {
        public Due {
            Objects.requireNonNull(execution, "execution");
        }
    }

    /**
     * An execution that was running on a node that died, taken over: it still counts as one of its
     * job's running instances (a recovery is never refused at max instances), and the engine either
     * runs it again (recoverable) or ends it. Its fire time is the original one.
     *
     * @param execution the execution as taken over (RUNNING, its dead node's)
     * @param job       its job now, or null (a task, or the job is gone). When the execution holds
     *                  its job's claim (a fixed-delay job mid-run: {@link StoredExecution#holdsJobClaim()}),
     *                  ending this claim says what becomes of the job.
     * @param queued    the fire times of the dead node's batch it had not started, in order: the
     *                  engine runs them after this one in the same slot, or reports them missed
     */
    record Recovery(StoredExecution execution, StoredJob job, List<Instant> queued) implements OfExecution {
        public Recovery {
            Objects.requireNonNull(execution, "execution");
            queued = queued == null ? List.of() : List.copyOf(queued);
        }
    }
}
