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
     * @param ticket     the run's ticket; null when no run was asked for, the job already has
     *                   max instances running across the cluster, or the claim did not end (a run
     *                   is recorded only for a claim still held: the engine starts none without it)
     * @param claimEnded true when the job was put back or removed; false when it was changed or
     *                   removed since the claim (the change wins, as with {@link JobStore#release})
     */
    public record Result(RunTicket ticket, boolean claimEnded) {
    }
}
