package dev.chime;

import java.time.Duration;
import java.time.Instant;

/**
 * Something that happened to one job. Every event is an immutable record; the events about a firing
 * also carry the job's task name, so listeners can group by it without asking the store.
 */
public sealed interface JobEvent extends ChimeEvent {

    String jobId();

    /** The job was added (or replaced an earlier job with the same id: then {@link Modified}). */
    record Added(String jobId, Instant time) implements JobEvent {
    }

    /** The job was removed, by a call or because its trigger will never fire again. */
    record Removed(String jobId, Instant time) implements JobEvent {
    }

    /** The job's definition, trigger or pause state changed. */
    record Modified(String jobId, Instant time) implements JobEvent {
    }

    /**
     * This node took a due firing out of the store. {@code recovery} is true when the firing had
     * been claimed by a node that died and its lease was taken over (clustered stores only).
     */
    record Claimed(String jobId, String task, Instant scheduledFireTime, boolean recovery, Instant time) implements JobEvent {
    }

    /** An attempt was handed to the executor. */
    record Submitted(String jobId, String task, Instant scheduledFireTime, int attempt, Instant time) implements JobEvent {
    }

    /** An attempt returned normally. */
    record Executed(String jobId, String task, Instant scheduledFireTime, int attempt, Instant started, Duration duration, Instant time)
            implements JobEvent {
    }

    /**
     * An attempt threw or timed out.
     *
     * @param timedOut  true when the attempt ran past its timeout ({@code error} is then a
     *                  {@link java.util.concurrent.TimeoutException})
     * @param willRetry true when another attempt is scheduled
     */
    record Failed(String jobId, String task, Instant scheduledFireTime, int attempt, Instant started, Duration duration,
                  Throwable error, boolean timedOut, boolean willRetry, Instant time) implements JobEvent {
    }

    /** A fire time was found later than the misfire grace time and did not run. */
    record Missed(String jobId, String task, Instant scheduledFireTime, Instant time) implements JobEvent {
    }

    /** A fire time came while the job already had its maximum number of instances running. */
    record Skipped(String jobId, String task, Instant scheduledFireTime, int runningInstances, Instant time) implements JobEvent {
    }

    /**
     * The job's trigger failed at a fire time: it threw, or answered a next fire time not after the
     * last one. The fire time does not run, and the job is taken out of the schedule (it stays in
     * the store without a next fire time, as an unreadable job does) until it is replaced or
     * rescheduled. Reported once per fault; the other jobs go on.
     */
    record TriggerFailed(String jobId, String task, Instant scheduledFireTime, Throwable error, Instant time)
            implements JobEvent {
    }

    /**
     * An attempt that timed out (see {@link Failed#timedOut()}) is still running at twice its
     * timeout: its code ignores interruption. Reported once per attempt. Until its thread returns
     * the firing keeps its instance slot and its store record, so the job is never started beside
     * it (further fire times are {@link Skipped}) and its retry waits.
     */
    record Overrunning(String jobId, String task, Instant scheduledFireTime, int attempt, Instant started, Duration timeout,
                       Instant time) implements JobEvent {
    }
}
