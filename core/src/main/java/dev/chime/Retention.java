package dev.chime;

import java.time.Duration;
import java.util.Objects;

/**
 * How long ended executions ({@link ExecutionState#isEnded()}) stay in the history. An execution is
 * deleted once it ended longer than {@code maxAge} ago, or once its job (for an enqueued task: its
 * task) has {@code maxPerJob} newer ended executions. Executions that have not ended are never
 * deleted. The scheduler cleans in bounded batches through the store, about once a minute; in a
 * cluster one node at a time. Immutable.
 *
 * @param maxAge    at least one second, at most {@link JobOptions#MAX_DURATION}
 * @param maxPerJob at least 1
 */
public record Retention(Duration maxAge, int maxPerJob) {

    private static final Retention DEFAULTS = new Retention(Duration.ofDays(7), 1_000);

    public Retention {
        Objects.requireNonNull(maxAge, "maxAge");
        if (maxAge.compareTo(Duration.ofSeconds(1)) < 0 || maxAge.compareTo(JobOptions.MAX_DURATION) > 0) {
            throw new IllegalArgumentException("retention maxAge: " + maxAge + " is outside PT1S to " + JobOptions.MAX_DURATION
                    + " (100 years)");
        }
        if (maxPerJob < 1) {
            throw new IllegalArgumentException("retention maxPerJob: " + maxPerJob + " must be at least 1");
        }
    }

    /** Seven days, at most 1,000 per job. */
    public static Retention defaults() {
        return DEFAULTS;
    }
}
