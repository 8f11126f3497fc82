package dev.chime;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Where an enqueued background task stands, as {@link Scheduler#execution(String)} sees it at the
 * moment of asking. Immutable.
 *
 * @param id         the execution id (the id {@link Scheduler#enqueue} returned)
 * @param task       the task; empty while another node runs it and this node has no history entry of
 *                   it (the store's cluster view names a run's job, not its task)
 * @param state      where it stands
 * @param fireTime   when it falls (or fell) due
 * @param attempts   attempts made so far, retries included (0 while scheduled; for a run in
 *                   progress, the number of the attempt running or, waiting for a retry, of the
 *                   last that failed)
 * @param node       the node running it or that ran it; null while scheduled
 * @param startedAt  when its last attempt started, or null when unknown or not started
 * @param finishedAt when it ended, or null while it has not
 * @param outcome    how it ended (which failure: {@code FAILURE}, {@code TIMEOUT}, {@code MISSED}),
 *                   empty while it has not
 * @param error      the last attempt's failure (exception class and message), or null
 * @param stackTrace that failure's stack trace, or null
 */
public record Execution(String id, String task, State state, Instant fireTime, int attempts, String node, Instant startedAt,
                        Instant finishedAt, Optional<Outcome> outcome, String error, String stackTrace) {

    /** The states of an execution; the last three are final (a {@link Scheduler#retry} starts it again). */
    public enum State {
        /** Waiting to fall due, or due and waiting for a free worker. */
        SCHEDULED,
        /** An attempt is running on some node. */
        RUNNING,
        /**
         * An attempt failed and the next waits for its backoff. Known to the node that holds the
         * retry (the one that ran the attempt, or the one that took the run over); another node
         * of the cluster sees such a task as {@link #RUNNING}.
         */
        WAITING_FOR_RETRY,
        SUCCEEDED,
        /** Failed, timed out or missed, with no retry left: see {@link #outcome()}. */
        FAILED,
        CANCELLED
    }

    public Execution {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(fireTime, "fireTime");
        Objects.requireNonNull(outcome, "outcome");
    }

    /** True once the execution has ended (succeeded, failed or cancelled). */
    public boolean isFinal() {
        return state == State.SUCCEEDED || state == State.FAILED || state == State.CANCELLED;
    }
}
