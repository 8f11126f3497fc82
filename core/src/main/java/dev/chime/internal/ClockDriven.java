package dev.chime.internal;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The engine's side of the hook a driving clock ({@link DrivingClock}, a {@code TestClock}) and a
 * scheduler share: no thread of its own, one pass per clock step, and what it has in flight, so
 * that the clock can tell when every outcome so far is recorded. The engine only reports; the
 * clock judges.
 */
public interface ClockDriven {

    /** The earliest instant at which a pass has something to do. */
    Optional<Instant> nextWakeUp();

    /** One pass at the clock's current instant. */
    void runDue();

    /**
     * What the scheduler has in flight now.
     *
     * @param idle     nothing in flight: every attempt finished and recorded, nothing parked
     * @param working  something is on its way that no outside event is needed for: an attempt
     *                 queued for a worker or outside job code (starting, ending, writing to the
     *                 store), a claim made ahead that is leaving its gate
     * @param blocking the threads the rest is on: attempts inside job code, and workers parked
     *                 for a claim's later instant; once every one of them is blocked, only the test
     *                 or the clock can make something happen
     */
    record InFlight(boolean idle, boolean working, List<Thread> blocking) {
        public InFlight {
            blocking = List.copyOf(blocking);
        }
    }

    InFlight inFlight();

    /** Waits, in real time, at most {@code nanos} for something in flight to change. */
    void awaitChange(long nanos) throws InterruptedException;
}
