package dev.chime.schedules;

import dev.chime.Trigger;
import dev.chime.TriggerContext;
import dev.chime.schedules.internal.NestedSpecs;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Fires whenever any of its parts fires (APScheduler's {@code OrTrigger}): the earliest next fire
 * time of the parts. Spec: {@code any:(<spec>)(<spec>)...}, nestable. Immutable.
 */
public record AnyTrigger(List<Trigger> parts) implements Trigger {

    public static final String TYPE = "any";

    public AnyTrigger {
        parts = List.copyOf(parts);
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("any: needs at least one part");
        }
    }

    @Override
    public Optional<Instant> nextFireTime(TriggerContext context) {
        Instant earliest = null;
        for (Trigger part : parts) {
            Optional<Instant> next = part.nextFireTime(context);
            if (next.isPresent() && (earliest == null || next.get().isBefore(earliest))) {
                earliest = next.get();
            }
        }
        return Optional.ofNullable(earliest);
    }

    @Override
    public boolean dependsOnCompletion() {
        return parts.stream().anyMatch(Trigger::dependsOnCompletion);
    }

    @Override
    public Trigger anchoredAt(Instant now) {
        return new AnyTrigger(parts.stream().map(p -> p.anchoredAt(now)).toList());
    }

    @Override
    public String spec() {
        return TYPE + ":" + NestedSpecs.wrap(parts.stream().map(Trigger::spec).toList());
    }

    /** {@code "whenever any of these fires: (every hour); (at 09:00 (UTC))"}. */
    @Override
    public String describe() {
        return "whenever any of these fires: " + parts.stream().map(p -> "(" + p.describe() + ")").collect(Collectors.joining("; "));
    }
}
