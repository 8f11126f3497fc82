package dev.chime.spi;

import java.util.Objects;

/**
 * What became of a {@link ClaimEnd}.
 *
 * @param status what happened
 * @param ticket the started run's ticket: set exactly when the status is {@link Status#ENDED} and a
 *               run was asked for
 */
public record ClaimResult(Status status, RunTicket ticket) {

    public enum Status {
        /** Carried out as asked: the claim ended (or, for {@code KEEP_WITH_EXECUTION}, passed to the run). */
        ENDED,
        /**
         * The claim was no longer held (a reschedule, a remove, a cancel, another node's takeover):
         * nothing was written, the change that won decides, and the engine does not run the work.
         */
        LOST,
        /**
         * The job already runs its max instances across the cluster: nothing was written and the
         * claim is still held. The engine reports the fire time skipped (or, for an execution,
         * decides when it waits until) and then ends the claim again without a run, so that a node
         * dying in between leaves a claim for its taker, never a fire time gone unreported.
         */
        AT_MAX_INSTANCES
    }

    public ClaimResult {
        Objects.requireNonNull(status, "status");
        if (ticket != null && status != Status.ENDED) {
            throw new IllegalArgumentException("a " + status + " claim has no ticket");
        }
    }

    public static final ClaimResult LOST = new ClaimResult(Status.LOST, null);
    public static final ClaimResult AT_MAX_INSTANCES = new ClaimResult(Status.AT_MAX_INSTANCES, null);

    public static ClaimResult ended(RunTicket ticket) {
        return new ClaimResult(Status.ENDED, ticket);
    }
}
