package dev.chime.internal;

import dev.chime.JobDefinition;
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
    static RunRecord missed(EngineContext ctx, ActiveFiring firing, Instant now) {
        return missed(ctx, firing.definition(), firing.fireTime(), now);
    }

    /**
     * A fire time of {@code job} that never started; an enqueued task's entry keeps its data and
     * options, or {@code execution} would not find it and {@code retry} could not requeue it.
     */
    static RunRecord missed(EngineContext ctx, JobDefinition job, Instant fireTime, Instant now) {
        return record(ctx, job, fireTime, 0, null, now, Duration.ZERO, Outcome.MISSED, null);
    }

    static RunRecord succeeded(EngineContext ctx, Attempt attempt, Instant end, Duration duration) {
        ActiveFiring firing = attempt.firing();
        return record(ctx, firing.definition(), firing.fireTime(), attempt.number(), attempt.startedAt(), end, duration,
                Outcome.SUCCESS, null);
    }

    /** The attempt failed (or timed out, or the engine could not carry it out) and no retry follows. */
    static RunRecord failed(EngineContext ctx, Attempt attempt, Throwable error, boolean timedOut, Instant end, Duration duration) {
        ActiveFiring firing = attempt.firing();
        return record(ctx, firing.definition(), firing.fireTime(), attempt.number(), attempt.startedAt(), end, duration,
                timedOut ? Outcome.TIMEOUT : Outcome.FAILURE, error);
    }

    /** An enqueued task's attempt ended (however) after {@code Scheduler.cancel} asked it to stop. */
    static RunRecord cancelled(EngineContext ctx, Attempt attempt, Throwable error, Instant end, Duration duration) {
        ActiveFiring firing = attempt.firing();
        return record(ctx, firing.definition(), firing.fireTime(), attempt.number(), attempt.startedAt(), end, duration,
                Outcome.CANCELLED, error);
    }

    /**
     * A task cancelled while it waited for its retry, or while an attempt waited for a worker: the
     * attempts before ran, the next never will.
     */
    static RunRecord cancelledRetry(EngineContext ctx, ActiveFiring firing, int attempts, Instant now) {
        return record(ctx, firing.definition(), firing.fireTime(), attempts, null, now, Duration.ZERO, Outcome.CANCELLED,
                null);
    }

    /**
     * An entry; an enqueued task's carries its data and options (as the store kept them), so that
     * {@code Scheduler.retry} can enqueue it again from its history entry once its job is gone.
     */
    private static RunRecord record(EngineContext ctx, JobDefinition job, Instant fireTime, int attempts, Instant startedAt,
                                    Instant end, Duration duration, Outcome outcome, Throwable error) {
        String options = job.enqueued() ? ctx.codec().optionsJson(job) : null;
        return new RunRecord(0, job.id(), job.task(), fireTime, attempts, ctx.node(), startedAt, end, duration, outcome,
                error == null ? null : AttemptRunner.describe(error), error == null ? null : stackTrace(error),
                options == null ? null : job.dataJson(), options);
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
