package dev.chime.internal;

/**
 * The clock's side of the hook: a clock that drives the schedulers built with it instead of their
 * dispatcher threads ({@code TestClock}). The builder asks for this interface, never for a clock
 * class; the engine then runs no thread of its own, measures durations on the clock, and leaves
 * judging when a step has settled to the clock ({@link ClockDriven#inFlight()}).
 */
public interface DrivingClock {

    /** From now on, passes of {@code scheduler} run as this clock moves. */
    void drive(ClockDriven scheduler);

    /**
     * Work was asked to run now (a run-now, a task due now, a retry): what a scheduler does instead
     * of waking its dispatcher thread. Runs a step at the clock's current instant and returns once
     * every scheduler it drives has settled; but when a step is in progress (the work was asked for
     * from a job or a listener during it), returns at once: that step looks for due work again
     * before it ends, so it runs this too.
     */
    void stepForWorkDueNow();
}
