package dev.chime.spi;

import dev.chime.LastRun;
import java.time.Instant;
import java.util.Objects;

/**
 * What the engine decided about one claim, for {@link JobStore#endClaims}: the only way a claim
 * ends. In one write, fenced by the claim's {@link Claim#version()}, the store
 * <ol>
 *   <li>starts the run, if {@link #start()} is set (for a job, only while it runs fewer than its
 *       max instances across every node; else nothing is written and the claim stays held:
 *       {@link ClaimResult.Status#AT_MAX_INSTANCES});</li>
 *   <li>changes the job's schedule as {@link #schedule()} says, when the claim holds the job's
 *       claim ({@link Claim#holdsJobClaim()});</li>
 *   <li>for a claimed execution that does not start: puts it back to wait until
 *       {@link #waitUntil()}, or ends it as failed with {@link #failure()};</li>
 *   <li>records {@link #lastRun()} as the job's latest outcome (a missed fire time), if set.</li>
 * </ol>
 *
 * @param claim     the claim
 * @param start     the run to start, or null
 * @param schedule  what becomes of the job: required exactly when the claim holds the job's claim
 * @param waitUntil a {@link Claim.Due} or {@link Claim.Recovery} that does not start goes back to
 *                  waiting until then (no free slot; a retry waits, an enqueued task is never
 *                  reported missed); null otherwise
 * @param failure   a {@code Due} or {@code Recovery} that does not start and never will (a recovery
 *                  of a job that is not recoverable, a job that is gone or unreadable) ends FAILED
 *                  with this error; null otherwise
 * @param lastRun   the job's latest outcome to record, or null
 * @param decidedAt when the engine decided, by its clock: the end time of an execution failed here
 */
public record ClaimEnd(Claim claim, RunStart start, ScheduleChange schedule, Instant waitUntil, String failure,
                       LastRun lastRun, Instant decidedAt) {

    public ClaimEnd {
        Objects.requireNonNull(claim, "claim");
        Objects.requireNonNull(decidedAt, "decidedAt");
        if (claim.holdsJobClaim() != (schedule != null)) {
            throw new IllegalArgumentException("ending the claim of " + describe(claim) + ": a schedule change is "
                    + (schedule == null ? "required, since it holds its job's claim" : "not allowed, since it holds no job claim"));
        }
        if (schedule != null && schedule.kind() == ScheduleChange.Kind.KEEP_WITH_EXECUTION && start == null && waitUntil == null) {
            throw new IllegalArgumentException("ending the claim of " + describe(claim)
                    + ": only a run that starts or an execution that waits can keep the job's claim");
        }
        int outcomes = (start != null ? 1 : 0) + (waitUntil != null ? 1 : 0) + (failure != null ? 1 : 0);
        if (claim instanceof Claim.FireTime) {
            if (waitUntil != null || failure != null) {
                throw new IllegalArgumentException("ending the claim of " + describe(claim)
                        + ": a fire time has no execution to put back or fail");
            }
        } else if (outcomes != 1) {
            throw new IllegalArgumentException("ending the claim of " + describe(claim)
                    + ": give exactly one of start, waitUntil and failure");
        }
        if (start != null && !(claim instanceof Claim.FireTime)) {
            String claimed = ((Claim.OfExecution) claim).execution().id();
            if (!start.executionId().equals(claimed)) {
                throw new IllegalArgumentException("ending the claim of " + describe(claim) + ": the run must be of execution '"
                        + claimed + "', not '" + start.executionId() + "'");
            }
        }
    }

    /** Starts a run; the job's claim (if held) changes as {@code schedule} says. */
    public static ClaimEnd start(Claim claim, RunStart start, ScheduleChange schedule) {
        return new ClaimEnd(claim, Objects.requireNonNull(start, "start"), schedule, null, null, null, start.startedAt());
    }

    /** Starts nothing: the job's claim changes as {@code schedule} says, and {@code lastRun} (may be null) is recorded. */
    public static ClaimEnd noRun(Claim.FireTime claim, ScheduleChange schedule, LastRun lastRun, Instant now) {
        return new ClaimEnd(claim, null, schedule, null, null, lastRun, now);
    }

    /** A claimed execution that does not start now goes back to waiting until {@code at}. */
    public static ClaimEnd waitUntil(Claim claim, Instant at, ScheduleChange schedule, Instant now) {
        return new ClaimEnd(claim, null, schedule, Objects.requireNonNull(at, "at"), null, null, now);
    }

    /** A claimed execution ends FAILED without running, with this error. */
    public static ClaimEnd fail(Claim claim, String failure, ScheduleChange schedule, LastRun lastRun, Instant now) {
        return new ClaimEnd(claim, null, schedule, null, Objects.requireNonNull(failure, "failure"), lastRun, now);
    }

    private static String describe(Claim claim) {
        return (claim.jobId() == null ? "task '" + claim.task() + "'" : "job '" + claim.jobId() + "'") + " at " + claim.fireTime();
    }
}
