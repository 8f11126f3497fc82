package dev.chime.internal;

import dev.chime.JobEvent;
import dev.chime.spi.Claim;
import dev.chime.spi.ClaimEnd;
import dev.chime.spi.ClaimResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One pass of the engine, the start of every run's story: claim due work from the store (fire
 * times, due executions, dead nodes' runs), decide each claim ({@link ClaimDecider}), have the
 * store end the claims and start the runs in one batch, and hand each started run to the
 * {@link AttemptRunner}. Every start of work, whatever its kind, goes this one way. Also the place
 * where timeouts fall due, stop requests arrive and the history is cleaned.
 */
final class FiringDispatcher {

    private static final Logger LOG = LoggerFactory.getLogger(FiringDispatcher.class);
    static final int CLAIM_BATCH = 256;

    private final EngineContext ctx;
    private final Admission admission;
    private final AttemptRunner runner;
    private final RunEnding ending;
    private final ClaimDecider decider;
    private final Saturation saturation = new Saturation();
    /** The tasks this node can run, so the store hands out no others; null when the factory cannot list them. */
    private final Set<String> runnableTasks;
    private final Duration claimAhead;
    private final ParkedFirings parked;
    private final HistoryCleaner cleaner;
    private final StopRequests stops;

    /**
     * @param claimAhead how far ahead of a fire time it may be claimed and parked on a worker
     *                   (zero: claimed when due, as a {@code TestClock} pass does by default)
     */
    FiringDispatcher(EngineContext ctx, Admission admission, AttemptRunner runner, RunEnding ending, Duration claimAhead,
                     boolean driveByClock, HistoryCleaner cleaner) {
        this.ctx = ctx;
        this.admission = admission;
        this.runner = runner;
        this.ending = ending;
        this.decider = new ClaimDecider(ctx, admission, new MisfirePlanner(saturation));
        this.runnableTasks = ctx.jobFactory().knownTasks().orElse(null);
        this.claimAhead = claimAhead;
        this.parked = new ParkedFirings(ctx, claimAhead, driveByClock, this::fireAtDue, this::putBackUnchanged);
        this.cleaner = cleaner;
        this.stops = new StopRequests(ctx, runner);
    }

    /**
     * Fires what is due now, as far as the claim budget allows ({@link ClaimBudget}: what this node
     * can start soon), then claims what falls due within the claim-ahead window for its free workers
     * to park on ({@link ParkedFirings}). {@code firing} is false while the scheduler is paused.
     * Returns true when it stopped at the budget with work possibly left: the caller then waits for
     * a finishing attempt ({@link RunTracker#onCapacity}) rather than a time.
     */
    boolean runDue(boolean firing) {
        Instant now = ctx.clock().instant();
        ending.writePending();
        runner.expireTimeouts();
        parked.releaseDue();
        stops.poll();
        cleaner.cleanIfDue(now);
        if (!firing) {
            saturation.caughtUp(); // lateness while paused is the user's, and counts
            return false;
        }
        List<Claim> claimed;
        do {
            int room = ctx.budget().claimable(ctx.tracker().inFlight(), ctx.tracker().workersInUse());
            if (room <= 0) {
                saturation.reachedLimit(now);
                return true;
            }
            claimed = claim(now, Math.min(room, CLAIM_BATCH));
            handleBatch(claimed, now);
            // A long burst must not hold timeouts back until the pass ends.
            runner.expireTimeouts();
        } while (!claimed.isEmpty());
        saturation.caughtUp();
        claimAhead(now);
        return false;
    }

    /** The one place the dispatcher asks the store for work: due now, or due by {@code upTo}. */
    private List<Claim> claim(Instant upTo, int limit) {
        try {
            return ctx.store().claim(upTo, limit, runnableTasks);
        } catch (RuntimeException e) {
            saturation.caughtUp(); // a worker is free: waiting on the store from here is not saturation
            throw e;
        }
    }

    /**
     * Decides a claimed batch on this thread and has the store carry it out. One thread decides
     * every claim: measured faster than spreading the decisions over the workers (BENCHMARKS.md),
     * and it keeps the order of fire times. The store then carries out a whole batch at once.
     */
    private void handleBatch(List<Claim> claimed, Instant now) {
        List<ClaimDecider.Decision> decided = new ArrayList<>(claimed.size());
        int putBack = 0;
        for (Claim claim : claimed) {
            try {
                decided.add(decider.decide(claim, now, false));
            } catch (Throwable e) {
                putBack(claim, e, now);
                putBack++;
            }
        }
        putBack += carryOut(decided, now, null);
        if (putBack > 0) {
            // Claiming on would hand the same work straight back: end the pass, and let the loop
            // back off before it tries it again.
            throw new IllegalStateException(putBack + " claim(s) could not be handled and were put back"
                    + " unchanged (see the errors above); the dispatcher backs off");
        }
    }

    /**
     * Claims what falls due within the claim-ahead window, at most one per free worker, and parks
     * each on a worker until its time. What is already due (a recovery, work that fell due since
     * the claim above) is handled at once as usual.
     */
    private void claimAhead(Instant now) {
        if (claimAhead.isZero()) {
            return;
        }
        int free = ctx.budget().freeWorkersToPark(ctx.tracker().inFlight(), ctx.tracker().workersInUse());
        if (free <= 0) {
            return;
        }
        List<Claim> claimed = claim(now.plus(claimAhead), Math.min(free, CLAIM_BATCH));
        List<Claim> dueNow = new ArrayList<>();
        for (Claim c : claimed) {
            if (c instanceof Claim.Recovery || !c.fireTime().isAfter(now) || !dueAfter(c, now)) {
                dueNow.add(c);
            } else {
                parked.park(c);
            }
        }
        handleBatch(dueNow, now);
    }

    /** Whether a claim's time (a fire time, or an execution's due time) is still to come. */
    private static boolean dueAfter(Claim claim, Instant now) {
        return claim instanceof Claim.Due d ? d.execution().dueAt().isAfter(now) : claim.fireTime().isAfter(now);
    }

    /**
     * A parked claim's time has come: on its worker thread, what the dispatcher does for a batch,
     * for a batch of one, and its attempt runs on this same thread (no second wake-up).
     */
    private void fireAtDue(Claim claim, Runnable onTracked) {
        // The worker woke on the ticker; a wall clock a hair behind must not make the firing look early.
        Instant clockNow = ctx.clock().instant();
        Instant due = claim instanceof Claim.Due d ? d.execution().dueAt() : claim.fireTime();
        Instant now = clockNow.isBefore(due) ? due : clockNow;
        ClaimDecider.Decision d;
        try {
            d = decider.decide(claim, now, true);
        } catch (Throwable e) {
            putBack(claim, e, now);
            return;
        }
        carryOut(List.of(d), now, onTracked);
    }

    /** Pause or shutdown: a parked claim goes back as it was; nothing runs. */
    private void putBackUnchanged(Claim claim) {
        try {
            ClaimResult result = ctx.store().endClaims(List.of(ClaimDecider.putBack(claim, ctx.clock().instant()))).get(0);
            if (result.status() != ClaimResult.Status.ENDED) {
                LOG.debug("{} '{}': changed while its claim of {} was parked; the change stands",
                        claim.jobId() == null ? "task" : "job", claim.jobId() == null ? claim.task() : claim.jobId(),
                        claim.fireTime());
            }
        } catch (Throwable e) {
            LOG.error("could not put back the claim of {} at {} made ahead; the store returns it when the claim expires",
                    claim.jobId() == null ? claim.task() : claim.jobId(), claim.fireTime(), e);
        }
    }

    /** Pause: parked claims are put back. */
    void pauseParked() {
        parked.pause();
    }

    void resumeParked() {
        parked.resume();
    }

    /** See {@link ParkedFirings#collectInFlight}. */
    boolean collectParked(List<Thread> blocking) {
        return parked.collectInFlight(blocking);
    }

    /**
     * Has the store carry out the decisions; returns how many claims were put back unchanged. With
     * {@code runHere}, the (single) run's attempt runs on the calling thread, which calls it once
     * the attempt is tracked.
     */
    private int carryOut(List<ClaimDecider.Decision> decided, Instant now, Runnable runHere) {
        if (decided.isEmpty()) {
            return 0;
        }
        List<ClaimEnd> ends = new ArrayList<>(decided.size());
        for (ClaimDecider.Decision d : decided) {
            ends.add(d.end());
        }
        List<ClaimResult> results;
        try {
            results = ctx.store().endClaims(ends);
        } catch (Throwable e) {
            return storeFailed(decided, e, now);
        }
        List<ClaimDecider.Decision> refused = new ArrayList<>(0);
        for (int i = 0; i < decided.size(); i++) {
            ClaimDecider.Decision d = decided.get(i);
            ClaimResult result = results.get(i);
            try {
                switch (result.status()) {
                    case ENDED -> started(d, result, now, runHere);
                    case LOST -> {
                        // The change that won the claim decides (a reschedule, a remove, a cancel,
                        // another node's takeover), and this work does not run here.
                        if (d.slotTaken()) {
                            admission.release(d.work());
                        }
                    }
                    default -> {
                        admission.release(d.work());
                        refused.add(d);
                    }
                }
            } catch (Throwable e) {
                // Each path frees the slot before anything that can throw; the rest of the batch goes on.
                LOG.error("could not carry out the store's answer for the claim of {} at {}", d.end().claim().jobId(),
                        d.end().claim().fireTime(), e);
            }
        }
        if (!refused.isEmpty()) {
            endRefused(refused, now);
        }
        return 0;
    }

    /**
     * The store failed to carry out a batch (it threw: nothing is known to be written). Nothing of
     * it runs: a fire time whose run could not be recorded is reported missed as its job moves on,
     * an execution waits a moment, and what cannot be told so goes back unchanged. Returns how many
     * went back unchanged.
     */
    private int storeFailed(List<ClaimDecider.Decision> decided, Throwable failure, Instant now) {
        LOG.error("the store could not carry out {} claim end(s); none of them runs", decided.size(), failure);
        List<ClaimDecider.Decision> retold = new ArrayList<>();
        List<ClaimEnd> ends = new ArrayList<>();
        int putBack = 0;
        for (ClaimDecider.Decision d : decided) {
            if (d.slotTaken()) {
                admission.release(d.work());
            }
            ClaimEnd instead = d.onStoreFailure(now);
            if (instead == null) {
                putBack(d.end().claim(), failure, now);
                putBack++;
            } else {
                retold.add(d);
                ends.add(instead);
            }
        }
        if (ends.isEmpty()) {
            return putBack;
        }
        try {
            List<ClaimResult> results = ctx.store().endClaims(ends);
            for (int i = 0; i < retold.size(); i++) {
                ClaimDecider.Decision d = retold.get(i);
                if (results.get(i).status() == ClaimResult.Status.ENDED && d.end().claim() instanceof Claim.FireTime) {
                    List<Instant> missed = new ArrayList<>(d.missed());
                    missed.addAll(d.fireTimes());
                    reportMissed(d, missed, now);
                }
            }
            return putBack;
        } catch (Throwable again) {
            for (ClaimDecider.Decision d : retold) {
                putBack(d.end().claim(), again, now);
            }
            return putBack + retold.size();
        }
    }

    /** Reports fire times missed, once the store ended their claim as this node asked. */
    private void reportMissed(ClaimDecider.Decision d, List<Instant> fireTimes, Instant now) {
        Claim claim = d.end().claim();
        String jobId = claim.jobId() == null ? "" : claim.jobId();
        for (Instant fireTime : fireTimes) {
            LOG.warn("job '{}' missed its fire time {} by {}", jobId, fireTime, Duration.between(fireTime, now));
            ctx.bus().publish(() -> new JobEvent.Missed(jobId, d.task(), fireTime, now));
        }
    }

    private void started(ClaimDecider.Decision d, ClaimResult result, Instant now, Runnable runHere) {
        if (!d.missed().isEmpty()) {
            reportMissed(d, d.missed(), now);
        }
        if (d.end().schedule() != null && d.end().schedule().removesJob()) {
            ctx.bus().publish(() -> new JobEvent.Removed(d.end().claim().jobId(), now));
        }
        if (!d.starts()) {
            return;
        }
        Run run = new Run(d.work(), result.ticket(), d.queued(), d.recovery(), d.keepsClaim(), d.jobLeftStore());
        if (runHere != null) {
            runner.startHere(run, runHere);
        } else {
            runner.start(run);
        }
    }

    /**
     * The store refused these starts at max instances across the cluster and kept their claims: a
     * fire time is reported skipped and only then put back, so that a node killed in between
     * leaves the claim to its taker instead of a fire time that vanished unreported; an execution
     * waits for a free instance.
     */
    private void endRefused(List<ClaimDecider.Decision> refused, Instant now) {
        List<ClaimEnd> ends = new ArrayList<>(refused.size());
        for (ClaimDecider.Decision d : refused) {
            if (d.end().claim() instanceof Claim.FireTime) {
                admission.skippedByStore(d.work(), d.fireTimes(), now);
            }
            ends.add(d.onRefusal());
        }
        try {
            List<ClaimResult> results = ctx.store().endClaims(ends);
            for (int i = 0; i < refused.size(); i++) {
                ClaimEnd end = ends.get(i);
                if (results.get(i).status() != ClaimResult.Status.ENDED) {
                    continue;
                }
                if (!refused.get(i).missed().isEmpty()) {
                    reportMissed(refused.get(i), refused.get(i).missed(), now);
                }
                if (end.schedule() != null && end.schedule().removesJob()) {
                    ctx.bus().publish(() -> new JobEvent.Removed(end.claim().jobId(), now));
                }
            }
        } catch (RuntimeException e) {
            LOG.error("could not put back {} claim(s) refused at max instances; the store returns them when the claims expire",
                    refused.size(), e);
        }
    }

    private void putBack(Claim claim, Throwable e, Instant now) {
        LOG.error("{} '{}': handling its claim of {} failed; it is put back unchanged",
                claim.jobId() == null ? "task" : "job", claim.jobId() == null ? claim.task() : claim.jobId(),
                claim.fireTime(), e);
        if (claim instanceof Claim.Recovery) {
            return; // a recovery stays claimed by this node; the store hands it out again on a takeover
        }
        try {
            ctx.store().endClaims(List.of(ClaimDecider.putBack(claim, now)));
        } catch (Throwable again) {
            LOG.error("could not put it back either; the store returns it when the claim expires", again);
        }
    }

    /**
     * The earliest instant at which {@link #runDue} has something to do: the next due time (less
     * the claim-ahead window while a worker is free to park on it), a timeout check; with a test
     * clock also the time of a parked claim, which its pass releases.
     */
    Optional<Instant> nextWakeUp(boolean firing) {
        Optional<Instant> wake = runner.nextTimeoutCheck();
        if (ctx.drivenByClock()) {
            wake = earliest(wake, parked.nextDue());
        }
        if (firing) {
            Optional<Instant> due = ctx.store().nextDueTime(runnableTasks);
            if (due.isPresent() && !claimAhead.isZero()
                    && ctx.budget().freeWorkersToPark(ctx.tracker().inFlight(), ctx.tracker().workersInUse()) > 0) {
                due = Optional.of(due.get().minus(claimAhead));
            }
            wake = earliest(wake, due);
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

    /** Shutdown: parked claims go back unrun, and runs no longer move on to queued fire times. */
    void stop() {
        parked.close();
    }
}
