package dev.chime.internal;

import dev.chime.JobEvent;
import dev.chime.TriggerContext;
import java.time.Instant;
import java.util.Optional;

/**
 * What happens to a job's schedule when a firing whose claim it kept is over: a fixed-delay job
 * gets its next fire time from the completion, or leaves the store when its trigger is exhausted.
 * (Other jobs are put back at dispatch, by {@link FiringDispatcher}.) A faulty trigger takes the
 * job out of the schedule ({@link TriggerGuard#isolate}).
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
        // A completion read before the fire time (the wall clock stepped back) must not make a
        // correct trigger look faulty: the delay counts from whichever is later.
        Instant completion = completedAt.isBefore(firing.fireTime()) ? firing.fireTime() : completedAt;
        Optional<Instant> next;
        try {
            next = TriggerGuard.next(firing.definition().trigger(), new TriggerContext(completion, firing.fireTime(), completion));
        } catch (TriggerGuard.FaultyTriggerException e) {
            TriggerGuard.isolate(ctx, firing.jobId(), firing.definition().task(), firing.fireTime(), firing.claimToRelease(),
                    null, e, completedAt);
            return;
        }
        if (next.isPresent()) {
            ctx.store().release(firing.claimToRelease(), next.get());
            ctx.wake().run();
        } else if (ctx.store().removeClaimed(firing.claimToRelease())) {
            ctx.bus().publish(() -> new JobEvent.Removed(firing.jobId(), completedAt));
        }
    }
}
