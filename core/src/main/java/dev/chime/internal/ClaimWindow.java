package dev.chime.internal;

import java.time.Duration;

/**
 * How far ahead of its fire time the dispatcher claims a firing for a worker to park on. Set by the
 * user, it is fixed. By default it is at least 5 ms and at least four times the store's recent
 * round trip for a claim that found firings, up to 100 ms: a database's claim takes milliseconds
 * (tens under load, and more when every node claims at the same instant), and a firing whose claim
 * answers after its fire time was parked for nothing and starts late; an in-memory store's claim
 * takes microseconds and keeps the window at its minimum. Claims that found nothing (most polls)
 * are quick and are not counted: they would hide the slow claims that matter.
 *
 * <p>Thread-safe.
 */
final class ClaimWindow {

    /** The most a default window grows to, following slow claims. */
    static final Duration MAX_FOLLOWING = Duration.ofMillis(100);

    private final long minNanos;
    private final boolean followsClaims;
    /** Smoothed round trip of claims that found firings (a moving average); 0 until one was timed. */
    private volatile long claimNanos;

    private ClaimWindow(Duration min, boolean followsClaims) {
        this.minNanos = min.toNanos();
        this.followsClaims = followsClaims && minNanos > 0;
    }

    /** A window the user set: it never changes. */
    static ClaimWindow fixed(Duration window) {
        return new ClaimWindow(window, false);
    }

    /** The default window: {@code min}, or four times the recent claim round trip when that is longer. */
    static ClaimWindow followingClaims(Duration min) {
        return new ClaimWindow(min, true);
    }

    /** A claim of the store that found {@code found} firings took {@code nanos}. */
    void claimTook(long nanos, int found) {
        if (!followsClaims || nanos < 0 || found == 0) {
            return;
        }
        long previous = claimNanos;
        claimNanos = previous == 0 ? nanos : previous + (nanos - previous) / 4;
    }

    boolean isOff() {
        return minNanos == 0;
    }

    /** The window now. */
    Duration current() {
        if (!followsClaims) {
            return Duration.ofNanos(minNanos);
        }
        return Duration.ofNanos(Math.max(minNanos, Math.min(MAX_FOLLOWING.toNanos(), 4 * claimNanos)));
    }

    /** The widest the window can be: how far ahead a parked firing may be. */
    Duration widest() {
        return followsClaims ? Duration.ofNanos(Math.max(minNanos, MAX_FOLLOWING.toNanos())) : Duration.ofNanos(minNanos);
    }
}
