package dev.chime.internal;

import dev.chime.JobOptions;
import dev.chime.Trigger;
import dev.chime.TriggerContext;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * Every loop over the trigger's answers is bounded, and every answer goes through
 * {@link TriggerGuard}: a trigger that throws, answers a time not after the last, or never reaches
 * now within {@link #MAX_ANSWERS} answers is faulty ({@link TriggerGuard.FaultyTriggerException}).
 * Without coalescing at most {@link #MAX_ENUMERATED} due fire times are enumerated one by one; a
 * larger backlog is skipped over up to the latest due fire time, which is planned as usual, and the
 * skipped range is logged once.
 */
final class MisfirePlanner {

    private static final Logger LOG = LoggerFactory.getLogger(MisfirePlanner.class);

    /** After this many single steps the planner jumps close to now instead of walking on. */
    private static final int STEPS_BEFORE_JUMP = 64;
    /** How many answers one search for the latest due fire time may ask for. */
    static final int MAX_ANSWERS = 10_000;
    /** How many due fire times, without coalescing, are run or reported missed one by one. */
    static final int MAX_ENUMERATED = 1_000;

    record Plan(List<Instant> run, List<Instant> missed, Optional<Instant> next) {
    }

    /** Lateness that counts against the grace: not what accrued while this node was saturated. */
    private final Saturation saturation;

    MisfirePlanner(Saturation saturation) {
        this.saturation = saturation;
    }

    Plan plan(String jobId, Trigger trigger, JobOptions jobOptions, Instant fireTime, Instant now, Instant lastCompletion) {
        JobOptions options = OneShotGrace.effective(trigger, jobOptions);
        if (trigger.dependsOnCompletion()) {
            // Fixed delay: only one fire time is ever outstanding; the next comes after this run.
            return single(fireTime, now, options, Optional.empty());
        }
        if (options.coalesce()) {
            Instant last = latestDue(trigger, fireTime, now);
            return single(last, now, options, TriggerGuard.next(trigger, new TriggerContext(now, last, lastCompletion)));
        }
        Optional<Instant> next = TriggerGuard.next(trigger, new TriggerContext(now, fireTime, lastCompletion));
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
            if (run.size() + missed.size() == MAX_ENUMERATED) {
                Instant latest = latestDue(trigger, next.get(), now);
                if (latest.isAfter(next.get())) {
                    LOG.warn("job '{}': more than {} fire times were due at once without coalescing; those from {} to before {}"
                            + " are skipped over", jobId, MAX_ENUMERATED, next.get(), latest);
                }
                (isLate(latest, now, options) ? missed : run).add(latest);
                return new Plan(run, missed, TriggerGuard.next(trigger, new TriggerContext(now, latest, lastCompletion)));
            }
            last = next.get();
            next = TriggerGuard.next(trigger, new TriggerContext(now, last, lastCompletion));
        }
    }

    /** Whether {@code fireTime} is later than the job's grace at {@code now} (as {@link #plan} judges it). */
    boolean lateBeyondGrace(Trigger trigger, JobOptions jobOptions, Instant fireTime, Instant now) {
        return isLate(fireTime, now, OneShotGrace.effective(trigger, jobOptions));
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
        for (int answers = 1; answers <= MAX_ANSWERS; answers++) {
            Optional<Instant> n = TriggerGuard.next(trigger, TriggerContext.after(now, latest));
            if (n.isEmpty() || n.get().isAfter(now)) {
                return latest;
            }
            latest = n.get();
            if (answers % STEPS_BEFORE_JUMP == 0) {
                // Long downtime (a 1 s job after a day off): ask for the first fire time after
                // now - w, doubling w, instead of walking every missed fire time.
                latest = jumpTowards(trigger, latest, now);
            }
        }
        throw new TriggerGuard.FaultyTriggerException("trigger '" + TriggerGuard.spec(trigger) + "' did not reach " + now + " from "
                + first + " within " + MAX_ANSWERS + " answers", null);
    }

    /**
     * The first fire time after {@code now - w} for the smallest window {@code w} (1 ns, doubling)
     * that holds one: close to now whatever the trigger's period. At most ~100 answers, since the
     * window stops growing once it reaches back to {@code latest}.
     */
    private static Instant jumpTowards(Trigger trigger, Instant latest, Instant now) {
        for (Duration w = Duration.ofNanos(1); ; w = w.multipliedBy(2)) {
            Instant from;
            try {
                from = now.minus(w);
            } catch (DateTimeException beforeTheEpochOfTime) {
                return latest;
            }
            if (!from.isAfter(latest)) {
                return latest;
            }
            Optional<Instant> n = TriggerGuard.next(trigger, TriggerContext.after(now, from));
            if (n.isPresent() && !n.get().isAfter(now) && n.get().isAfter(latest)) {
                return n.get();
            }
        }
    }
}
