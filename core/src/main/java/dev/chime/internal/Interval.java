package dev.chime.internal;

import java.time.Duration;

/**
 * "At most once per interval", on the engine's {@link Ticker}, for the work a pass does now and
 * then rather than every time (cleaning the history, asking for stop requests). Due at the first
 * ask. Not thread-safe: only the dispatcher's pass asks.
 */
final class Interval {

    private final Ticker ticker;
    private final long nanos;
    private long last;
    private boolean asked;

    Interval(Ticker ticker, Duration every) {
        this.ticker = ticker;
        this.nanos = every.toNanos();
    }

    /** True when the interval has passed since the last time this answered true (and starts it again). */
    boolean due() {
        long now = ticker.nanos();
        if (asked && now - last < nanos) {
            return false;
        }
        asked = true;
        last = now;
        return true;
    }
}
