package dev.chime;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The most recent recorded outcome of a job.
 *
 * @param outcome           how it ended
 * @param scheduledFireTime the fire time of that firing
 * @param finishedAt        when the outcome was recorded
 * @param duration          how long the last attempt ran (zero for a missed firing)
 * @param error             the failure's message (exception class and message), or null
 */
public record LastRun(Outcome outcome, Instant scheduledFireTime, Instant finishedAt, Duration duration, String error) {

    public LastRun {
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(scheduledFireTime, "scheduledFireTime");
        Objects.requireNonNull(finishedAt, "finishedAt");
        Objects.requireNonNull(duration, "duration");
    }

    public Optional<String> errorMessage() {
        return Optional.ofNullable(error);
    }
}
