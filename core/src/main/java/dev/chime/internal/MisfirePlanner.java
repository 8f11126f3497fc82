package dev.chime.internal;

import dev.chime.JobOptions;
import dev.chime.Trigger;
import dev.chime.TriggerContext;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The misfire rules, in one place, with APScheduler's meaning. Given a claimed fire time and the
 * current instant it decides which fire times run, which are reported missed, and what the next
 * fire time is:
 * <ul>
 *   <li>every fire time at or before now is due; with {@code coalesce} only the latest of them
 *       counts, the others vanish silently;</li>
 *   <li>a due fire time later than the misfire grace time is missed, the others run;</li>
 *   <li>the next fire time is the trigger's first one after the last due fire time.</li>
 * </ul>
 */
final class MisfirePlanner {

    /** After this many single steps the planner jumps close to now instead of walking on. */
    private static final int STEPS_BEFORE_JUMP = 64;

    record Plan(List<Instant> run, List<Instant> missed, Optional<Instant> next) {
    }

    /** Lateness that counts against the grace: not what accrued while this node was saturated. */
    private final Saturation saturation;

    MisfirePlanner(Saturation saturation) {
        this.saturation = saturation;
    }

    Plan plan(Trigger trigger, JobOptions jobOptions, Instant fireTime, Instant now, Instant lastCompletion) {
        JobOptions options = OneShotGrace.effective(trigger, jobOptions);
        if (trigger.dependsOnCompletion()) {
            // Fixed delay: only one fire time is ever outstanding; the next comes after this run.
            return single(fireTime, now, options, Optional.empty());
        }
        if (options.coalesce()) {
            Instant last = latestDue(trigger, fireTime, now);
            return single(last, now, options, trigger.nextFireTime(new TriggerContext(now, last, lastCompletion)));
        }
        Optional<Instant> next = trigger.nextFireTime(new TriggerContext(now, fireTime, lastCompletion));
        if (next.isEmpty() || next.get().isAfter(now)) {
            // Nearly every firing: only the claimed fire time is due. The dispatcher plans every
            // firing on one thread, so this path allocates no lists.
            return single(fireTime, now, options, next);
        }
        List<Instant> run = new ArrayList<>();
        List<Instant> missed = new ArrayList<>();
        Instant last = fireTime;
        while (true) {
            (isLate(last, now, options) ? missed : run).add(last);
            if (next.isEmpty() || next.get().isAfter(now)) {
                return new Plan(run, missed, next);
            }
            last = next.get();
            next = trigger.nextFireTime(new TriggerContext(now, last, lastCompletion));
        }
    }

    private Plan single(Instant fireTime, Instant now, JobOptions options, Optional<Instant> next) {
        return isLate(fireTime, now, options)
                ? new Plan(List.of(), List.of(fireTime), next)
                : new Plan(List.of(fireTime), List.of(), next);
    }

    private boolean isLate(Instant fireTime, Instant now, JobOptions options) {
        Optional<Duration> grace = options.misfireGraceTime();
        return grace.isPresent() && saturation.lateness(fireTime, now).compareTo(grace.get()) > 0;
    }

    /** The latest fire time at or before {@code now}, starting from the due {@code first}. */
    private static Instant latestDue(Trigger trigger, Instant first, Instant now) {
        Instant latest = first;
        int steps = 0;
        while (true) {
            Optional<Instant> n = trigger.nextFireTime(TriggerContext.after(now, latest));
            if (n.isEmpty() || n.get().isAfter(now)) {
                return latest;
            }
            latest = n.get();
            if (++steps == STEPS_BEFORE_JUMP) {
                // Long downtime (a 1 s job after a day off): ask for the first fire time after
                // now - w, doubling w, instead of walking every missed fire time.
                latest = jumpTowards(trigger, latest, now);
            }
        }
    }

    private static Instant jumpTowards(Trigger trigger, Instant latest, Instant now) {
        for (Duration w = Duration.ofMillis(1); ; w = w.multipliedBy(2)) {
            Instant from = now.minus(w);
            if (!from.isAfter(latest)) {
                return latest;
            }
            Optional<Instant> n = trigger.nextFireTime(TriggerContext.after(now, from));
            if (n.isPresent() && !n.get().isAfter(now) && n.get().isAfter(latest)) {
                return n.get();
            }
        }
    }
}
