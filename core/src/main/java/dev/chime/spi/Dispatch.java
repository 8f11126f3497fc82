package dev.chime.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * What the engine decided about one claimed firing, for {@link JobStore#dispatch}: begin a run of
 * it (or not), then end the claim by putting the job back at its next fire time or, when its
 * trigger is exhausted, removing it.
 *
 * @param firing       the claimed firing
 * @param run          the run to begin, as for {@link JobStore#beginRun}; null when nothing runs
 *                     (every due fire time was missed, or this node is at max instances)
 * @param nextFireTime where to put the job back; null to remove it (as {@link JobStore#removeClaimed})
 */
public record Dispatch(Firing firing, RunRequest run, Instant nextFireTime) {

    public Dispatch {
        Objects.requireNonNull(firing, "firing");
    }

    /** Whether the job leaves the store with this dispatch. */
    public boolean removesJob() {
        return nextFireTime == null;
    }

    /**
     * What became of a {@link Dispatch}.
     *
     * <p>The engine starts the run only when {@code claimEnded} is true and a ticket exists; a
     * store never answers a ticket for a claim it could not end (see {@link JobStore#dispatch}).
     *
     * @param ticket     the run's ticket; null when no run was asked for, the job already has
     *                   max instances running across the cluster, or the claim was lost
     * @param claimEnded true when the job was put back or removed by this dispatch; false when it
     *                   was changed, removed or taken over since the claim (the change wins, as
     *                   with {@link JobStore#release}), and then no run was recorded
     * @param refusedClaimKept true when the run was refused because the job already runs max
     *                   instances across the cluster, and the store kept the claim instead of
     *                   ending it: the engine reports the firing skipped and only then puts the job
     *                   back ({@link JobStore#release}), so that a node dying in between leaves a
     *                   claim for its taker to decide again, never a fire time that vanished
     *                   without its report. {@code claimEnded} is then false and there is no ticket.
     */
    public record Result(RunTicket ticket, boolean claimEnded, boolean refusedClaimKept) {

        /** A result whose claim was ended (or lost), as most stores answer. */
        public Result(RunTicket ticket, boolean claimEnded) {
            this(ticket, claimEnded, false);
        }
    }
}
