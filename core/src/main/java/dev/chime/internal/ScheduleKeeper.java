package dev.chime.internal;

import dev.chime.JobEvent;
import dev.chime.TriggerContext;
import java.time.Instant;
import java.util.Optional;

/**
 * What happens to a job's schedule when a firing whose claim it kept is over: a fixed-delay job
 * gets its next fire time from the completion, or leaves the store when its trigger is exhausted.
 * (Other jobs are put back at dispatch, by {@link FiringDispatcher}.)
 */
final class ScheduleKeeper {

    private final EngineContext ctx;

    ScheduleKeeper(EngineContext ctx) {
        this.ctx = ctx;
    }

    void firingOver(ActiveFiring firing, Instant completedAt) {
        if (firing.claimToRelease() == null) {
            return;
        }
        Optional<Instant> next = firing.definition().trigger()
                .nextFireTime(new TriggerContext(completedAt, firing.fireTime(), completedAt));
        if (next.isPresent()) {
            ctx.store().release(firing.claimToRelease(), next.get());
            ctx.wake().run();
        } else if (ctx.store().removeClaimed(firing.claimToRelease())) {
            ctx.bus().publish(() -> new JobEvent.Removed(firing.jobId(), completedAt));
        }
    }
}
