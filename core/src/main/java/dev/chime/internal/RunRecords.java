package dev.chime.internal;

import dev.chime.Outcome;
import dev.chime.RunRecord;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;

/** The history entries the engine makes at the end of a fire time, one factory per way it ends. */
final class RunRecords {

    private static final String CUT = "\n\t... (cut)";

    private RunRecords() {
    }

    /** A fire time that never started: found too late, or not run because the store could not vouch for it. */
    static RunRecord missed(EngineContext ctx, String jobId, String task, Instant fireTime, Instant now) {
        return new RunRecord(0, jobId, task, fireTime, 0, ctx.node(), null, now, Duration.ZERO, Outcome.MISSED, null, null);
    }

    static RunRecord missed(EngineContext ctx, ActiveFiring firing, Instant now) {
        return missed(ctx, firing.jobId(), firing.definition().task(), firing.fireTime(), now);
    }

    static RunRecord succeeded(EngineContext ctx, Attempt attempt, Instant end, Duration duration) {
        ActiveFiring firing = attempt.firing();
        return new RunRecord(0, firing.jobId(), firing.definition().task(), firing.fireTime(), attempt.number(), ctx.node(),
                attempt.startedAt(), end, duration, Outcome.SUCCESS, null, null);
    }

    /** The attempt failed (or timed out, or the engine could not carry it out) and no retry follows. */
    static RunRecord failed(EngineContext ctx, Attempt attempt, Throwable error, boolean timedOut, Instant end, Duration duration) {
        ActiveFiring firing = attempt.firing();
        return new RunRecord(0, firing.jobId(), firing.definition().task(), firing.fireTime(), attempt.number(), ctx.node(),
                attempt.startedAt(), end, duration, timedOut ? Outcome.TIMEOUT : Outcome.FAILURE, AttemptRunner.describe(error),
                stackTrace(error));
    }

    static String stackTrace(Throwable error) {
        StringWriter text = new StringWriter();
        try (PrintWriter out = new PrintWriter(text)) {
            error.printStackTrace(out);
        } catch (RuntimeException e) {
            // A throwable whose printing throws (a broken getMessage or toString) still leaves its class.
            return error.getClass().getName();
        }
        String trace = text.toString();
        if (trace.length() <= RunRecord.MAX_STACK_TRACE) {
            return trace;
        }
        return trace.substring(0, RunRecord.MAX_STACK_TRACE - CUT.length()) + CUT;
    }
}
