package dev.chime;

import dev.chime.internal.TriggerRegistry;
import dev.chime.internal.trigger.CommonParams;
import dev.chime.internal.trigger.FixedDelayTrigger;
import dev.chime.internal.trigger.IntervalTrigger;
import dev.chime.internal.trigger.OnceTrigger;
import java.time.Duration;
import java.time.Instant;

/** Factory methods for the built-in triggers, and parsing of trigger specs. */
public final class Triggers {

    private Triggers() {
    }

    /** Fires once at {@code at}. Spec: {@code once:2026-01-01T09:00:00Z}. */
    public static Trigger once(Instant at) {
        return new OnceTrigger(at);
    }

    /** Fires every {@code interval}, first one interval after the job is added. Spec: {@code interval:PT10S}. */
    public static Trigger interval(Duration interval) {
        return new IntervalTrigger(interval, null, null);
    }

    /**
     * Fires every {@code interval} from {@code start} (null: one interval after the job is added)
     * until {@code end} (null: forever), each fire delayed by up to {@code jitter} (null or zero:
     * none; must be shorter than the interval). The delay is the same on every node: a hash of the
     * job id and the fire time.
     */
    public static Trigger interval(Duration interval, Instant start, Instant end, Duration jitter) {
        return withCommon(new IntervalTrigger(interval, start, end), null, null, jitter);
    }

    /**
     * {@code trigger} with the parameters every trigger type accepts, as {@code ;start=},
     * {@code ;end=} and {@code ;jitter=} do in a spec: no fire before {@code start}, none after
     * {@code end}, each fire time delayed by up to {@code jitter}, the same delay on every node (a
     * hash of the job id and the fire time). Nulls mean "not given".
     */
    public static Trigger withCommon(Trigger trigger, Instant start, Instant end, Duration jitter) {
        return new CommonParams("", start, end, jitter).applyTo(trigger);
    }

    /** Fires {@code delay} after the previous run finished; the first run one delay after the job is added. */
    public static Trigger fixedDelay(Duration delay) {
        return new FixedDelayTrigger(delay, null);
    }

    /** Fires {@code delay} after the previous run finished; the first run at {@code start}. */
    public static Trigger fixedDelay(Duration delay, Instant start) {
        return new FixedDelayTrigger(delay, start);
    }

    /**
     * Parses a spec with every trigger type on the classpath (found with {@link java.util.ServiceLoader}).
     * A scheduler with hand-registered types parses with {@link Scheduler#parseTrigger(String)}.
     *
     * @throws InvalidTriggerSpecException naming the spec and what is wrong with it
     */
    public static Trigger parse(String spec) {
        return TriggerRegistry.discovered().parse(spec);
    }
}
