package dev.chime;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What a trigger may look at when it computes the next fire time.
 *
 * @param now            the scheduler clock's current instant
 * @param lastFireTime   the fire time to answer "after", or null for the first fire time
 * @param lastCompletion when the previous run of the job finished, or null if it never ran
 */
public record TriggerContext(Instant now, Instant lastFireTime, Instant lastCompletion) {

    public TriggerContext {
        Objects.requireNonNull(now, "now");
    }

    /** The context for a job's very first fire time. */
    public static TriggerContext first(Instant now) {
        return new TriggerContext(now, null, null);
    }

    /** The context for the first fire time strictly after {@code lastFireTime}. */
    public static TriggerContext after(Instant now, Instant lastFireTime) {
        return new TriggerContext(now, Objects.requireNonNull(lastFireTime, "lastFireTime"), null);
    }

    public Optional<Instant> lastFire() {
        return Optional.ofNullable(lastFireTime);
    }

    public Optional<Instant> lastCompleted() {
        return Optional.ofNullable(lastCompletion);
    }
}
