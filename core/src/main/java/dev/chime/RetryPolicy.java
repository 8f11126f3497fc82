package dev.chime;

import java.time.Duration;
import java.util.Objects;

/**
 * How often a failed attempt is tried again and how long to wait in between: the n-th retry waits
 * {@code initialBackoff * multiplier^(n-1)}, capped at {@code maxBackoff}. Immutable.
 *
 * @param maxRetries     retries after the first attempt; 0 disables retrying
 * @param initialBackoff wait before the first retry
 * @param multiplier     growth factor of the wait, at least 1
 * @param maxBackoff     the longest wait
 */
public record RetryPolicy(int maxRetries, Duration initialBackoff, double multiplier, Duration maxBackoff) {

    private static final RetryPolicy NONE = new RetryPolicy(0, Duration.ZERO, 1.0, Duration.ZERO);

    public RetryPolicy {
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        if (maxRetries < 0) {
            throw new IllegalArgumentException("retry maxRetries: " + maxRetries + " is negative");
        }
        if (initialBackoff.isNegative()) {
            throw new IllegalArgumentException("retry initialBackoff: " + initialBackoff + " is negative");
        }
        if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
            throw new IllegalArgumentException("retry multiplier: " + multiplier + " must be a finite number >= 1");
        }
        if (maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException(
                    "retry maxBackoff: " + maxBackoff + " is shorter than initialBackoff " + initialBackoff);
        }
    }

    public static RetryPolicy none() {
        return NONE;
    }

    /** The same wait before every retry. */
    public static RetryPolicy fixed(int maxRetries, Duration backoff) {
        return new RetryPolicy(maxRetries, backoff, 1.0, backoff);
    }

    /** A wait that doubles with each retry, up to one hour. */
    public static RetryPolicy exponential(int maxRetries, Duration initialBackoff) {
        Duration cap = initialBackoff.compareTo(Duration.ofHours(1)) > 0 ? initialBackoff : Duration.ofHours(1);
        return new RetryPolicy(maxRetries, initialBackoff, 2.0, cap);
    }

    /** The wait before retry number {@code retry} (1-based). */
    public Duration backoff(int retry) {
        if (retry < 1) {
            throw new IllegalArgumentException("retry numbers start at 1, got " + retry);
        }
        double factor = Math.pow(multiplier, retry - 1);
        double nanos = initialBackoff.toNanos() * factor;
        if (nanos >= maxBackoff.toNanos()) {
            return maxBackoff;
        }
        return Duration.ofNanos((long) nanos);
    }
}
