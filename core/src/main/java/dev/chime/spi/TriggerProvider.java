package dev.chime.spi;

import dev.chime.Trigger;

/**
 * A trigger type, found with {@link java.util.ServiceLoader} (one line in
 * {@code META-INF/services/dev.chime.spi.TriggerProvider}) or registered by hand with
 * {@code SchedulerBuilder.triggerProvider(...)}. Implementations must be stateless and thread-safe.
 */
public interface TriggerProvider {

    /** The type name, the part of a spec before the first colon: {@code interval}, {@code cron}. */
    String type();

    /**
     * Parses the part of a spec after {@code type:}.
     *
     * @param body   the text after the first colon, never null
     * @param nested parses whole specs, for trigger types built from other triggers
     * @throws IllegalArgumentException with a message that names the bad part
     */
    Trigger parse(String body, TriggerParser nested);

    /** The spec text of a trigger of this type; by default the trigger's own {@link Trigger#spec()}. */
    default String format(Trigger trigger) {
        return trigger.spec();
    }
}
