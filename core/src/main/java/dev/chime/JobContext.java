package dev.chime;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * What a running job knows about its firing. Valid only while {@link Job#execute} runs; safe to
 * read from the job's own thread.
 */
public interface JobContext {

    String jobId();

    String task();

    /** The instant this firing was scheduled for (for a recovered firing: the original one). */
    Instant scheduledFireTime();

    /** When this attempt actually started, read from the scheduler's clock. */
    Instant actualStart();

    /** 1 for the first attempt of a firing, 2 for its first retry, and so on. */
    int attempt();

    /** The job's data as a JSON tree ({@code NullNode} when the job has none). */
    JsonNode data();

    /** The job's data bound to a type with Jackson. */
    <T> T data(Class<T> type);

    /** True once this attempt timed out or the scheduler is shutting down and gave up waiting. */
    default boolean isCancelled() {
        return cancellation().isCancelled();
    }

    CancellationSignal cancellation();

    /**
     * True when this firing was claimed by a node that died and is being run again by another
     * (only clustered stores recover firings); {@link #scheduledFireTime()} is the original one.
     * False for a retry that waited on a node that died or left and runs on another
     * ({@code JobStore.deferRun}): that attempt runs for the first time, numbered on
     * ({@link #attempt()}).
     */
    boolean isRecovery();

    /**
     * This run's fencing token: higher than that of every earlier run of this job handed out by
     * the store (a recovery's is higher than the run it replaces). The scheduler stops a stale node
     * from recording outcomes, but not a paused body that wakes up after its run was taken over:
     * pass the token to the resource the job writes to and have it reject a write whose token is
     * lower than the highest it has seen. 0 when the store hands out no tokens.
     */
    long fencingToken();
}
