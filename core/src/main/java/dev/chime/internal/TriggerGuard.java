package dev.chime.internal;

import dev.chime.JobEvent;
import dev.chime.Trigger;
import dev.chime.TriggerContext;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every question the engine asks a trigger goes through here: a trigger is plugin code, and its
 * answers are untrusted input. One that throws (anything, a {@code StackOverflowError} or a
 * {@code LinkageError} included), or answers a time not strictly after the last fire time, is a
 * faulty trigger: its job is isolated like an unreadable row, and the others go on.
 */
final class TriggerGuard {

    private static final Logger LOG = LoggerFactory.getLogger(TriggerGuard.class);

    /** A trigger failed or broke its contract; the message says how. */
    static final class FaultyTriggerException extends RuntimeException {
        FaultyTriggerException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private TriggerGuard() {
    }

    /** The trigger's next fire time. @throws FaultyTriggerException if it throws or answers a time not after the last */
    static Optional<Instant> next(Trigger trigger, TriggerContext context) {
        Optional<Instant> next;
        try {
            next = trigger.nextFireTime(context);
        } catch (Throwable e) {
            throw new FaultyTriggerException("trigger '" + spec(trigger) + "' threw " + e, e);
        }
        if (next == null) {
            throw new FaultyTriggerException("trigger '" + spec(trigger) + "' answered null instead of an Optional", null);
        }
        Instant last = context.lastFireTime();
        if (last != null && next.isPresent() && !next.get().isAfter(last)) {
            throw new FaultyTriggerException("trigger '" + spec(trigger) + "' answered " + next.get()
                    + " as the fire time after " + last + "; it must be strictly later", null);
        }
        return next;
    }

    /**
     * Reports a faulty trigger once, in the log and as {@link JobEvent.TriggerFailed}. The caller
     * takes the job out of the schedule, as the dispatcher does with an unreadable row: it stays in
     * the store with no next fire time (replacing or rescheduling it brings it back).
     */
    static void reportFault(EngineContext ctx, String jobId, String task, Instant fireTime, FaultyTriggerException fault,
                            Instant now) {
        LOG.error("job '{}': {} at fire time {}; the job will not fire until it is replaced or rescheduled", jobId,
                fault.getMessage(), fireTime, fault.getCause());
        ctx.bus().publish(() -> new JobEvent.TriggerFailed(jobId, task, fireTime, fault, now));
    }

    static String spec(Trigger trigger) {
        try {
            return trigger.spec();
        } catch (Throwable e) {
            return trigger.getClass().getName();
        }
    }
}
