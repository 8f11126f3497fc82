package dev.chime.schedules;

import dev.chime.Trigger;
import dev.chime.TriggerContext;
import dev.chime.schedules.internal.NestedSpecs;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Fires only when every part fires at the same instant (APScheduler's {@code AndTrigger}), e.g. a
 * cron that says "Fridays" and one that says "the 13th". The search leapfrogs: it takes the latest
 * of the parts' next fire times and asks every part again from there, at most
 * {@value #MAX_CANDIDATES} times; parts that never agree are a clear error, never a hang.
 * Spec: {@code all:(<spec>)(<spec>)...}, nestable. Immutable.
 */
public record AllTrigger(List<Trigger> parts) implements Trigger {

    public static final String TYPE = "all";
    public static final int MAX_CANDIDATES = 10_000;

    public AllTrigger {
        parts = List.copyOf(parts);
        if (parts.size() < 2) {
            throw new IllegalArgumentException("all: needs at least two parts");
        }
    }

    /**
     * @throws IllegalStateException when the parts did not agree within {@value #MAX_CANDIDATES}
     *         candidate instants: they may never fire together
     */
    @Override
    public Optional<Instant> nextFireTime(TriggerContext context) {
        Instant candidate = null;
        for (Trigger part : parts) {
            Optional<Instant> next = part.nextFireTime(context);
            if (next.isEmpty()) {
                return Optional.empty();
            }
            candidate = candidate == null || next.get().isAfter(candidate) ? next.get() : candidate;
        }
        for (int i = 0; i < MAX_CANDIDATES; i++) {
            Instant latest = candidate;
            boolean agree = true;
            for (Trigger part : parts) {
                // "First fire time at or after the candidate": strictly after one nanosecond before.
                Optional<Instant> next = part.nextFireTime(new TriggerContext(context.now(), candidate.minusNanos(1), null));
                if (next.isEmpty()) {
                    return Optional.empty();
                }
                if (!next.get().equals(candidate)) {
                    agree = false;
                    latest = next.get().isAfter(latest) ? next.get() : latest;
                }
            }
            if (agree) {
                return Optional.of(candidate);
            }
            candidate = latest;
        }
        throw new IllegalStateException("all: the parts of " + spec() + " did not fire at the same instant within "
                + MAX_CANDIDATES + " candidate times (last tried " + candidate + "); they may never agree");
    }

    @Override
    public boolean dependsOnCompletion() {
        return parts.stream().anyMatch(Trigger::dependsOnCompletion);
    }

    @Override
    public Trigger anchoredAt(Instant now) {
        return new AllTrigger(parts.stream().map(p -> p.anchoredAt(now)).toList());
    }

    @Override
    public String spec() {
        return TYPE + ":" + NestedSpecs.wrap(parts.stream().map(Trigger::spec).toList());
    }

    /** {@code "when all of these fire at the same instant: (...); (...)"}. */
    @Override
    public String describe() {
        return "when all of these fire at the same instant: "
                + parts.stream().map(p -> "(" + p.describe() + ")").collect(Collectors.joining("; "));
    }
}
