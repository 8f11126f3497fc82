package dev.chime;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One execution: a scheduled fire time of a job that ran, a run-now, or an enqueued task, with its
 * attempts. Every one is recorded by the store and kept until the scheduler's {@link Retention}
 * cleans it. Immutable; a snapshot of the moment it was read.
 *
 * @param id            the execution id ({@link Scheduler#enqueue} answers it)
 * @param jobId         the job it belongs to; empty for an enqueued task
 * @param task          the task name
 * @param scheduledTime the fire time it stands for (for a task: the instant it was asked to run at)
 * @param state         where it stands
 * @param attempts      how many attempts started (0 while it waits for its first)
 * @param node          the node that runs or last ran it; empty before it ran
 * @param dueAt         while {@link ExecutionState#SCHEDULED} or {@link ExecutionState#WAITING_FOR_RETRY}:
 *                      when it may run next; empty otherwise
 * @param createdAt     when the store recorded it; executions are listed newest first by this
 * @param startedAt     when its last attempt started
 * @param endedAt       when it ended (only in an ended state)
 * @param errorMessage  the last failure: the exception's class and message
 * @param stackTrace    the last failure's stack trace (cut at {@link #MAX_STACK_TRACE_CHARS})
 * @param resultJson    the small JSON result the job set with {@link JobContext#result(Object)}
 */
public record Execution(String id, Optional<String> jobId, String task, Instant scheduledTime, ExecutionState state,
                        int attempts, Optional<String> node, Optional<Instant> dueAt, Instant createdAt,
                        Optional<Instant> startedAt, Optional<Instant> endedAt, Optional<String> errorMessage,
                        Optional<String> stackTrace, Optional<String> resultJson) {

    /** The longest result a job may set, in characters of JSON text. */
    public static final int MAX_RESULT_CHARS = 16_384;

    /** Stack traces longer than this are cut, ending with a marker that says how much was cut. */
    public static final int MAX_STACK_TRACE_CHARS = 16_000;

    public Execution {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(scheduledTime, "scheduledTime");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(dueAt, "dueAt");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(endedAt, "endedAt");
        Objects.requireNonNull(errorMessage, "errorMessage");
        Objects.requireNonNull(stackTrace, "stackTrace");
        Objects.requireNonNull(resultJson, "resultJson");
    }

    /** True for an enqueued task (no job). */
    public boolean isTask() {
        return jobId.isEmpty();
    }
}
