package dev.chime.internal;

import dev.chime.JobDefinition;
import dev.chime.JobEvent;
import dev.chime.JobOptions;
import dev.chime.LastRun;
import dev.chime.Outcome;
import dev.chime.TriggerContext;
import dev.chime.spi.Claim;
import dev.chime.spi.ClaimEnd;
import dev.chime.spi.RunStart;
import dev.chime.spi.ScheduleChange;
import dev.chime.spi.StoredExecution;
import dev.chime.spi.StoredJob;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Step 2 of a run's life: what to do with one claim. A job's fire time goes through the misfire
 * rules ({@link MisfirePlanner}) and its instance limit; a due execution (task, run-now, retry)
 * waits for a free instance instead of being skipped; a dead node's run runs again or ends. The
 * answer is a {@link ClaimEnd} for the store plus what the engine needs to run what starts.
 * Decides on the calling thread, touching the store not at all.
 */
final class ClaimDecider {

    private static final Logger LOG = LoggerFactory.getLogger(ClaimDecider.class);

    /**
     * How long an execution that finds its job at max instances waits before it is claimed again:
     * it stays due (a waiting retry or run-now is never skipped), without being claimed at every pass.
     */
    static final Duration WAIT_FOR_SLOT = Duration.ofSeconds(1);

    /**
     * One claim decided.
     *
     * @param end          what the store is to do
     * @param work         what runs, when something starts; null otherwise
     * @param slotTaken    an instance slot was taken on this node for the run
     * @param recovery     the run is a dead node's, run again
     * @param keepsClaim   the run keeps its job's claim until it ends (fixed delay)
     * @param jobLeftStore the job is gone, or leaves the store with this claim
     * @param queued       fire times that run after the first in the same slot
     * @param onRefusal    what to tell the store when it refuses the start at max instances
     * @param fireTimes    every fire time the run stands for (reported skipped on a refusal)
     * @param missed       fire times to report missed, once the store has ended the claim as asked (a
     *                     claim lost meanwhile is another node's to report)
     * @param task         the task, for the reports
     */
    record Decision(ClaimEnd end, Work work, boolean slotTaken, boolean recovery, boolean keepsClaim, boolean jobLeftStore,
                    List<Instant> queued, ClaimEnd onRefusal, List<Instant> fireTimes, List<Instant> missed, String task) {

        static Decision noRun(ClaimEnd end) {
            return noRun(end, List.of());
        }

        static Decision noRun(ClaimEnd end, List<Instant> missed) {
            return new Decision(end, null, false, false, false, false, List.of(), null, List.of(), missed, end.claim().task());
        }

        /**
         * What to tell the store when it failed to carry out {@link #end()} (it threw): a fire time
         * whose run could not be recorded does not run (a run without the store's record would
         * escape max instances, the claim check and fencing) and is reported missed as the schedule
         * moves on; an execution waits a moment; anything else goes back unchanged (null).
         */
        ClaimEnd onStoreFailure(Instant now) {
            if (!starts() || onRefusal == null) {
                return null;
            }
            if (onRefusal.claim() instanceof dev.chime.spi.Claim.FireTime f) {
                Instant last = fireTimes.get(fireTimes.size() - 1);
                return ClaimEnd.noRun(f, onRefusal.schedule(), new LastRun(Outcome.MISSED, last, now, Duration.ZERO,
                        "not started: the store could not record its run"), now);
            }
            return onRefusal;
        }

        boolean starts() {
            return end.start() != null;
        }
    }

    private final EngineContext ctx;
    private final Admission admission;
    private final MisfirePlanner planner;

    ClaimDecider(EngineContext ctx, Admission admission, MisfirePlanner planner) {
        this.ctx = ctx;
        this.admission = admission;
        this.planner = planner;
    }

    /**
     * @param parked the claim was made ahead and its worker woke for it: it is planned as at its
     *               fire time. On a starved machine the worker may wake late, and planning at the
     *               wake-up would fold the next fire times into this run, where a crash of this node
     *               would lose them unrecorded; they stay in the schedule instead. Late beyond its
     *               grace, it goes back to the schedule unchanged, where the dispatcher's rules apply.
     */
    Decision decide(Claim claim, Instant now, boolean parked) {
        ctx.bus().publish(() -> new JobEvent.Claimed(claim.jobId() == null ? "" : claim.jobId(), claim.task(), claim.fireTime(),
                claim instanceof Claim.Recovery, now));
        if (claim instanceof Claim.FireTime f) {
            return fireTime(f, now, parked);
        }
        if (claim instanceof Claim.Due d) {
            return due(d, now);
        }
        return recovery((Claim.Recovery) claim, now);
    }

    /** The claim goes back as it was: a fire time to the schedule at that time, an execution to wait until its due time. */
    static ClaimEnd putBack(Claim claim, Instant now) {
        if (claim instanceof Claim.FireTime f) {
            return ClaimEnd.noRun(f, ScheduleChange.release(f.fireTime()), null, now);
        }
        if (claim instanceof Claim.Due d) {
            return ClaimEnd.waitUntil(d, d.execution().dueAt(), d.holdsJobClaim() ? ScheduleChange.keepWithExecution() : null,
                    now);
        }
        throw new IllegalArgumentException("a recovery of execution '" + ((Claim.Recovery) claim).execution().id()
                + "' is never put back unchanged: it runs again or ends");
    }

    private Decision fireTime(Claim.FireTime claim, Instant now, boolean parked) {
        StoredJob stored = claim.job();
        JobDefinition job;
        try {
            job = ctx.codec().decode(stored);
        } catch (RuntimeException | LinkageError | StackOverflowError e) {
            // One unreadable row (unknown trigger type, broken options, a provider whose classes are
            // gone) must not block the others: out of the schedule, its data kept, and why logged.
            LOG.error("job '{}' cannot be read and will not fire until it is replaced: {}", stored.id(), e.getMessage());
            return Decision.noRun(ClaimEnd.noRun(claim, ScheduleChange.release(null), null, now));
        }
        boolean fixedDelay = job.trigger().dependsOnCompletion();
        if (fixedDelay && endedEarlier(claim)) {
            // A fixed-delay fire time whose run was recorded as ended, its claim put back by a
            // takeover (a store that wrote the two apart): it ran; the schedule moves on from that end.
            LOG.info("job '{}': its fire time {} already ran on a node that died before moving the job on; it moves on "
                    + "from that run's end", job.id(), claim.fireTime());
            return Decision.noRun(ClaimEnd.noRun(claim, fixedDelayNext(job, claim.fireTime(), stored.lastRun().finishedAt(),
                    now), null, now));
        }
        MisfirePlanner.Plan plan;
        try {
            Instant lastCompletion = stored.lastRun() == null ? null : stored.lastRun().finishedAt();
            if (parked && planner.lateBeyondGrace(job.trigger(), job.options(), claim.fireTime(), now)) {
                return Decision.noRun(putBack(claim, now));
            }
            Instant planAt = parked ? claim.fireTime() : now;
            plan = planner.plan(job.id(), job.trigger(), job.options(), claim.fireTime(), planAt, lastCompletion);
        } catch (TriggerGuard.FaultyTriggerException e) {
            TriggerGuard.reportFault(ctx, job.id(), job.task(), claim.fireTime(), e, now);
            return Decision.noRun(ClaimEnd.noRun(claim, ScheduleChange.release(null), null, now));
        }
        LastRun missed = plan.missed().isEmpty() ? null
                : missedOutcome(plan.missed().get(plan.missed().size() - 1), now);
        Work work = Work.of(job);
        ScheduleChange schedule;
        if (fixedDelay) {
            ScheduleChange later = fixedDelayNext(job, claim.fireTime(), now, now);
            if (plan.run().isEmpty()) {
                return Decision.noRun(ClaimEnd.noRun(claim, later, missed, now), plan.missed());
            }
            List<Instant> fireTimes = List.of(plan.run().get(0));
            if (!admission.acquireOrSkip(work, fireTimes, now)) {
                return Decision.noRun(ClaimEnd.noRun(claim, later, missed, now), plan.missed());
            }
            RunStart start = new RunStart(UUID.randomUUID().toString(), fireTimes.get(0), 1, job.options().maxInstances(),
                    job.options().recoverable(), List.of(), null, null, now);
            return new Decision(new ClaimEnd(claim, start, ScheduleChange.keepWithExecution(), null, null, missed, now), work,
                    true, false, true, false, List.of(), ClaimEnd.noRun(claim, later, missed, now), fireTimes, plan.missed(),
                    job.task());
        }
        // Like APScheduler, a job whose trigger will never fire again leaves the store now; its
        // last runs (and their retries) go on from the definition in hand, kept with the execution.
        schedule = plan.next().map(ScheduleChange::release).orElseGet(ScheduleChange::remove);
        ClaimEnd withoutRun = ClaimEnd.noRun(claim, schedule, missed, now);
        if (plan.run().isEmpty()) {
            return Decision.noRun(withoutRun, plan.missed());
        }
        List<Instant> fireTimes = plan.run();
        if (!admission.acquireOrSkip(work, fireTimes, now)) {
            return Decision.noRun(withoutRun, plan.missed());
        }
        boolean leaves = schedule.removesJob();
        RunStart start = new RunStart(UUID.randomUUID().toString(), fireTimes.get(0), 1, job.options().maxInstances(),
                job.options().recoverable(), fireTimes.subList(1, fireTimes.size()), leaves ? job.dataJson() : null,
                leaves ? stored.optionsJson() : null, now);
        return new Decision(new ClaimEnd(claim, start, schedule, null, null, missed, now), work, true, false, false, leaves,
                start.queued(), withoutRun, fireTimes, plan.missed(), job.task());
    }

    /** Whether a claimed fire time of a fixed-delay job already has its run's end recorded. */
    private static boolean endedEarlier(Claim.FireTime claim) {
        LastRun last = claim.job().lastRun();
        return last != null && claim.fireTime().equals(last.scheduledFireTime()) && last.finishedAt() != null
                && last.outcome() != Outcome.MISSED;
    }

    /** A fixed-delay job's claim ends with its next fire time counted from {@code completedAt}. */
    private ScheduleChange fixedDelayNext(JobDefinition job, Instant fireTime, Instant completedAt, Instant now) {
        Instant completion = completedAt.isBefore(fireTime) ? fireTime : completedAt;
        try {
            Optional<Instant> next = TriggerGuard.next(job.trigger(), new TriggerContext(completion, fireTime, completion));
            return next.map(ScheduleChange::release).orElseGet(ScheduleChange::remove);
        } catch (TriggerGuard.FaultyTriggerException e) {
            TriggerGuard.reportFault(ctx, job.id(), job.task(), fireTime, e, now);
            return ScheduleChange.release(null);
        }
    }

    /** An execution's time came: it runs when an instance is free, and otherwise waits for one. */
    private Decision due(Claim.Due claim, Instant now) {
        StoredExecution execution = claim.execution();
        ScheduleChange keep = claim.holdsJobClaim() ? ScheduleChange.keepWithExecution() : null;
        Work work;
        try {
            work = workOf(execution, claim.job());
        } catch (CannotRunException e) {
            LOG.error("execution '{}' of {}: {}", execution.id(), execution.task(), e.getMessage());
            return Decision.noRun(ClaimEnd.fail(claim, e.getMessage(), keep == null ? null : ScheduleChange.release(null),
                    null, now));
        }
        ClaimEnd waitForSlot = ClaimEnd.waitUntil(claim, now.plus(WAIT_FOR_SLOT), keep, now);
        if (!admission.tryAcquire(work)) {
            LOG.debug("{}: execution '{}' waits for a free instance (max {})", work.describe(), execution.id(),
                    work.options().maxInstances());
            return Decision.noRun(waitForSlot);
        }
        RunStart start = new RunStart(execution.id(), execution.fireTime(), execution.attempts() + 1,
                work.options().maxInstances(), work.options().recoverable(), List.of(), null, null, now);
        boolean jobGone = execution.jobId() != null && claim.job() == null;
        return new Decision(ClaimEnd.start(claim, start, keep), work, true, false, keep != null, jobGone, List.of(),
                waitForSlot, List.of(), List.of(), work.task());
    }

    /**
     * A run that was in flight on a node that died: like Quartz's "requests recovery", a
     * recoverable one runs again (whatever the misfire grace: the lateness is the crash's, not the
     * schedule's), then the fire times of the dead node's batch that had not started; any other is
     * ended and its fire times reported missed. A job claim it held moves on as after any firing.
     */
    private Decision recovery(Claim.Recovery claim, Instant now) {
        StoredExecution execution = claim.execution();
        Work work;
        try {
            work = workOf(execution, claim.job());
        } catch (CannotRunException e) {
            LOG.error("execution '{}' of {}, recovered from a dead node: {}", execution.id(), execution.task(), e.getMessage());
            return Decision.noRun(ClaimEnd.fail(claim, e.getMessage(), claim.holdsJobClaim() ? ScheduleChange.release(null) : null,
                    null, now));
        }
        boolean recoverable = work.options().recoverable();
        ScheduleChange schedule = null;
        if (claim.holdsJobClaim()) {
            schedule = recoveredSchedule(claim, work, recoverable, now);
        }
        boolean leaves = work.jobId() == null || claim.job() == null || (schedule != null && schedule.removesJob());
        if (recoverable) {
            LOG.info("{}: its fire time {} was in flight on a node that died; running it again", work.describe(),
                    execution.fireTime());
            admission.takeOver(work);
            RunStart start = new RunStart(execution.id(), execution.fireTime(), Math.max(1, execution.attempts()),
                    work.options().maxInstances(), true, claim.queued(), null, null, now);
            boolean keeps = schedule != null && schedule.kind() == ScheduleChange.Kind.KEEP_WITH_EXECUTION;
            return new Decision(ClaimEnd.start(claim, start, schedule), work, true, true, keeps, leaves && work.jobId() != null,
                    claim.queued(), null, List.of(), List.of(), work.task());
        }
        List<Instant> fireTimes = new java.util.ArrayList<>();
        fireTimes.add(execution.fireTime());
        fireTimes.addAll(claim.queued());
        LastRun missed = work.jobId() == null ? null : missedOutcome(fireTimes.get(fireTimes.size() - 1), now);
        return Decision.noRun(ClaimEnd.fail(claim, "its node died while it ran, and it is not recoverable", schedule, missed,
                now), fireTimes);
    }

    /** What becomes of the job whose claim a dead node's run still held. */
    private ScheduleChange recoveredSchedule(Claim.Recovery claim, Work work, boolean recoverable, Instant now) {
        JobDefinition job = work.definition();
        if (job == null) {
            job = ctx.codec().decode(claim.job());
        }
        if (job.trigger().dependsOnCompletion()) {
            return recoverable ? ScheduleChange.keepWithExecution() : fixedDelayNext(job, claim.fireTime(), now, now);
        }
        // The dead node had recorded the run but not yet put the job back: back at the fire time
        // after the recovered one, where the misfire rules take the backlog on.
        try {
            Optional<Instant> next = TriggerGuard.next(job.trigger(), new TriggerContext(now, claim.fireTime(), null));
            return next.map(ScheduleChange::release).orElseGet(ScheduleChange::remove);
        } catch (TriggerGuard.FaultyTriggerException e) {
            TriggerGuard.reportFault(ctx, job.id(), job.task(), claim.fireTime(), e, now);
            return ScheduleChange.release(null);
        }
    }

    /** An execution that cannot run: its job is gone without a snapshot, or unreadable. */
    private static final class CannotRunException extends Exception {
        CannotRunException(String message) {
            super(message, null, false, false);
        }
    }

    /** What an execution runs: its own snapshot (a task, a job that left the store), else its job as it is now. */
    private Work workOf(StoredExecution execution, StoredJob job) throws CannotRunException {
        if (execution.jobId() == null) {
            JobOptions options = execution.optionsJson() == null ? JobOptions.defaults()
                    : OptionsJson.readStored(execution.optionsJson(), "options of execution '" + execution.id() + "'");
            return Work.task(execution.task(), options, execution.dataJson());
        }
        if (job != null) {
            try {
                return Work.of(ctx.codec().decode(job));
            } catch (RuntimeException | LinkageError | StackOverflowError e) {
                throw new CannotRunException("its job '" + job.id() + "' cannot be read: " + e.getMessage());
            }
        }
        if (execution.optionsJson() == null) {
            throw new CannotRunException("its job '" + execution.jobId() + "' was removed before it could run");
        }
        JobOptions options = OptionsJson.readStored(execution.optionsJson(), "options of execution '" + execution.id() + "'");
        return new Work(execution.jobId(), execution.task(), options, null, execution.dataJson());
    }

    private static LastRun missedOutcome(Instant fireTime, Instant now) {
        return new LastRun(Outcome.MISSED, fireTime, now, Duration.ZERO, null);
    }
}
