package dev.chime;

import java.time.Instant;
import java.util.Optional;

/**
 * When a job fires. A trigger answers one question: given what has happened so far, when is the
 * next fire time? Triggers are immutable values, safe to share between threads, and round-trip
 * through their {@linkplain #spec() spec text} ({@code type:body}) so stores and configuration
 * files can hold them.
 *
 * <p>Write your own by implementing this interface and a {@link dev.chime.spi.TriggerProvider}.
 */
public interface Trigger {

    /**
     * The next fire time. When {@code context.lastFireTime()} is present the answer must be strictly
     * after it, and may be computed for any instant (the engine asks "what is the first fire time
     * after T" to skip over downtime). When it is absent this is the first fire time, which may lie
     * in the past (a one-shot trigger for an instant already gone): the job's misfire options then
     * decide whether it still runs. Empty means the trigger will never fire again.
     */
    Optional<Instant> nextFireTime(TriggerContext context);

    /** The spec text, {@code type:body}, that parses back to an equal trigger. */
    String spec();

    /**
     * True when the next fire time can only be known after the current run completes (a fixed
     * delay between runs). The engine then asks for it once the run is over, and the job never
     * overlaps itself.
     */
    default boolean dependsOnCompletion() {
        return false;
    }

    /**
     * Called once when a job is added or rescheduled. A trigger whose schedule is relative to "now"
     * (an interval with no start) returns a copy fixed to that instant, so its phase survives a
     * restart and jitter never accumulates into drift. Others return themselves.
     */
    default Trigger anchoredAt(Instant now) {
        return this;
    }

    /**
     * The schedule in English, for people: {@code "every 15 seconds"}, {@code "at 09:00, Monday
     * through Friday (Europe/Berlin)"}. A phrase without a capital or a final full stop, so that a
     * wrapping trigger can embed its parts' descriptions ({@code "every hour, except on weekends"}).
     * The default names the spec, which is always true if not always friendly; every built-in type
     * says more. {@link dev.chime.spi.English} helps phrase durations.
     */
    default String describe() {
        return "on the schedule " + spec();
    }
}
