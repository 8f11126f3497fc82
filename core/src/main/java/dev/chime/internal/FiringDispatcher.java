package dev.chime.internal;

import dev.chime.JobDefinition;
import dev.chime.JobEvent;
import dev.chime.TriggerContext;
import dev.chime.spi.Dispatch;
import dev.chime.spi.Firing;
import dev.chime.spi.JobStore;
import dev.chime.spi.RunEnd;
import dev.chime.spi.RunRequest;
import dev.chime.spi.RunTicket;
import dev.chime.spi.StoredJob;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
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
    private final Admission admission;
    private final AttemptRunner runner;
    private final ScheduleKeeper keeper;
    private final Saturation saturation = new Saturation();
    private final MisfirePlanner planner = new MisfirePlanner(saturation);
    /** The tasks this node can run, so the store hands out no others; null when the factory cannot list them. */
    private final Set<String> runnableTasks;
    private final ClaimWindow claimAhead;
    private final ParkedFirings parked;

    /**
     * @param claimAhead how far ahead of a fire time it may be claimed and parked on a worker
     *                   (zero: claimed when due, as a {@code TestClock} pass does by default)
     */
    FiringDispatcher(EngineContext ctx, Admission admission, AttemptRunner runner, ScheduleKeeper keeper,
                     ClaimWindow claimAhead, boolean driveByClock) {
        this.ctx = ctx;
        this.admission = admission;
        this.runner = runner;
        this.keeper = keeper;
        this.runnableTasks = ctx.jobFactory().knownTasks().orElse(null);
        this.claimAhead = claimAhead;
        this.parked = new ParkedFirings(ctx, claimAhead.widest(), driveByClock, this::fireTogetherAtDue,
                this::putBackUnchanged);
    }

    /**
     * Fires what is due now, as far as the claim budget allows ({@link ClaimBudget}: what this node
     * can start soon), then claims what falls due within the claim-ahead window for its free workers
     * to park on ({@link ParkedFirings}). {@code firing} is asked before every claim: false once the
     * scheduler is paused.
     * Returns true when it stopped at the budget with work possibly left: the caller then waits for
     * a finishing attempt ({@link RunTracker#onCapacity}) rather than a time.
     */
    boolean runDue(BooleanSupplier firing) {
        Instant now = ctx.clock().instant();
        runner.expireTimeouts();
        parked.releaseDue();
        if (!firing.getAsBoolean()) {
            saturation.caughtUp(); // lateness while paused is the user's, and counts
            return false;
        }
        runner.runDueRetries();
        List<Firing> claimed;
        do {
            if (!firing.getAsBoolean()) {
                // Paused during this pass: jobs added after pause() returned must not be claimed
                // by a pass that began before it.
                return false;
            }
            int room = ctx.budget().claimable(ctx.tracker().inFlight(), ctx.tracker().workersInUse());
            if (room <= 0) {
                saturation.reachedLimit(now);
                return true;
            }
            claimed = claim(now, Math.min(room, CLAIM_BATCH));
            handleClaimed(claimed, now, claimAhead.isOff() ? 0
                    : ctx.budget().freeWorkersToPark(ctx.tracker().inFlight(), ctx.tracker().workersInUse()));
            // A long burst must not hold timeouts and retries back until the pass ends.
            runner.expireTimeouts();
            runner.runDueRetries();
        } while (!claimed.isEmpty());
        saturation.caughtUp();
        if (firing.getAsBoolean()) {
            claimAhead(now);
        }
        return false;
    }

    /** The one place the dispatcher asks the store for firings: due ones, or those due by {@code upTo}. */
    private List<Firing> claim(Instant upTo, int limit) {
        try {
            long start = ctx.ticker().nanos();
            List<Firing> claimed = ctx.store().claimDue(upTo, limit, runnableTasks);
            claimAhead.claimTook(ctx.ticker().nanos() - start, claimed.size());
            return claimed;
        } catch (RuntimeException e) {
            saturation.caughtUp(); // a worker is free: waiting on the store from here is not saturation
            throw e;
        }
    }

    /**
     * Decides a claimed batch on this thread and has the store carry it out. One thread decides
     * every firing: measured faster than spreading the decisions over the workers (BENCHMARKS.md),
     * and it keeps the order of fire times. The store then carries out a whole batch at once.
     */
    private void handleBatch(List<Firing> claimed, Instant now) {
        List<Decided> decided = new ArrayList<>(claimed.size());
        int putBack = 0;
        for (Firing claim : claimed) {
            try {
                Decided d = decide(claim, now);
                if (d != null) {
                    decided.add(d);
                }
            } catch (Throwable e) {
                putBack(claim, e);
                putBack++;
            }
        }
        putBack += carryOut(decided, now, null);
        if (putBack > 0) {
            // Claiming on would hand the same firings straight back: end the pass, and let the
            // loop back off before it tries them again.
            throw new IllegalStateException(putBack + " claimed firing(s) could not be handled and were put back"
                    + " unchanged (see the errors above); the dispatcher backs off");
        }
    }

    /**
     * Claims what falls due within the claim-ahead window, at most one firing per free worker, and
     * parks each on a worker until its fire time. What is already due (a recovery, a job that fell
     * due since the claim above) is handled at once as usual.
     */
    private void claimAhead(Instant now) {
        if (claimAhead.isOff()) {
            return;
        }
        int free = ctx.budget().freeWorkersToPark(ctx.tracker().inFlight(), ctx.tracker().workersInUse());
        if (free <= 0) {
            return;
        }
        handleClaimed(claim(now.plus(claimAhead.current()), Math.min(free, CLAIM_BATCH)), now, free);
    }

    /**
     * Handles what is due at once and parks a firing claimed before its fire time on one of
     * {@code parkable} free workers; with none left it goes back to the store unchanged, never
     * started early. A claim of due firings can hand out one not yet due: store-jdbc adopts the
     * claims of an earlier call of this node whose answer was lost, and that call may have claimed
     * ahead.
     */
    private void handleClaimed(List<Firing> claimed, Instant now, int parkable) {
        List<Firing> dueNow = new ArrayList<>(claimed.size());
        int parkedNow = 0;
        for (Firing f : claimed) {
            if (f.recovery() || !f.fireTime().isAfter(now)) {
                dueNow.add(f);
            } else if (parkedNow < parkable) {
                parked.park(f);
                parkedNow++;
            } else {
                putBackUnchanged(f);
            }
        }
        handleBatch(dueNow, now);
    }

    /**
     * Firings parked for one instant (often one), fired by the first of their workers to wake:
     * decided as parked firings and dispatched in one store call; each attempt runs on its own
     * firing's worker (no second wake-up, and never back through the executor).
     */
    private void fireTogetherAtDue(List<Firing> claims, List<ParkedFirings.Worker> workers) {
        // The worker woke on the ticker; a wall clock a hair behind must not make the firing look early.
        Instant clockNow = ctx.clock().instant();
        Instant fireTime = claims.get(0).fireTime();
        Instant now = clockNow.isBefore(fireTime) ? fireTime : clockNow;
        List<Decided> decided = new ArrayList<>(claims.size());
        List<ParkedFirings.Worker> onWorkers = new ArrayList<>(claims.size());
        for (int i = 0; i < claims.size(); i++) {
            Decided d;
            try {
                d = decide(claims.get(i), now, workers.get(i));
            } catch (Throwable e) {
                putBack(claims.get(i), e);
                d = null;
            }
            if (d != null) {
                decided.add(d);
                onWorkers.add(workers.get(i));
            } else if (!workers.get(i).hasAttempt()) {
                // Over: it must not stay held while an attempt of the instant runs on the
                // leader's thread. (One handed its attempt in decide stops being held when the
                // attempt is tracked.)
                workers.get(i).tracked();
            }
        }
        carryOut(decided, now, onWorkers);
    }

    /** Pause or shutdown: a parked claim goes back to the schedule at its own fire time; nothing runs. */
    private void putBackUnchanged(Firing claim) {
        try {
            if (!ctx.store().release(claim, claim.fireTime())) {
                LOG.debug("job '{}': changed while its firing of {} was parked; the change stands", claim.jobId(),
                        claim.fireTime());
            }
        } catch (Throwable e) {
            LOG.error("job '{}': could not put back its firing of {} claimed ahead; the store returns it when the claim"
                    + " expires", claim.jobId(), claim.fireTime(), e);
        }
    }

    /** Pause: parked firings are put back. */
    void pauseParked() {
        parked.pause();
    }

    void resumeParked() {
        parked.resume();
    }

    /** True when every firing parked until due is blocked waiting for an instant still to come. */
    boolean parkedSettled() {
        return parked.allWaiting();
    }

    /**
     * A claimed firing decided on the dispatcher thread, waiting for the store: the run (an
     * instance slot already taken on this node; null when nothing runs) and where the job goes next.
     */
    private record Decided(Dispatch dispatch, JobDefinition job, ActiveFiring run) {
    }

    /**
     * Has the store carry out the decisions; returns how many firings were put back unchanged.
     * {@code parkedOn} (null for none) has, per decision, the worker parked for it, on which its
     * attempt runs; otherwise attempts go to the executor.
     */
    private int carryOut(List<Decided> decided, Instant now, List<ParkedFirings.Worker> parkedOn) {
        if (decided.isEmpty()) {
            return 0;
        }
        List<Dispatch> dispatches = new ArrayList<>(decided.size());
        for (Decided d : decided) {
            dispatches.add(d.dispatch());
        }
        List<Dispatch.Result> results;
        try {
            results = ctx.store().dispatch(dispatches);
        } catch (Throwable e) {
            for (Decided d : decided) {
                if (d.run() != null) {
                    admission.abandon(d.run());
                }
                putBack(d.dispatch().firing(), e);
            }
            return decided.size();
        }
        for (int i = 0; i < decided.size(); i++) {
            carryOut(decided.get(i), results.get(i), now, parkedOn == null ? null : parkedOn.get(i));
        }
        return 0;
    }

    /** One decision's share of the store's answer; {@code parkedOn} non-null runs its attempt on that worker. */
    private void carryOut(Decided d, Dispatch.Result result, Instant now, ParkedFirings.Worker parkedOn) {
        boolean removed = d.dispatch().removesJob() && result.claimEnded();
        if (removed) {
            ctx.bus().publish(() -> new JobEvent.Removed(d.job().id(), now));
        }
        if (d.run() == null) {
            return;
        }
        try {
            if (result.refusedClaimKept()) {
                // Reported before the job goes back: a node that dies in between leaves the
                // claim for its taker, never a fire time that vanished unreported.
                admission.refusedByStore(d.run());
                putBackAfterRefusal(d);
            } else if (!result.claimEnded()) {
                // The claim was lost (a concurrent reschedule or remove, another node's takeover):
                // the change that won decides, and this firing does not run here.
                lostClaim(d, result);
            } else if (result.ticket() == null) {
                admission.refusedByStore(d.run());
            } else if (parkedOn != null) {
                ActiveFiring begun = d.run().begun(result.ticket(), removed);
                parkedOn.runOnIt(() -> runner.startHere(begun, parkedOn::tracked));
            } else {
                runner.start(d.run().begun(result.ticket(), removed));
            }
        } catch (Throwable e) {
            // Each path frees the slot before anything that can throw; the rest of the batch goes on.
            LOG.error("job '{}': could not carry out the store's answer for its fire time {}", d.job().id(),
                    d.dispatch().firing().fireTime(), e);
        }
    }

    private void putBackAfterRefusal(Decided d) {
        try {
            ctx.store().release(d.dispatch().firing(), d.dispatch().nextFireTime());
        } catch (RuntimeException e) {
            LOG.error("job '{}': could not put it back after its skipped fire time {}; the store returns it when the "
                    + "claim expires", d.job().id(), d.dispatch().firing().fireTime(), e);
        }
    }

    private void lostClaim(Decided d, Dispatch.Result result) {
        admission.abandon(d.run());
        if (result.ticket() != null) {
            // A store that breaks the contract of Dispatch.Result: undo its run record, or the run
            // would count against max instances until another node recovered it.
            LOG.warn("job '{}': the store recorded a run of {} for a claim it had lost; ending that record",
                    d.job().id(), d.dispatch().firing().fireTime());
            try {
                ctx.store().completeRun(result.ticket(), null);
            } catch (RuntimeException e) {
                LOG.error("job '{}': could not end the store's record of a run it should not have made", d.job().id(), e);
            }
        }
    }

    private void putBack(Firing firing, Throwable e) {
        LOG.error("job '{}': handling its fire time {} failed; it is put back unchanged", firing.jobId(),
                firing.fireTime(), e);
        if (firing.holdsClaim()) {
            try {
                ctx.store().release(firing, firing.fireTime());
            } catch (Throwable again) {
                LOG.error("job '{}': could not put it back either; the store returns it when the claim expires",
                        firing.jobId(), again);
            }
        }
    }

    /**
     * The earliest instant at which {@link #runDue} has something to do: the next due time (less
     * the claim-ahead window while a worker is free to park on it), a retry, a timeout check; with a
     * test clock also the fire time of a parked firing, which its pass releases.
     */
    Optional<Instant> nextWakeUp(boolean firing) {
        Optional<Instant> wake = runner.nextTimeoutCheck();
        if (ctx.drivenByClock()) {
            wake = earliest(wake, parked.nextDue());
        }
        if (firing) {
            Optional<Instant> due = ctx.store().nextDueTime(runnableTasks);
            if (due.isPresent() && !claimAhead.isOff()) {
                // Wake the window ahead while a worker is free to park the firing on. With none free
                // now (bodies of the last instant still running) wake then anyway, once: workers free
                // up in the meantime, and a dispatcher that slept until the due time would claim
                // late. Within the window with none free, wait for the due time.
                Instant ahead = due.get().minus(claimAhead.current());
                if (ctx.budget().freeWorkersToPark(ctx.tracker().inFlight(), ctx.tracker().workersInUse()) > 0
                        || ahead.isAfter(ctx.clock().instant())) {
                    due = Optional.of(ahead);
                }
            }
            wake = earliest(wake, due);
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

    /**
     * Decides one claimed firing: which due fire times run, which are missed, and where the job
     * goes next. Returns the decision for the store, or null when the firing was dealt with here
     * (an unreadable job, a recovery, a fixed-delay job that keeps its claim while it runs).
     */
    private Decided decide(Firing firing, Instant now) {
        return decide(firing, now, null);
    }

    /**
     * @param parkedOn the worker parked for the firing, when it was claimed ahead and its worker woke
     *               for it (null otherwise): it is planned as at its
     *               fire time. On a starved machine the worker may wake late, and planning at the
     *               wake-up would fold the next fire times into this run, where a crash of this node
     *               would lose them unrecorded (a run record names one fire time); they stay in the
     *               schedule instead. Late beyond its grace, it goes back to the schedule unchanged,
     *               where the dispatcher's rules (missed, coalesce) apply.
     */
    private Decided decide(Firing firing, Instant now, ParkedFirings.Worker parkedOn) {
        boolean parked = parkedOn != null;
        StoredJob stored = firing.job();
        ctx.bus().publish(() -> new JobEvent.Claimed(stored.id(), stored.task(), firing.fireTime(), firing.recovery(), now));
        JobDefinition job;
        try {
            job = ctx.codec().decode(stored);
        } catch (RuntimeException | LinkageError | StackOverflowError e) {
            // One unreadable row (unknown trigger type, broken options, a provider whose classes are
            // gone) must not block the others:
            // take it out of the schedule, keep its data, and say why.
            LOG.error("job '{}' cannot be read and will not fire until it is replaced: {}", stored.id(), e.getMessage());
            if (firing.ticket() != null) {
                ctx.store().completeRun(firing.ticket(), null);
            }
            if (firing.holdsClaim()) {
                ctx.store().release(firing, null);
            }
            return null;
        }
        if (endedEarlier(firing, job)) {
            // A fixed-delay run ends its record (with its outcome) and only then moves its kept
            // claim on: a node that died in between left the claim, which its taker put back at
            // this fire time. The fire time ran; the schedule moves on from its completion.
            LOG.info("job '{}': its fire time {} already ran on a node that died before moving the job on; it moves on "
                    + "from that run's end", job.id(), firing.fireTime());
            keeper.firingOver(new ActiveFiring(job, firing.fireTime(), firing, false), stored.lastRun().finishedAt());
            return null;
        }
        MisfirePlanner.Plan plan;
        try {
            if (firing.recovery()) {
                handleRecovery(firing, job, now);
                return null;
            }
            Instant lastCompletion = stored.lastRun() == null ? null : stored.lastRun().finishedAt();
            if (parked && planner.lateBeyondGrace(job.trigger(), job.options(), firing.fireTime(), now)) {
                putBackUnchanged(firing);
                return null;
            }
            Instant planAt = parked ? firing.fireTime() : now;
            plan = planner.plan(job.id(), job.trigger(), job.options(), firing.fireTime(), planAt, lastCompletion);
        } catch (TriggerGuard.FaultyTriggerException e) {
            TriggerGuard.isolate(ctx, job.id(), job.task(), firing.fireTime(), firing.holdsClaim() ? firing : null,
                    firing.ticket(), e, now);
            return null;
        }
        for (Instant missed : plan.missed()) {
            reportMissed(job, missed, now);
        }
        if (job.trigger().dependsOnCompletion()) {
            if (plan.run().isEmpty()) {
                keeper.firingOver(new ActiveFiring(job, firing.fireTime(), firing, firing.recovery()), now);
            } else if (parked) {
                // Its attempt runs on its own parked worker, as every parked firing's does: back
                // through the executor it would race that worker's return to the pool, and a pool
                // without a queue would refuse it (reported missed although a worker was kept for it).
                ActiveFiring begun = admission.begin(new ActiveFiring(job, plan.run().get(0), firing, firing.recovery()));
                if (begun != null) {
                    parkedOn.runOnIt(() -> runner.startHere(begun, parkedOn::tracked));
                }
            } else {
                runner.dispatch(new ActiveFiring(job, plan.run().get(0), firing, firing.recovery()));
            }
            return null;
        }
        // The store records the run before the claim is given up: a crash in between then leaves a
        // run record for another node to recover, not a firing that silently never happened. Like
        // APScheduler, a job whose trigger will never fire again leaves the store now; its last runs
        // (and their retries) go on from the definition in hand.
        List<Instant> run = plan.run();
        boolean exhausted = plan.next().isEmpty();
        ActiveFiring acquired = null;
        if (!run.isEmpty()) {
            List<Instant> queued = run.size() == 1 ? List.of() : run.subList(1, run.size());
            ActiveFiring candidate = new ActiveFiring(job, run.get(0), null, false, exhausted, queued, null);
            acquired = admission.acquire(candidate) ? candidate : null;
        }
        RunRequest request;
        try {
            request = acquired == null ? null : admission.runRequest(acquired);
        } catch (RuntimeException e) {
            admission.abandon(acquired);
            throw e;
        }
        return new Decided(new Dispatch(firing, request, plan.next().orElse(null)), job, acquired);
    }

    /** Whether a claimed fire time of a job that keeps its claim through the run already has its outcome recorded. */
    private static boolean endedEarlier(Firing firing, JobDefinition job) {
        StoredJob stored = firing.job();
        return !firing.recovery() && firing.holdsClaim() && job.trigger().dependsOnCompletion() && stored.lastRun() != null
                && firing.fireTime().equals(stored.lastRun().scheduledFireTime()) && stored.lastRun().finishedAt() != null;
    }

    /**
     * A firing that was in flight on a node that died: like Quartz's "requests recovery", a
     * recoverable job runs it again (whatever the misfire grace, since the lateness is the crash's,
     * not the schedule's), then the fire times of the dead node's batch that had not started
     * ({@link Firing#queued()}); any other job reports them all missed. The schedule moves on as usual.
     */
    private void handleRecovery(Firing firing, JobDefinition job, Instant now) {
        Firing claim = firing.holdsClaim() ? firing : null;
        boolean removed = false;
        if (claim != null && !job.trigger().dependsOnCompletion()) {
            // The dead node had recorded the run but not yet put the job back: put it back at the
            // fire time after the recovered one, where the misfire rules take the backlog on.
            Optional<Instant> next = TriggerGuard.next(job.trigger(), new TriggerContext(now, firing.fireTime(), null));
            if (next.isPresent()) {
                ctx.store().release(claim, next.get());
            } else if (ctx.store().removeClaimed(claim)) {
                removed = true;
                ctx.bus().publish(() -> new JobEvent.Removed(job.id(), now));
            }
            claim = null;
        } else if (claim == null && !job.trigger().dependsOnCompletion()) {
            removed = leftTheStoreAtDispatch(firing, job, now);
        }
        if (firing.retryAt() != null) {
            // Its failed attempt had finished there: the retry is pending work, not a body cut off,
            // and runs for the first time here (not a recovery: JobContext.isRecovery() is false).
            runner.resumeRetry(new ActiveFiring(job, firing.fireTime(), claim, false, removed, firing.queued(), firing.ticket()),
                    firing.attemptsMade() + 1, firing.retryAt());
            return;
        }
        if (job.options().recoverable()) {
            LOG.info("job '{}': its fire time {} was in flight on a node that died; running it again", job.id(),
                    firing.fireTime());
            // The dead node's batch goes on here: the fire time in flight there is the documented
            // re-run, the ones it had not started run for the first time, each with its own token.
            runner.dispatch(new ActiveFiring(job, firing.fireTime(), claim, true, removed, firing.queued(), firing.ticket()));
            return;
        }
        if (takenOverAgain(firing)) {
            // This node was paused between the hand-out and now, and another node took the run
            // over again: that node reports these fire times; the fenced end here changes nothing.
            LOG.warn("job '{}': its recovered run of {} was taken over by another node before it was handled here; "
                    + "that node reports it", job.id(), firing.fireTime());
            ctx.store().completeRun(firing.ticket(), null);
            return;
        }
        if (firing.ticket() == null) {
            reportMissed(job, firing.fireTime(), now);
            for (Instant queued : firing.queued()) {
                reportMissed(job, queued, now);
            }
        } else {
            reportMissedThroughTheRun(firing, job, !removed, now);
        }
        if (claim != null) {
            keeper.firingOver(new ActiveFiring(job, firing.fireTime(), claim, true), now);
        }
    }

    /**
     * Whether the store says a recovered run is no longer this node's. A store that cannot tell
     * answers no: the fire times are then reported here, as a body that cannot be vouched for is
     * ({@code AttemptRunner}); a recoverable run is asked again on its worker before its body.
     */
    private boolean takenOverAgain(Firing firing) {
        if (firing.ticket() == null) {
            return false;
        }
        try {
            return !ctx.store().holdsRun(firing.ticket());
        } catch (RuntimeException e) {
            LOG.warn("job '{}': cannot tell whether its recovered run of {} is still this node's ({}); reporting it here",
                    firing.jobId(), firing.fireTime(), e.getMessage());
            return false;
        }
    }

    /**
     * Whether a recovered run's job left the store when the run was dispatched: its trigger has no
     * fire time after the run's last. Its end then is not the outcome of a job stored under its id
     * now, which was added again since (a one-shot run again under its id, say).
     */
    private static boolean leftTheStoreAtDispatch(Firing firing, JobDefinition job, Instant now) {
        Instant last = firing.queued().isEmpty() ? firing.fireTime() : firing.queued().get(firing.queued().size() - 1);
        try {
            return TriggerGuard.next(job.trigger(), new TriggerContext(now, last, null)).isEmpty();
        } catch (RuntimeException e) {
            return false; // a trigger that fails is reported where the job is next planned
        }
    }

    /**
     * Reports a recovered run's fire times missed through the run itself, each one's outcome
     * written in the fenced call that moves the run on ({@link JobStore#advanceRun}) or ends it:
     * were this node paused after the check above and taken over again, the node that took the
     * run over reports them, and nothing of this node's lands in the store or reaches a listener
     * (as an unfenced outcome would, twice in the run history).
     */
    private void reportMissedThroughTheRun(Firing firing, JobDefinition job, boolean updatesJob, Instant now) {
        List<Instant> fireTimes = new ArrayList<>(firing.queued().size() + 1);
        fireTimes.add(firing.fireTime());
        fireTimes.addAll(firing.queued());
        RunTicket ticket = firing.ticket();
        for (int i = 0; i < fireTimes.size(); i++) {
            Instant fireTime = fireTimes.get(i);
            RunEnd end = new RunEnd(RunRecords.missed(ctx, job, fireTime, now), updatesJob);
            boolean recorded;
            if (i + 1 < fireTimes.size()) {
                ticket = ctx.store().advanceRun(ticket, fireTimes.get(i + 1), end);
                recorded = ticket != null;
            } else {
                recorded = ctx.store().completeRun(ticket, end);
            }
            if (!recorded) {
                LOG.warn("job '{}': its recovered run of {} was taken over by another node while it was reported here; "
                        + "that node reports the rest", job.id(), fireTime);
                return;
            }
            LOG.warn("job '{}' missed its fire time {} by {}: it was in flight on a node that died, and the job is not "
                    + "recoverable", job.id(), fireTime, Duration.between(fireTime, now));
            ctx.bus().publish(() -> new JobEvent.Missed(job.id(), job.task(), fireTime, now));
        }
    }

    private void reportMissed(JobDefinition job, Instant fireTime, Instant now) {
        LOG.warn("job '{}' missed its fire time {} by {} (misfire grace {})", job.id(), fireTime,
                Duration.between(fireTime, now), job.options().misfireGraceTime().orElse(null));
        ctx.store().recordOutcome(new RunEnd(RunRecords.missed(ctx, job, fireTime, now), true));
        ctx.bus().publish(() -> new JobEvent.Missed(job.id(), job.task(), fireTime, now));
    }

    /** Shutdown: stops retrying failed attempts, and puts parked firings back unrun. */
    void stopRetries() {
        parked.close();
        runner.stopAccepting();
    }

    /** Runs a job once now, outside its schedule. */
    void runNow(JobDefinition job) {
        runner.dispatch(new ActiveFiring(job, ctx.clock().instant(), null, false));
    }
}
