package dev.chime.internal;

import dev.chime.JobDefinition;
import dev.chime.JobEvent;
import dev.chime.LastRun;
import dev.chime.Outcome;
import dev.chime.spi.Firing;
import dev.chime.spi.StoredJob;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One pass of the engine, the start of every firing's story: claim the due firings from the store,
 * apply the misfire rules, put each job back with its next fire time, and hand the fire times that
 * run to the {@link AttemptRunner}. Also the place where retries and timeouts fall due.
 */
final class FiringDispatcher {

    private static final Logger LOG = LoggerFactory.getLogger(FiringDispatcher.class);
    static final int CLAIM_BATCH = 256;

    private final EngineContext ctx;
    private final AttemptRunner runner;
    private final ScheduleKeeper keeper;
    private final MisfirePlanner planner = new MisfirePlanner();

    FiringDispatcher(EngineContext ctx, AttemptRunner runner, ScheduleKeeper keeper) {
        this.ctx = ctx;
        this.runner = runner;
        this.keeper = keeper;
    }

    /**
     * Fires what is due now, as far as the in-flight limit allows. {@code firing} is false while the
     * scheduler is paused. Returns true when it stopped at the limit with work possibly left: the
     * caller then waits for a finishing attempt ({@link RunTracker#onCapacity}) rather than a time.
     */
    boolean runDue(boolean firing) {
        Instant now = ctx.clock().instant();
        runner.expireTimeouts(now);
        if (!firing) {
            return false;
        }
        runner.runDueRetries(now);
        List<Firing> claimed;
        do {
            int room = ctx.maxInFlight() - ctx.tracker().runningAttempts();
            if (room <= 0) {
                return true;
            }
            claimed = ctx.store().claimDue(now, Math.min(room, CLAIM_BATCH));
            // One thread decides every firing: measured faster than spreading the decisions over the
            // workers (BENCHMARKS.md), and it keeps the order of fire times.
            claimed.forEach(f -> handleGuarded(f, now));
        } while (!claimed.isEmpty());
        return false;
    }

    private void handleGuarded(Firing firing, Instant now) {
        try {
            handle(firing, now);
        } catch (RuntimeException e) {
            LOG.error("job '{}': handling its fire time {} failed; it is put back unchanged", firing.jobId(),
                    firing.fireTime(), e);
            ctx.store().release(firing, firing.fireTime());
        }
    }

    /** The earliest instant at which {@link #runDue} has something to do. */
    Optional<Instant> nextWakeUp(boolean firing) {
        Optional<Instant> wake = ctx.tracker().earliestDeadline();
        if (firing) {
            wake = earliest(wake, ctx.store().nextDueTime());
            wake = earliest(wake, runner.nextRetry());
        }
        return wake;
    }

    private static Optional<Instant> earliest(Optional<Instant> a, Optional<Instant> b) {
        if (a.isEmpty()) {
            return b;
        }
        if (b.isEmpty()) {
            return a;
        }
        return a.get().isBefore(b.get()) ? a : b;
    }

    private void handle(Firing firing, Instant now) {
        StoredJob stored = firing.job();
        ctx.bus().publish(() -> new JobEvent.Claimed(stored.id(), stored.task(), firing.fireTime(), firing.recovery(), now));
        JobDefinition job;
        try {
            job = ctx.codec().decode(stored);
        } catch (RuntimeException e) {
            // One unreadable row (unknown trigger type, broken options) must not block the others:
            // take it out of the schedule, keep its data, and say why.
            LOG.error("job '{}' cannot be read and will not fire until it is replaced: {}", stored.id(), e.getMessage());
            ctx.store().release(firing, null);
            return;
        }
        Instant lastCompletion = stored.lastRun() == null ? null : stored.lastRun().finishedAt();
        MisfirePlanner.Plan plan = planner.plan(job.trigger(), job.options(), firing.fireTime(), now, lastCompletion);
        for (Instant missed : plan.missed()) {
            reportMissed(job, missed, now);
        }
        if (job.trigger().dependsOnCompletion()) {
            if (plan.run().isEmpty()) {
                keeper.firingOver(new ActiveFiring(job, firing.fireTime(), firing, firing.recovery()), now);
            } else {
                runner.dispatch(new ActiveFiring(job, plan.run().get(0), firing, firing.recovery()));
            }
            return;
        }
        boolean removed = false;
        if (plan.next().isEmpty()) {
            // Like APScheduler: a job whose trigger will never fire again leaves the store now; its
            // last runs (and their retries) go on from the definition in hand.
            removed = ctx.store().removeClaimed(firing);
            if (removed) {
                ctx.bus().publish(() -> new JobEvent.Removed(job.id(), now));
            }
        } else {
            ctx.store().release(firing, plan.next().get());
        }
        List<Instant> run = plan.run();
        if (!run.isEmpty()) {
            runner.dispatch(new ActiveFiring(job, run.get(0), null, firing.recovery(), removed, run.subList(1, run.size())));
        }
    }

    private void reportMissed(JobDefinition job, Instant fireTime, Instant now) {
        LOG.warn("job '{}' missed its fire time {} by {} (misfire grace {})", job.id(), fireTime,
                Duration.between(fireTime, now), job.options().misfireGraceTime().orElse(null));
        ctx.store().recordOutcome(job.id(), new LastRun(Outcome.MISSED, fireTime, now, Duration.ZERO, null));
        ctx.bus().publish(() -> new JobEvent.Missed(job.id(), job.task(), fireTime, now));
    }

    /** Stops retrying failed attempts (shutdown). */
    void stopRetries() {
        runner.stopAccepting();
    }

    /** Runs a job once now, outside its schedule. */
    void runNow(JobDefinition job) {
        runner.dispatch(new ActiveFiring(job, ctx.clock().instant(), null, false));
    }
}
