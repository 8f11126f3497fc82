package dev.chime.internal.trigger;

import dev.chime.Trigger;
import dev.chime.TriggerContext;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/** Fires once, at an instant (APScheduler's date trigger). Spec: {@code once:2026-01-01T09:00:00Z}. */
public record OnceTrigger(Instant at) implements Trigger {

    public static final String TYPE = "once";

    public OnceTrigger {
        Objects.requireNonNull(at, "at");
    }

    @Override
    public Optional<Instant> nextFireTime(TriggerContext context) {
        if (context.lastFireTime() == null) {
            // Even if 'at' is already past: the job's misfire grace decides whether it still runs.
            return Optional.of(at);
        }
        return context.lastFireTime().isBefore(at) ? Optional.of(at) : Optional.empty();
    }

    @Override
    public String spec() {
        return TYPE + ":" + at;
    }

    /** {@code "once, at 2026-01-01T09:00:00Z"}. */
    @Override
    public String describe() {
        return "once, at " + at;
    }
}
