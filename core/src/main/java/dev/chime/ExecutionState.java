package dev.chime;

/**
 * Where an {@link Execution} stands. An execution is created {@link #SCHEDULED} (an enqueued task,
 * a run-now) or {@link #RUNNING} (a scheduled fire time that starts), and ends in one of the three
 * ended states; a failed attempt with retries left waits in {@link #WAITING_FOR_RETRY}.
 */
public enum ExecutionState {
    /** Waiting for its due time or for a free worker; any node may take it. */
    SCHEDULED,
    /** An attempt is running on a node. */
    RUNNING,
    /** An attempt failed and the next one is due at {@link Execution#dueAt()}; any node may run it. */
    WAITING_FOR_RETRY,
    /** The last attempt returned normally. Ended. */
    SUCCEEDED,
    /** The last attempt threw or timed out and no retry is left, or it could not run. Ended. */
    FAILED,
    /** Cancelled before it ran, or stopped on request while it ran. Ended. */
    CANCELLED;

    /** True for the states an execution never leaves but through {@link Scheduler#retry(String)}. */
    public boolean isEnded() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }
}
