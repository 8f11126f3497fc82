package dev.chime.internal;

import dev.chime.JobEvent;
import dev.chime.JobOptions;
import dev.chime.spi.RunRequest;
import dev.chime.spi.RunTicket;
import dev.chime.spi.StoredJob;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a firing may run: max concurrent instances, first on this node (an instance slot in
 * {@link RunTracker}), then across the cluster (the store's run record). A firing that may not is
 * reported {@link JobEvent.Skipped} and its firing is over.
 */
final class Admission {

    private static final Logger LOG = LoggerFactory.getLogger(Admission.class);

    private final EngineContext ctx;
    private final RunCompletion completion;
    private final ScheduleKeeper keeper;

    Admission(EngineContext ctx, RunCompletion completion, ScheduleKeeper keeper) {
        this.ctx = ctx;
        this.completion = completion;
        this.keeper = keeper;
    }

    /**
     * Takes an instance slot for a firing and has the store record its run, or reports it skipped
     * and returns null. The dispatcher calls this while it still holds the job's claim, so that a
     * crash leaves either the claim or the run record behind, never neither.
     */
    ActiveFiring begin(ActiveFiring firing) {
        if (!acquire(firing)) {
            return null;
        }
        ActiveFiring begun;
        try {
            begun = firing.ticket() == null ? record(firing) : firing;
        } catch (RuntimeException e) {
            notRecorded(firing, e);
            return null;
        }
        if (begun == null) {
            if (claimLost(firing)) {
                // As at dispatch: the change that won the claim decides (another node that took
                // this one over runs the fire time), so it is neither run nor reported here.
                LOG.warn("job '{}': its claim of {} was lost before its run began; it does not run here", firing.jobId(),
                        firing.fireTime());
                ctx.tracker().releaseInstance(firing.jobId());
            } else {
                refusedByStore(firing);
            }
        }
        return begun;
    }

    /** After the store refused a run begun under a kept claim: whether the claim is gone rather than the job at max instances. */
    private boolean claimLost(ActiveFiring firing) {
        dev.chime.spi.Firing claim = firing.claimToRelease();
        if (claim == null) {
            return false;
        }
        try {
            return ctx.store().get(firing.jobId())
                    .map(now -> now.version() != claim.job().version() || now.claimedFireTime() == null)
                    .orElse(true);
        } catch (RuntimeException e) {
            LOG.debug("job '{}': could not read it back after its run was refused", firing.jobId(), e);
            return false;
        }
    }

    /**
     * Takes one of this node's instance slots for the job, or reports the firing skipped and
     * returns false. The first half of {@link #begin}, for the dispatcher's batches.
     */
    boolean acquire(ActiveFiring firing) {
        int max = firing.definition().options().maxInstances();
        if (ctx.tracker().tryAcquireInstance(firing.jobId(), max)) {
            return true;
        }
        skipped(firing, ctx.tracker().activeInstances(firing.jobId()), max);
        return false;
    }

    /** What the store needs to record the run of an {@link #acquire acquired} firing. */
    RunRequest runRequest(ActiveFiring firing) {
        JobOptions options = firing.definition().options();
        // The run keeps a snapshot of a job that left the store whenever a node that takes it over
        // needs to rebuild it: to run it again (recoverable), to run a retry stored with the run
        // (JobStore.deferRun), or to report an enqueued task missed with its data and options
        // (its only history entry).
        StoredJob snapshot = firing.removed()
                && (options.recoverable() || options.retry().maxRetries() > 0 || firing.definition().enqueued())
                ? ctx.codec().encode(firing.definition(), null) : null;
        return new RunRequest(firing.jobId(), firing.fireTime(), options.maxInstances(), options.recoverable(), snapshot,
                firing.claimToRelease(), firing.queued());
    }

    /** The store gave no ticket: the job runs max instances elsewhere in the cluster. */
    void refusedByStore(ActiveFiring firing) {
        int max = firing.definition().options().maxInstances();
        ctx.tracker().releaseInstance(firing.jobId());
        skipped(firing, max, max);
    }

    /** Gives back the slot of an {@link #acquire acquired} firing that will not run after all. */
    void abandon(ActiveFiring firing) {
        ctx.tracker().releaseInstance(firing.jobId());
    }

    /** Tells the store the firing runs; null when the cluster already runs max instances of the job. */
    private ActiveFiring record(ActiveFiring firing) {
        RunTicket ticket = ctx.store().beginRun(runRequest(firing));
        return ticket == null ? null : firing.withTicket(ticket);
    }

    /**
     * The store could not record the run: it does not run. A run without the store's record
     * would run outside what the cluster checks (max instances, the claim, the fencing token), and
     * another node may run the same fire time. Its fire times are reported missed and the
     * schedule moves on, as for a run whose store cannot vouch for it before its body.
     */
    private void notRecorded(ActiveFiring firing, RuntimeException e) {
        ctx.tracker().releaseInstance(firing.jobId());
        Instant now = ctx.clock().instant();
        LOG.error("job '{}': could not record the start of its fire time {}; it does not run and is reported missed",
                firing.jobId(), firing.fireTime(), e);
        for (Instant fireTime : firing.allFireTimes()) {
            ctx.bus().publish(new JobEvent.Missed(firing.jobId(), firing.definition().task(), fireTime, now));
        }
        try {
            completion.completeNow(firing, RunRecords.missed(ctx, firing, now));
        } catch (RuntimeException outcome) {
            LOG.warn("job '{}': could not record the missed outcome of {} either", firing.jobId(), firing.fireTime(), outcome);
        }
        keeper.firingOver(firing, now);
    }

    private void skipped(ActiveFiring firing, int running, int max) {
        Instant now = ctx.clock().instant();
        for (Instant fireTime : firing.allFireTimes()) {
            LOG.warn("job '{}' skipped its fire time {}: {} instance(s) already running (max {})", firing.jobId(),
                    fireTime, running, max);
            ctx.bus().publish(new JobEvent.Skipped(firing.jobId(), firing.definition().task(), fireTime, running, now));
        }
        completion.completeNow(firing, null);
        keeper.firingOver(firing, now);
    }

}
