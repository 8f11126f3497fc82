package dev.chime;

/**
 * Hears every event of a scheduler. Called synchronously on the thread where the event happened
 * (a worker, or the dispatcher), so keep it quick and thread-safe. An exception it throws is logged
 * and disturbs neither the scheduler nor the other listeners.
 */
@FunctionalInterface
public interface SchedulerListener {

    void onEvent(ChimeEvent event);

    /**
     * Called once when the listener is attached to a scheduler (at build, or by
     * {@link Scheduler#addListener}), before any event; for listeners that also read the scheduler's
     * state, such as metrics gauges. Does nothing by default.
     */
    default void onRegistered(Scheduler scheduler) {
    }
}
