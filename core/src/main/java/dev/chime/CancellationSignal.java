package dev.chime;

import java.util.concurrent.CancellationException;

/**
 * Tells a running job that it should stop: its timeout passed, or the scheduler is shutting down
 * and its grace period ran out. The job's thread is interrupted at the same moment. Thread-safe.
 */
public interface CancellationSignal {

    boolean isCancelled();

    /**
     * Runs {@code action} once when the signal is raised, or at once if it already was. Use it to
     * close a socket or abort a request that does not respond to interruption.
     */
    void onCancel(Runnable action);

    /** Throws {@link CancellationException} if the signal was raised. */
    default void throwIfCancelled() {
        if (isCancelled()) {
            throw new CancellationException("job was cancelled");
        }
    }
}
