package dev.chime.internal;

import dev.chime.JobEvent;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Max concurrent instances on this node: a job's instance slots in {@link RunTracker}, taken when a
 * claim is decided and given back when its run ends. The store holds the same limit across the
 * cluster when the run starts. Enqueued tasks have no job and no limit. A scheduled fire time
 * that finds no slot is reported {@link JobEvent.Skipped}; an execution (a retry, a run-now)
 * waits for one instead.
 */
final class Admission {

    private static final Logger LOG = LoggerFactory.getLogger(Admission.class);

    private final EngineContext ctx;

    Admission(EngineContext ctx) {
        this.ctx = ctx;
    }

    /** Takes a slot for a scheduled fire time, or reports its fire times skipped and answers false. */
    boolean acquireOrSkip(Work work, List<Instant> fireTimes, Instant now) {
        if (tryAcquire(work)) {
            return true;
        }
        skipped(work, fireTimes, ctx.tracker().activeInstances(work.jobId()), now);
        return false;
    }

    /** Takes a slot, or answers false (the caller makes the execution wait). Tasks always get one. */
    boolean tryAcquire(Work work) {
        return work.jobId() == null || ctx.tracker().tryAcquireInstance(work.jobId(), work.options().maxInstances());
    }

    /** A recovery takes over the instance its dead node held: never refused here either. */
    void takeOver(Work work) {
        if (work.jobId() != null) {
            ctx.tracker().forceAcquireInstance(work.jobId());
        }
    }

    void release(Work work) {
        if (work.jobId() != null) {
            ctx.tracker().releaseInstance(work.jobId());
        }
    }

    /** The store refused the start: the job runs max instances elsewhere in the cluster. */
    void skippedByStore(Work work, List<Instant> fireTimes, Instant now) {
        int max = work.options().maxInstances();
        skipped(work, fireTimes, max, now);
    }

    private void skipped(Work work, List<Instant> fireTimes, int running, Instant now) {
        int max = work.options().maxInstances();
        for (Instant fireTime : fireTimes) {
            LOG.warn("job '{}' skipped its fire time {}: {} instance(s) already running (max {})", work.jobId(), fireTime,
                    running, max);
            ctx.bus().publish(new JobEvent.Skipped(work.jobId(), work.task(), fireTime, running, now));
        }
    }
}
