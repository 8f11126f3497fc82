package dev.chime.internal;

import dev.chime.JobEvent;
import dev.chime.RunRecord;
import dev.chime.spi.RunEnd;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The end of a firing, step 4 of its story: its outcome goes to the store with the end of its run
 * record, then its instance slot is freed and its schedule moves on ({@link ScheduleKeeper}).
 * Every step is guarded, so that a store or trigger that throws here still frees the slot: a
 * firing that cannot end would hold its job at max instances for ever.
 */
final class RunCompletion {

    private static final Logger LOG = LoggerFactory.getLogger(RunCompletion.class);

    private final EngineContext ctx;
    private final ScheduleKeeper keeper;

    RunCompletion(EngineContext ctx, ScheduleKeeper keeper) {
        this.ctx = ctx;
        this.keeper = keeper;
    }

    /**
     * Ends the firing of {@code attempt}, once (later calls do nothing). The attempt stays in flight
     * (for the in-flight limit, shutdown and the test clock) and the slot taken until the store
     * has answered; the worker thread does not wait for that write.
     *
     * @param lastRun the outcome to record, or null for none
     */
    void end(Attempt attempt, RunRecord lastRun) {
        if (attempt.handOn()) {
            endHandedOn(attempt, lastRun);
        }
    }

    /** {@link #end} for a caller that already won {@link Attempt#handOn()}. */
    void endHandedOn(Attempt attempt, RunRecord lastRun) {
        ActiveFiring firing = attempt.firing();
        if (firing.ticket() == null) {
            recordWithoutRun(firing, runEnd(firing, lastRun, false));
            over(firing, lastRun);
            abandoned(firing);
            return;
        }
        attempt.holdForStoreWrite();
        completeAsync(firing, lastRun, false).whenComplete((ended, failure) -> {
            try {
                if (Boolean.TRUE.equals(ended)) {
                    abandoned(firing);
                }
                over(firing, lastRun);
            } finally {
                if (attempt.letGo()) {
                    ctx.tracker().finished(attempt);
                }
            }
        });
    }

    /**
     * Ends a firing that produced no outcome (not run after all, or dropped at shutdown), without
     * waiting for the store; a claim it kept moves on from now. The stage completes when the
     * store's part is done.
     */
    void endQuietly(ActiveFiring firing) {
        endQuietly(firing, false);
    }

    /**
     * {@link #endQuietly(ActiveFiring)}, for a firing whose own fire time never started either
     * ({@code unstarted}: its first attempt was refused, say by an executor shutting down): that
     * fire time is reported missed too, so that every fire time is accounted for.
     */
    CompletionStage<Void> endQuietly(ActiveFiring firing, boolean unstarted) {
        ctx.tracker().releaseInstance(firing.jobId());
        if (firing.ticket() == null) {
            recordWithoutRun(firing, runEnd(firing, null, unstarted));
            abandoned(firing, unstarted);
            moveOn(firing, ctx.clock().instant());
            return CompletableFuture.completedFuture(null);
        }
        return completeAsync(firing, null, unstarted).thenAccept(ended -> {
            if (ended) {
                abandoned(firing, unstarted);
            }
            moveOn(firing, ctx.clock().instant());
        });
    }

    /**
     * Ends a firing that holds no attempt (a retry taken out of its queue by a cancel) with
     * {@code run} as its outcome; its slot is freed and a claim it kept moves on once the store
     * has it.
     */
    CompletionStage<Void> endWith(ActiveFiring firing, RunRecord run) {
        if (firing.ticket() == null) {
            recordWithoutRun(firing, runEnd(firing, run, false));
            over(firing, run);
            abandoned(firing);
            return CompletableFuture.completedFuture(null);
        }
        return completeAsync(firing, run, false).thenAccept(ended -> {
            if (ended) {
                abandoned(firing);
            }
            over(firing, run);
        });
    }

    /**
     * The store said the run is another node's now (it took this node over): the slot is freed,
     * and the run's record and its fire times not yet started are the taker's, to run or report.
     * The caller won {@link Attempt#handOn()}.
     */
    void takenOver(Attempt attempt) {
        logTakenOver(attempt.firing());
        over(attempt.firing(), null);
    }

    /**
     * Queued fire times of a firing that ends before running them (shutdown, a store that failed
     * to move the run on, an attempt the engine could not carry out) are reported missed, so that
     * every fire time is accounted for. Called only once the run's end was recorded as this
     * node's: a run taken over leaves them to the taker.
     */
    private void abandoned(ActiveFiring firing) {
        abandoned(firing, false);
    }

    private void abandoned(ActiveFiring firing, boolean unstarted) {
        if (unstarted) {
            Instant now = ctx.clock().instant();
            LOG.warn("job '{}': its fire time {} did not start; it is reported missed", firing.jobId(), firing.fireTime());
            ctx.bus().publish(() -> new JobEvent.Missed(firing.jobId(), firing.definition().task(), firing.fireTime(), now));
        }
        if (firing.queued().isEmpty()) {
            return;
        }
        Instant now = ctx.clock().instant();
        LOG.warn("job '{}': its run ended at {} before its {} queued fire time(s) up to {}; they are reported missed",
                firing.jobId(), firing.fireTime(), firing.queued().size(), firing.queued().get(firing.queued().size() - 1));
        for (Instant fireTime : firing.queued()) {
            ctx.bus().publish(() -> new JobEvent.Missed(firing.jobId(), firing.definition().task(), fireTime, now));
        }
    }

    /** Ends the store's record of a run at once; false when another node took it over meanwhile. */
    boolean completeNow(ActiveFiring firing, RunRecord lastRun) {
        RunEnd end = runEnd(firing, lastRun, false);
        if (firing.ticket() == null) {
            if (end != null) {
                ctx.store().recordOutcome(end);
            }
            return true;
        }
        if (ctx.store().completeRun(firing.ticket(), end)) {
            return true;
        }
        logTakenOver(firing);
        return false;
    }

    /** The store's completion of the run, never throwing: a failure is logged and the stage completes anyway. */
    private CompletionStage<Boolean> completeAsync(ActiveFiring firing, RunRecord lastRun, boolean unstarted) {
        CompletionStage<Boolean> stage;
        try {
            stage = ctx.store().completeRunAsync(firing.ticket(), runEnd(firing, lastRun, unstarted));
        } catch (Throwable e) {
            stage = CompletableFuture.failedFuture(e);
        }
        return stage.handle((ended, failure) -> {
            if (failure != null) {
                LOG.error("job '{}': could not end the store's record of its run of {}", firing.jobId(), firing.fireTime(), failure);
            } else if (!ended) {
                logTakenOver(firing);
            }
            return failure == null && ended;
        });
    }

    /** The firing is over: its slot is free again and a claim it kept (fixed delay) moves on. */
    private void over(ActiveFiring firing, RunRecord lastRun) {
        ctx.tracker().releaseInstance(firing.jobId());
        moveOn(firing, lastRun == null ? ctx.clock().instant() : lastRun.finishedAt());
    }

    /**
     * A claim the firing kept through its run (fixed delay) moves on from {@code endedAt}; every
     * end of a firing comes here, or the job would stay claimed by this node for ever (a node that
     * stops does not put back a claim it holds).
     */
    private void moveOn(ActiveFiring firing, Instant endedAt) {
        try {
            keeper.firingOver(firing, endedAt);
        } catch (Throwable e) {
            LOG.error("job '{}': could not put it back after its firing of {}; the store returns it when the claim expires",
                    firing.jobId(), firing.fireTime(), e);
        }
    }

    /**
     * The store's part of a firing's end: its outcome's history entry, which becomes the job's
     * last outcome unless the job left the store at dispatch (a job added again under its id is
     * another job), and an entry for each fire time the firing ends without running (its own when
     * {@code unstarted}, its queued ones), which {@link #abandoned} reports missed once the end is
     * recorded. Null when there is nothing to record.
     */
    private RunEnd runEnd(ActiveFiring firing, RunRecord run, boolean unstarted) {
        if (run != null && !unstarted && firing.queued().isEmpty()) {
            return new RunEnd(run, !firing.removed());
        }
        Instant now = ctx.clock().instant();
        List<RunRecord> missed = new ArrayList<>(firing.queued().size() + 1);
        if (unstarted) {
            missed.add(RunRecords.missed(ctx, firing, now));
        }
        for (Instant fireTime : firing.queued()) {
            missed.add(RunRecords.missed(ctx, firing.definition(), fireTime, now));
        }
        if (run == null) {
            if (missed.isEmpty()) {
                return null;
            }
            run = missed.remove(0);
        }
        return new RunEnd(run, !firing.removed(), missed);
    }

    /** Records a firing's end with a store that holds no record of its run; a failure is logged. */
    private void recordWithoutRun(ActiveFiring firing, RunEnd end) {
        if (end == null) {
            return;
        }
        try {
            ctx.store().recordOutcome(end);
        } catch (Throwable e) {
            LOG.error("job '{}': could not record outcome {} of {}", firing.jobId(), end.run().outcome(), end.run().fireTime(), e);
        }
    }

    private static void logTakenOver(ActiveFiring firing) {
        LOG.warn("job '{}': its run of {} was taken over by another node while this one was presumed dead; "
                + "its outcome here is not recorded", firing.jobId(), firing.fireTime());
    }
}
