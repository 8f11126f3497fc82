package dev.chime;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One finished run of a job, as the run history keeps it: the end of a fire time (after its last
 * attempt, or reported missed), scheduled or run now, of a job still in the store or not (a
 * one-shot job leaves this trace when it is gone). Immutable.
 *
 * @param id         the store's number for it, unique in the store and growing in the order the
 *                   store recorded runs; 0 before the store recorded it
 * @param jobId      the job it was a run of
 * @param task       the job's task
 * @param fireTime   the scheduled fire time it ran for (for a run-now, the instant it was asked for)
 * @param attempts   how many attempts it made, retries included (0: it was missed and never started)
 * @param node       the node it ran on: the scheduler's name, or the node's id in a store shared by
 *                   a cluster
 * @param startedAt  when its last attempt started (null when it never started)
 * @param finishedAt when it ended
 * @param duration   how long its last attempt ran (zero when it never started)
 * @param outcome    how it ended
 * @param error      the last attempt's failure (exception class and message), or null
 * @param stackTrace the last attempt's failure's stack trace (cut at 16,000 characters), or null
 * @param dataJson    for an {@linkplain #enqueued() enqueued task's} run: the data it was given, as
 *                    JSON (null when it had none), so that it can be requeued; null for a job's run
 * @param optionsJson for an enqueued task's run: its options, in the form stores keep them
 *                    (as {@code StoredJob.optionsJson}); null for a job's run, which is how the two are told apart
 */
public record RunRecord(long id, String jobId, String task, Instant fireTime, int attempts, String node, Instant startedAt,
                        Instant finishedAt, Duration duration, Outcome outcome, String error, String stackTrace,
                        String dataJson, String optionsJson) {

    /** The longest stack trace a record keeps; a longer one is cut, ending with a line that says so. */
    public static final int MAX_STACK_TRACE = 16_000;

    public RunRecord {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(fireTime, "fireTime");
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(finishedAt, "finishedAt");
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(outcome, "outcome");
        if (id < 0) {
            throw new IllegalArgumentException("id: " + id + " must not be negative");
        }
        if (attempts < 0) {
            throw new IllegalArgumentException("attempts: " + attempts + " must not be negative");
        }
        if (dataJson != null && optionsJson == null) {
            throw new IllegalArgumentException("dataJson: only an enqueued task's run (with its optionsJson) keeps its data");
        }
        if (stackTrace != null && stackTrace.length() > MAX_STACK_TRACE) {
            throw new IllegalArgumentException("stackTrace: " + stackTrace.length() + " characters, more than " + MAX_STACK_TRACE);
        }
    }

    /** A job's run (not an enqueued task's). */
    public RunRecord(long id, String jobId, String task, Instant fireTime, int attempts, String node, Instant startedAt,
                     Instant finishedAt, Duration duration, Outcome outcome, String error, String stackTrace) {
        this(id, jobId, task, fireTime, attempts, node, startedAt, finishedAt, duration, outcome, error, stackTrace, null,
                null);
    }

    /** This record with the number the store gave it. */
    public RunRecord withId(long id) {
        return new RunRecord(id, jobId, task, fireTime, attempts, node, startedAt, finishedAt, duration, outcome, error,
                stackTrace, dataJson, optionsJson);
    }

    /** True for the run of a task given to {@code Scheduler.enqueue}, false for a job's run. */
    public boolean enqueued() {
        return optionsJson != null;
    }

    /** This record as its job's latest outcome. */
    public LastRun lastRun() {
        return new LastRun(outcome, fireTime, finishedAt, duration, error);
    }

    public Optional<Instant> started() {
        return Optional.ofNullable(startedAt);
    }

    public Optional<String> errorMessage() {
        return Optional.ofNullable(error);
    }

    public Optional<String> errorStackTrace() {
        return Optional.ofNullable(stackTrace);
    }
}
