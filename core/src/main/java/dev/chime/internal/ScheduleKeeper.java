package dev.chime.internal;

import dev.chime.JobEvent;
import dev.chime.TriggerContext;
import dev.chime.spi.StoredJob;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens to a job's schedule when one of its firings is over: a fixed-delay job gets its next
 * fire time from the completion, and a job whose trigger is exhausted is removed (as APScheduler
 * and Quartz do with a trigger that will never fire again).
 */
final class ScheduleKeeper {

    private static final Logger LOG = LoggerFactory.getLogger(ScheduleKeeper.class);

    private final EngineContext ctx;

    ScheduleKeeper(EngineContext ctx) {
        this.ctx = ctx;
    }

    void firingOver(ActiveFiring firing, Instant completedAt) {
        if (firing.claimToRelease() != null) {
            Optional<Instant> next = firing.definition().trigger()
                    .nextFireTime(new TriggerContext(completedAt, firing.fireTime(), completedAt));
            boolean released = ctx.store().release(firing.claimToRelease(), next.orElse(null));
            if (released && next.isEmpty()) {
                removeIfExhausted(firing.jobId());
            }
            ctx.wake().run();
        } else if (firing.lastOfSchedule()) {
            removeIfExhausted(firing.jobId());
        }
    }

    /** Removes a job that has no next fire time and is neither claimed nor paused. */
    void removeIfExhausted(String jobId) {
        Optional<StoredJob> current = ctx.store().get(jobId);
        if (current.isEmpty()) {
            return;
        }
        StoredJob job = current.get();
        if (job.nextFireTime() == null && job.claimedFireTime() == null && !job.paused()) {
            // Remove only the version we looked at: a concurrent reschedule wins over the removal.
            if (ctx.store().update(job) && ctx.store().remove(jobId)) {
                LOG.debug("job '{}' will never fire again and was removed", jobId);
                ctx.bus().publish(new JobEvent.Removed(jobId, ctx.clock().instant()));
            }
        }
    }
}
