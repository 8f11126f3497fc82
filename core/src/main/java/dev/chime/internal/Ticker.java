package dev.chime.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The engine's monotonic time source, for durations: timeouts, retry backoff, how long an attempt
 * ran. Wall-clock steps (NTP moving the clock an hour) do not move it. On a real clock it is
 * {@link System#nanoTime()}; a scheduler driven by its clock ({@code TestClock}) measures durations
 * on that clock instead, so that a test moves both with one call.
 */
interface Ticker {

    /** Nanoseconds from an arbitrary origin; only differences mean anything. */
    long nanos();

    /** The JVM's monotonic clock. */
    static Ticker system() {
        return System::nanoTime;
    }

    /**
     * Durations measured on {@code clock} itself, from the instant this ticker was made. Only for a
     * clock that never goes back (the test clock refuses to).
     */
    static Ticker derivedFrom(Clock clock) {
        Instant origin = clock.instant();
        return () -> Duration.between(origin, clock.instant()).toNanos();
    }
}
