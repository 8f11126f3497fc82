package dev.chime;

import java.time.Duration;
import java.util.Objects;

/**
 * How often a failed attempt is tried again and how long to wait in between: the n-th retry waits
 * {@code initialBackoff * multiplier^(n-1)}, capped at {@code maxBackoff}. Immutable.
 *
 * @param maxRetries     retries after the first attempt, 0 to {@value #MAX_RETRIES}; 0 disables retrying
 * @param initialBackoff wait before the first retry, 0 to {@link JobOptions#MAX_DURATION} (100 years)
 * @param multiplier     growth factor of the wait, a finite number of at least 1
 * @param maxBackoff     the longest wait, from {@code initialBackoff} to {@link JobOptions#MAX_DURATION}
 *
 * <p>Ranges are checked when the policy is made, so that no retry can fail at run time (a wait
 * beyond what a {@code long} of nanoseconds holds did, before).
 *
 * <p>A run waiting for its retry is still a run in progress: it counts against
 * {@link JobOptions#maxInstances()} while it waits. On a store shared by a cluster it is stored
 * with its run and survives its node (a crash, a shutdown): another node runs it when it is due.
 */
public record RetryPolicy(int maxRetries, Duration initialBackoff, double multiplier, Duration maxBackoff) {

    /** The most retries a policy may ask for. */
    public static final int MAX_RETRIES = 1_000;

    private static final RetryPolicy NONE = new RetryPolicy(0, Duration.ZERO, 1.0, Duration.ZERO);

    public RetryPolicy {
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        if (maxRetries < 0 || maxRetries > MAX_RETRIES) {
            throw new IllegalArgumentException("retry maxRetries: " + maxRetries + " is outside 0 to " + MAX_RETRIES);
        }
        if (initialBackoff.isNegative() || initialBackoff.compareTo(JobOptions.MAX_DURATION) > 0) {
            throw new IllegalArgumentException("retry initialBackoff: " + initialBackoff + " is outside 0 to "
                    + JobOptions.MAX_DURATION + " (100 years)");
        }
        if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
            throw new IllegalArgumentException("retry multiplier: " + multiplier + " must be a finite number >= 1");
        }
        if (maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException(
                    "retry maxBackoff: " + maxBackoff + " is shorter than initialBackoff " + initialBackoff);
        }
        if (maxBackoff.compareTo(JobOptions.MAX_DURATION) > 0) {
            throw new IllegalArgumentException("retry maxBackoff: " + maxBackoff + " is longer than "
                    + JobOptions.MAX_DURATION + " (100 years)");
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
