package dev.chime.internal.trigger;

import dev.chime.JobOptions;
import dev.chime.Trigger;
import dev.chime.TriggerContext;
import dev.chime.spi.English;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Fires {@code delay} after the previous run finished (Spring's {@code fixedDelay}), so runs never
 * overlap however long they take. The first run is at {@code start}, or one delay after the job was
 * added. Spec: {@code delay:PT30S[;start=<instant>]}; the delay is from 1 ms to 100 years.
 */
public record FixedDelayTrigger(Duration delay, Instant start) implements Trigger {

    public static final String TYPE = "delay";

    public FixedDelayTrigger {
        Objects.requireNonNull(delay, "delay");
        if (delay.compareTo(IntervalTrigger.MIN_INTERVAL) < 0 || delay.compareTo(JobOptions.MAX_DURATION) > 0) {
            throw new IllegalArgumentException("delay: " + delay + " is outside " + IntervalTrigger.MIN_INTERVAL
                    + " (1 ms) to " + JobOptions.MAX_DURATION + " (100 years)");
        }
    }

    @Override
    public Optional<Instant> nextFireTime(TriggerContext context) {
        if (context.lastCompletion() != null) {
            return Optional.of(context.lastCompletion().plus(delay));
        }
        if (context.lastFireTime() != null) {
            // Asked without a completion (the engine skipping downtime): keep the same spacing.
            return Optional.of(context.lastFireTime().plus(delay));
        }
        return Optional.of(start != null ? start : context.now().plus(delay));
    }

    @Override
    public boolean dependsOnCompletion() {
        return true;
    }

    @Override
    public String spec() {
        return start == null ? TYPE + ":" + delay : TYPE + ":" + delay + ";start=" + start;
    }

    /** {@code "15 seconds after the previous run finishes"}, with the first run's instant when set. */
    @Override
    public String describe() {
        String text = English.duration(delay) + " after the previous run finishes";
        return start == null ? text : text + ", first at " + start;
    }
}
