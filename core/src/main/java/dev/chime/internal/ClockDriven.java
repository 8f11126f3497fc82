package dev.chime.internal;

import java.time.Instant;
import java.util.Optional;

/** A scheduler as {@link dev.chime.TestClock} drives it: no thread of its own, one pass per clock step. */
public interface ClockDriven {

    /** The earliest instant at which a pass has something to do. */
    Optional<Instant> nextWakeUp();

    /** One pass at the clock's current instant. */
    void runDue();

    /**
     * Waits, in real time, until every attempt in flight has finished or is blocked inside job
     * code. @throws IllegalStateException if that takes longer than the limit
     */
    void awaitSettled();
}
