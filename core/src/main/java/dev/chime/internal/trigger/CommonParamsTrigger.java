package dev.chime.internal.trigger;

import dev.chime.Trigger;
import dev.chime.TriggerContext;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The parameters every trigger type accepts, applied around any trigger: no fire before
 * {@code start}, none after {@code end} (judged on the trigger's own fire time, before jitter), and
 * each fire time delayed by up to {@code jitter}. The registry wraps a parsed trigger in this when
 * its spec names any of them, so no provider implements them itself.
 *
 * <p>Jitter is deterministic: a hash of the job id and the undelayed fire time, in whole
 * milliseconds, so every node of a cluster (and a restarted node) computes the same fire time. The
 * job id is not part of the spec; {@link #forJob} binds it when a stored job is read
 * ({@code JobCodec}) or saved, and it takes no part in equality: it is the seed, not the schedule.
 * Immutable and thread-safe.
 */
public record CommonParamsTrigger(Trigger delegate, Instant start, Instant end, Duration jitter, String jobId)
        implements Trigger {

    /** How many of the delegate's fire times one answer may look at before giving up the exact rule. */
    private static final int SCAN_LIMIT = 10_000;

    public CommonParamsTrigger {
        Objects.requireNonNull(delegate, "delegate");
        if (start != null && end != null && end.isBefore(start)) {
            throw new IllegalArgumentException("end: " + end + " is before start " + start);
        }
        if (jitter != null && jitter.isNegative()) {
            throw new IllegalArgumentException("jitter: " + jitter + " must not be negative");
        }
        if (jitter != null && delegate instanceof IntervalTrigger interval && jitter.compareTo(interval.interval()) >= 0) {
            // Kept from the interval trigger's own jitter: then each fire stays inside its own grid cell.
            throw new IllegalArgumentException("jitter: " + jitter + " must be at least zero and shorter than the interval "
                    + interval.interval());
        }
        if (jitter != null && jitter.isZero()) {
            jitter = null;
        }
    }

    /** {@code trigger} with {@code jobId} as its jitter seed; itself when it has no jitter. */
    public static Trigger forJob(Trigger trigger, String jobId) {
        if (trigger instanceof CommonParamsTrigger common && common.jitter != null && !jobId.equals(common.jobId)) {
            return new CommonParamsTrigger(common.delegate, common.start, common.end, common.jitter, jobId);
        }
        return trigger;
    }

    @Override
    public Optional<Instant> nextFireTime(TriggerContext context) {
        Optional<Instant> nominal = jitter == null || context.lastFireTime() == null
                ? nominalNext(context)
                : nominalAfterJittered(context);
        if (nominal.isEmpty() || (end != null && nominal.get().isAfter(end))) {
            return Optional.empty();
        }
        return Optional.of(jittered(nominal.get()));
    }

    private Optional<Instant> nominalNext(TriggerContext context) {
        if (start == null) {
            return delegate.nextFireTime(context);
        }
        Optional<Instant> next;
        if (context.lastFireTime() == null) {
            // The first fire time as if the job had been added at start.
            Instant from = context.now().isBefore(start) ? start : context.now();
            next = delegate.nextFireTime(new TriggerContext(from, null, context.lastCompletion()));
        } else {
            next = delegate.nextFireTime(context);
        }
        if (next.isPresent() && next.get().isBefore(start)) {
            // A fire time of the trigger's own before start (a once: instant, a past date): the first one from start on.
            next = delegate.nextFireTime(new TriggerContext(context.now(), start.minusNanos(1), context.lastCompletion()));
        }
        return next;
    }

    /**
     * The last fire time the engine hands back is a delayed one. The next fire is the delayed time
     * of the first undelayed fire time whose delayed time is after it: the scan starts a whole
     * jitter earlier, so no fire time is lost to its predecessor's delay, and the one just fired
     * (whose delayed time equals the last) is not repeated.
     */
    private Optional<Instant> nominalAfterJittered(TriggerContext context) {
        Instant last = context.lastFireTime();
        Instant cursor = last.minus(jitter).minusNanos(1);
        for (int i = 0; i < SCAN_LIMIT; i++) {
            Optional<Instant> candidate = nominalNext(new TriggerContext(context.now(), cursor, context.lastCompletion()));
            if (candidate.isEmpty()) {
                return candidate;
            }
            Instant nominal = candidate.get();
            if (jittered(nominal).isAfter(last)) {
                return candidate;
            }
            if (!nominal.isAfter(cursor)) {
                break; // a trigger that does not move forward: fall back below
            }
            cursor = nominal;
        }
        return nominalNext(context);
    }

    private Instant jittered(Instant nominal) {
        if (jitter == null) {
            return nominal;
        }
        long maxMillis = jitter.toMillis();
        if (maxMillis == 0) {
            return nominal;
        }
        long seed = (jobId == null ? 0 : jobId.hashCode()) * 0x9E3779B97F4A7C15L
                ^ nominal.getEpochSecond() * 0xBF58476D1CE4E5B9L ^ nominal.getNano();
        return nominal.plusMillis(Math.floorMod(mix(seed), maxMillis + 1));
    }

    /** SplitMix64's finaliser: every input bit moves every output bit. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public boolean dependsOnCompletion() {
        return delegate.dependsOnCompletion();
    }

    @Override
    public Trigger anchoredAt(Instant now) {
        Trigger anchored = delegate.anchoredAt(now);
        return anchored == delegate ? this : new CommonParamsTrigger(anchored, start, end, jitter, jobId);
    }

    @Override
    public String spec() {
        StringBuilder spec = new StringBuilder(delegate.spec());
        if (start != null) {
            spec.append(";start=").append(start);
        }
        if (end != null) {
            spec.append(";end=").append(end);
        }
        if (jitter != null) {
            spec.append(";jitter=").append(jitter);
        }
        return spec.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CommonParamsTrigger other && delegate.equals(other.delegate) && Objects.equals(start, other.start)
                && Objects.equals(end, other.end) && Objects.equals(jitter, other.jitter);
    }

    @Override
    public int hashCode() {
        return Objects.hash(delegate, start, end, jitter);
    }
}
