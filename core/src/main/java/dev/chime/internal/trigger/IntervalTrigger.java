package dev.chime.internal.trigger;

import dev.chime.JobOptions;
import dev.chime.Trigger;
import dev.chime.TriggerContext;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Optional;

/**
 * Fires at a fixed rate: {@code start}, {@code start + interval}, ... up to {@code end}. Jitter is
 * the common parameter ({@link CommonParamsTrigger}). With no start, the first fire is one
 * interval after the (whole) second the job was added in (APScheduler's meaning, to the second). Fire times stay on the grid of the
 * start however late runs are, so neither slow jobs nor jitter make the schedule drift.
 *
 * <p>Spec: {@code interval:PT10S[;start=<instant>][;end=<instant>]}, plus the common {@code ;jitter=}; the
 * interval is from 1 ms to 100 years.
 */
public record IntervalTrigger(Duration interval, Instant start, Instant end) implements Trigger {

    public static final String TYPE = "interval";
    /** The shortest interval: a shorter one would leave more fire times to enumerate than a scheduler can fire. */
    public static final Duration MIN_INTERVAL = Duration.ofMillis(1);

    public IntervalTrigger {
        Objects.requireNonNull(interval, "interval");
        if (interval.compareTo(MIN_INTERVAL) < 0 || interval.compareTo(JobOptions.MAX_DURATION) > 0) {
            throw new IllegalArgumentException("interval: " + interval + " is outside " + MIN_INTERVAL + " (1 ms) to "
                    + JobOptions.MAX_DURATION + " (100 years)");
        }
        if (start != null && end != null && end.isBefore(start)) {
            throw new IllegalArgumentException("end: " + end + " is before start " + start);
        }
    }

    @Override
    public Optional<Instant> nextFireTime(TriggerContext context) {
        Instant anchor = start != null ? start : context.now().plus(interval);
        Instant nominal;
        if (context.lastFireTime() == null) {
            nominal = firstAtOrAfter(anchor, context.now());
        } else {
            nominal = firstAfter(anchor, context.lastFireTime());
        }
        if (end != null && nominal.isAfter(end)) {
            return Optional.empty();
        }
        return Optional.of(nominal);
    }

    private Instant firstAtOrAfter(Instant anchor, Instant now) {
        if (!anchor.isBefore(now)) {
            return anchor;
        }
        long steps = wholeIntervals(anchor, now);
        Instant candidate = gridPoint(anchor, steps);
        return candidate.isBefore(now) ? candidate.plus(interval) : candidate;
    }

    private Instant firstAfter(Instant anchor, Instant after) {
        if (after.isBefore(anchor)) {
            return anchor;
        }
        return gridPoint(anchor, wholeIntervals(anchor, after) + 1);
    }

    /**
     * Whole intervals from {@code anchor} to {@code t} (not before it). In nanoseconds when they fit
     * in a long (spans under 292 years): Duration's own division and multiplication go through
     * BigDecimal, which made this trigger the largest source of garbage on the dispatcher thread.
     */
    private long wholeIntervals(Instant anchor, Instant t) {
        Duration span = Duration.between(anchor, t);
        try {
            return span.toNanos() / interval.toNanos();
        } catch (ArithmeticException tooLongForNanos) {
            return span.dividedBy(interval);
        }
    }

    private Instant gridPoint(Instant anchor, long steps) {
        try {
            return anchor.plusNanos(Math.multiplyExact(interval.toNanos(), steps));
        } catch (ArithmeticException tooLongForNanos) {
            return anchor.plus(interval.multipliedBy(steps));
        }
    }

    /**
     * Anchors to the whole second ("one interval after the second the job was added"): jobs added
     * in the same second share one grid and one spec text, which a store can keep once.
     */
    @Override
    public Trigger anchoredAt(Instant now) {
        return start != null ? this : new IntervalTrigger(interval, now.truncatedTo(ChronoUnit.SECONDS).plus(interval), end);
    }

    @Override
    public String spec() {
        StringBuilder sb = new StringBuilder(TYPE).append(':').append(interval);
        if (start != null) {
            sb.append(";start=").append(start);
        }
        if (end != null) {
            sb.append(";end=").append(end);
        }
        return sb.toString();
    }
}
