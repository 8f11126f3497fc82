package dev.chime;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A snapshot of one job: its definition and its state when it was read.
 *
 * @param definition   what the job is
 * @param paused       whether the job is paused
 * @param nextFireTime the next scheduled fire time (empty while paused, while a fixed-delay run is in
 *                     progress, or when the trigger is exhausted)
 * @param lastRun      the most recent outcome, if any
 */
public record JobInfo(JobDefinition definition, boolean paused, Optional<Instant> nextFireTime, Optional<LastRun> lastRun) {

    public JobInfo {
        Objects.requireNonNull(definition, "definition");
        Objects.requireNonNull(nextFireTime, "nextFireTime");
        Objects.requireNonNull(lastRun, "lastRun");
    }

    public String id() {
        return definition.id();
    }
}
