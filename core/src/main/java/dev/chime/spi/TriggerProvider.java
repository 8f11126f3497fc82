package dev.chime.spi;

import dev.chime.Trigger;
import java.util.Set;

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
     * @param body   the text after the first colon, never null, without the common parameters
     *               ({@code start}, {@code end}, {@code jitter}) this type does not {@linkplain #ownParameters own}
     * @param nested parses whole specs, for trigger types built from other triggers
     * @throws IllegalArgumentException with a message that names the bad part
     */
    Trigger parse(String body, TriggerParser nested);

    /**
     * The common parameters ({@code start}, {@code end}, {@code jitter}) that this type reads itself,
     * with a meaning of its own; by default none. The engine handles the others for every type, in
     * one place: they are taken out of the body before {@link #parse} sees it, applied around the
     * parsed trigger, and written back after its {@link Trigger#spec()}. (The {@code interval}
     * type owns {@code start} and {@code end}: its start is the first point of its grid.)
     */
    default Set<String> ownParameters() {
        return Set.of();
    }

    /** The spec text of a trigger of this type; by default the trigger's own {@link Trigger#spec()}. */
    default String format(Trigger trigger) {
        return trigger.spec();
    }
}
