package dev.chime.internal;

import dev.chime.Job;
import dev.chime.JobEvent;
import dev.chime.RunRecord;
import dev.chime.spi.RunEnd;
import dev.chime.Outcome;
import dev.chime.RetryPolicy;
import dev.chime.UnknownTaskException;
import dev.chime.spi.JobStore;
import dev.chime.spi.RunTicket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the attempts of firings that {@link Admission} let through: hands attempts to the executor,
 * decides each attempt's outcome once (returned, threw, or timed out) and passes the firing on: to
 * a retry ({@link RetryQueue}), to its next queued fire time, or to its end ({@link RunCompletion}).
 *
 * <p>Whatever fails inside an attempt (the job, the engine's own bookkeeping, the store) ends that
 * attempt: its outcome is reported and its firing ended, so its instance slot is never lost.
 */
final class AttemptRunner {

    private static final Logger LOG = LoggerFactory.getLogger(AttemptRunner.class);

    /** How long a retry waits before asking again when the store could not tell whether its run is still held. */
    private static final long UNSURE_RETRY_WAIT_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(1);

    private final EngineContext ctx;
    private final Admission admission;
    private final RunCompletion completion;
    private final RetryQueue retries = new RetryQueue();
    private final TimeoutWatch timeouts;

    AttemptRunner(EngineContext ctx, Admission admission, RunCompletion completion) {
        this.ctx = ctx;
        this.admission = admission;
        this.completion = completion;
        this.timeouts = new TimeoutWatch(ctx, this::timedOut);
    }

    /**
     * Starts a firing's first attempt, or reports it skipped when the job is at max instances: first
     * on this node, then (through the store) across the cluster.
     */
    void dispatch(ActiveFiring firing) {
        ActiveFiring begun = admission.begin(firing);
        if (begun != null) {
            start(begun);
        }
    }

    /** Submits the first attempt of a firing that {@link Admission#begin} let through. */
    void start(ActiveFiring begun) {
        submit(begun, 1);
    }

    /**
     * Runs the first attempt of a begun firing on the calling thread: a worker that was parked until
     * the fire time ({@link ParkedFirings}). {@code onTracked} runs once the attempt counts as in
     * flight.
     */
    void startHere(ActiveFiring begun, Runnable onTracked) {
        Attempt attempt = track(begun, 1);
        onTracked.run();
        run(attempt);
    }

    private Attempt track(ActiveFiring firing, int number) {
        Attempt attempt = new Attempt(firing, number);
        ctx.tracker().submitted(attempt);
        ctx.bus().publish(() -> new JobEvent.Submitted(firing.jobId(), firing.definition().task(), firing.fireTime(), number,
                ctx.clock().instant()));
        return attempt;
    }

    private void submit(ActiveFiring firing, int number) {
        Attempt attempt = track(firing, number);
        try {
            ctx.executor().execute(() -> run(attempt));
        } catch (RejectedExecutionException e) {
            LOG.error("job '{}': the executor rejected the attempt for {}; is it shut down?", firing.jobId(), firing.fireTime(), e);
            notTaken(attempt);
        } catch (Throwable e) {
            // A user's executor is plugin code too: whatever it throws, the firing does not keep its slot.
            LOG.error("job '{}': the executor failed to take the attempt for {}", firing.jobId(), firing.fireTime(), e);
            notTaken(attempt);
        }
    }

    /**
     * The executor did not take the attempt: its firing ends without an outcome (a first attempt's
     * fire time is reported missed) and a claim it kept moves on. The attempt stays in flight until
     * the store has that, so that a shutdown does not close the store first and leave the job
     * claimed by a node that is gone.
     */
    private void notTaken(Attempt attempt) {
        ctx.tracker().leftWorker();
        try {
            completion.endQuietly(attempt.firing(), attempt.number() == 1)
                    .whenComplete((done, failure) -> ctx.tracker().finished(attempt));
        } catch (Throwable e) {
            // Whatever failed, the attempt must not stay in flight: shutdown would wait for it for ever.
            LOG.error("job '{}': could not end its firing of {} after the executor refused it", attempt.firing().jobId(),
                    attempt.firing().fireTime(), e);
            ctx.tracker().finished(attempt);
        }
    }

    private void run(Attempt attempt) {
        ActiveFiring firing = attempt.firing();
        try {
            Job job = null;
            Throwable error = null;
            try {
                job = resolve(firing.definition().task());
            } catch (Throwable t) {
                error = t;
            }
            // The check is the last step before the body: a pause (SIGSTOP, a long GC) after it lets
            // another node take the run over and run it too, so nothing that can take time (such as
            // a container building the job, above) may come between the two.
            if (!stillThisNodesRun(attempt)) {
                return;
            }
            // A task cancelled while its attempt waited for a worker: the cancel said yes, so the
            // body must not start now; the run ends cancelled with the attempts that did run.
            if (attempt.isCancelRequested()) {
                if (attempt.decide()) {
                    completion.end(attempt, RunRecords.cancelledRetry(ctx, firing, attempt.number() - 1,
                            ctx.clock().instant()));
                }
                return;
            }
            Instant start = ctx.clock().instant();
            Duration timeout = firing.definition().options().timeout().orElse(null);
            attempt.started(Thread.currentThread(), start, ctx.ticker().nanos(), timeout);
            if (timeout != null) {
                ctx.wake().run();
            }
            if (job != null) {
                try {
                    attempt.inJobCode(true);
                    try {
                        job.execute(new RunContext(attempt));
                    } finally {
                        attempt.inJobCode(false);
                    }
                } catch (Throwable t) {
                    error = t;
                }
            }
            if (attempt.decide()) {
                long endNanos = ctx.ticker().nanos();
                ctx.budget().recordAttempt(endNanos - attempt.startNanos());
                Instant end = ctx.clock().instant();
                if (error == null) {
                    succeeded(attempt, end, endNanos);
                } else {
                    failed(attempt, error, false, end, endNanos);
                }
            }
        } catch (Throwable t) {
            abort(attempt, t, false);
        } finally {
            // A pool thread must not carry our interrupt into the next job it runs.
            Thread.interrupted();
            attempt.returned();
            ctx.tracker().leftWorker();
            if (attempt.letGo()) {
                ctx.tracker().finished(attempt);
            }
        }
    }

    /**
     * Asks the store, on the worker thread just before the body starts, whether the run is still
     * this node's: the node may have been paused (SIGSTOP, a long GC) after the dispatch or while
     * the attempt waited for a thread, and another node may have taken the run over and run it
     * again. A run taken over ends here without an event (its new owner accounts for it); when
     * the store cannot tell, the body does not start, its fire times are reported missed and the
     * run ends through the fenced completion. Returns true when the body may start.
     */
    private boolean stillThisNodesRun(Attempt attempt) {
        ActiveFiring firing = attempt.firing();
        if (firing.ticket() == null || dev.chime.spi.RunTicket.LOCAL.equals(firing.ticket().runId())) {
            return true;
        }
        boolean held;
        try {
            if ((firing.recovery() || attempt.number() > 1) && firing.ticket().fireTime().equals(firing.fireTime())) {
                // A recovery's token was handed out at the takeover, a retry's with its first attempt,
                // and the run may have waited since (for a free instance, for its backoff) while another
                // run of the job took a higher token and ended. A resource that keeps the highest token
                // it saw would then refuse this legitimate run, so the run takes a fresh token now, in
                // the same store call that checks it is still this node's (null: another node has it).
                RunTicket fresh = ctx.store().advanceRun(firing.ticket(), firing.fireTime(), null);
                held = fresh != null;
                if (held) {
                    attempt.renewed(fresh);
                }
            } else {
                held = ctx.store().holdsRun(firing.ticket());
            }
        } catch (Throwable e) {
            if (attempt.decide()) {
                Instant now = ctx.clock().instant();
                LOG.warn("job '{}': cannot tell whether its run of {} is still this node's ({}); attempt {} does not start "
                        + "and is reported missed", firing.jobId(), firing.fireTime(), e.getMessage(), attempt.number());
                if (attempt.number() == 1) {
                    // Its queued fire times are reported with the end (RunCompletion.abandoned).
                    ctx.bus().publish(new JobEvent.Missed(firing.jobId(), firing.definition().task(), firing.fireTime(), now));
                }
                completion.end(attempt, RunRecords.missed(ctx, firing, now));
            }
            return false;
        }
        if (!held && attempt.decide()) {
            LOG.warn("job '{}': its run of {} was taken over by another node before attempt {} started; it does not start "
                    + "here", firing.jobId(), firing.fireTime(), attempt.number());
            completion.end(attempt, null);
        }
        return held;
    }

    private Job resolve(String task) {
        Optional<Job> job = ctx.jobFactory().resolve(task);
        return job.orElseThrow(() -> new UnknownTaskException(task, String.valueOf(ctx.jobFactory())));
    }

    private void succeeded(Attempt attempt, Instant end, long endNanos) {
        ActiveFiring firing = attempt.firing();
        Duration duration = Duration.ofNanos(endNanos - attempt.startNanos());
        ctx.bus().publish(() -> new JobEvent.Executed(firing.jobId(), firing.definition().task(), firing.fireTime(),
                attempt.number(), attempt.startedAt(), duration, end));
        over(attempt, RunRecords.succeeded(ctx, attempt, end, duration));
    }

    /** Interrupts and reports the attempts whose timeout passed, and those still running well past it. */
    void expireTimeouts() {
        timeouts.check();
    }

    /** The instant of the next timeout (or overrun) check, if an attempt has a timeout. */
    Optional<Instant> nextTimeoutCheck() {
        OptionalLong next = timeouts.nextCheck();
        return next.isPresent() ? Optional.of(ctx.instantAt(next.getAsLong())) : Optional.empty();
    }

    /** An attempt won its decision at its deadline: it failed; its thread is interrupted and may go on. */
    private void timedOut(Attempt attempt, long nowNanos) {
        try {
            attempt.timedOut(nowNanos);
            Duration timeout = attempt.timeout();
            LOG.warn("job '{}' ran past its timeout of {} and is interrupted", attempt.firing().jobId(), timeout);
            failed(attempt, new TimeoutException("job '" + attempt.firing().jobId() + "' ran past its timeout of " + timeout),
                    true, ctx.clock().instant(), nowNanos);
        } catch (Throwable t) {
            abort(attempt, t, true);
        }
    }

    private void failed(Attempt attempt, Throwable error, boolean timedOut, Instant end, long endNanos) {
        ActiveFiring firing = attempt.firing();
        RetryPolicy retry = firing.definition().options().retry();
        boolean cancelled = attempt.isCancelRequested();
        // After shutdown stopped retries, a store shared with other nodes still takes one: it is
        // left in the store for another node to run (retryLater).
        boolean willRetry = !cancelled && (!retries.isClosed() || sharedStore()) && attempt.number() <= retry.maxRetries();
        Duration duration = Duration.ofNanos(endNanos - attempt.startNanos());
        // An unknown task is logged once per task by RegisteredTasks, not at every firing.
        if (!timedOut && !(error instanceof UnknownTaskException)) {
            LOG.warn("job '{}' attempt {} failed{}", firing.jobId(), attempt.number(), willRetry ? "; will retry" : "", error);
        }
        ctx.bus().publish(new JobEvent.Failed(firing.jobId(), firing.definition().task(), firing.fireTime(), attempt.number(),
                attempt.startedAt(), duration, error, timedOut, willRetry, end));
        RunRecord lastRun = cancelled ? RunRecords.cancelled(ctx, attempt, error, end, duration)
                : RunRecords.failed(ctx, attempt, error, timedOut, end, duration);
        Runnable next = () -> {
            if (willRetry) {
                retryLater(attempt, endNanos + retry.backoff(attempt.number()).toNanos(), lastRun);
            } else {
                // As APScheduler does: a failed fire time does not cancel the queued ones after it.
                over(attempt, lastRun);
            }
        };
        if (!timedOut) {
            next.run();
            return;
        }
        // The attempt is decided, but its thread may still be in job code: the slot, the store's
        // run record and the retry wait until it has really returned, so no second copy starts.
        attempt.afterReturn(() -> {
            try {
                next.run();
            } catch (Throwable t) {
                LOG.error("job '{}': could not pass on its timed-out attempt {}", firing.jobId(), attempt.number(), t);
                completion.end(attempt, lastRun);
            }
        });
    }

    /**
     * Queues the next attempt, keeping the slot. With a store shared with other nodes the retry is
     * first stored with its run ({@link JobStore#deferRun}), so that it survives this node: a run
     * the store says is another node's now is dropped here without an outcome (its taker owns the
     * retry). After shutdown stopped retries, a stored retry is left to the store; any other ends
     * the firing with this outcome.
     */
    private void retryLater(Attempt attempt, long dueNanos, RunRecord lastRun) {
        if (!attempt.handOn()) {
            return;
        }
        ActiveFiring firing = attempt.firing();
        boolean durable = false;
        if (sharedStore() && firing.ticket() != null && !RunTicket.LOCAL.equals(firing.ticket().runId())) {
            Instant retryAt = ctx.instantAt(dueNanos);
            try {
                if (!ctx.store().deferRun(firing.ticket(), attempt.number(), retryAt)) {
                    LOG.warn("job '{}': its run of {} was taken over by another node before retry {} was stored; it is "
                            + "not retried here", firing.jobId(), firing.fireTime(), attempt.number() + 1);
                    completion.takenOver(attempt);
                    return;
                }
                durable = true;
            } catch (Throwable e) {
                LOG.warn("job '{}': could not store retry {} of {} with its run ({}); it waits in this node's memory only "
                        + "and is not durable: lost if this node stops before it runs", firing.jobId(), attempt.number() + 1,
                        firing.fireTime(), e.getMessage());
            }
        }
        if (retries.offer(new RetryQueue.PendingRetry(dueNanos, firing, attempt.number() + 1, lastRun, durable))) {
            if (attempt.isCancelRequested()) {
                // A cancel that came while the failure was being decided may have looked for the
                // retry before it was queued: it is taken out here (at most one of the two wins).
                cancelRetry(firing.jobId());
            }
            ctx.wake().run();
            return;
        }
        if (durable) {
            leftInStore(firing, attempt.number() + 1);
            return;
        }
        LOG.warn("job '{}': retry {} of {} dropped at shutdown", firing.jobId(), attempt.number() + 1, firing.fireTime());
        completion.endHandedOn(attempt, lastRun);
    }

    private boolean cancelRequested(String jobId) {
        try {
            return ctx.store().cancelRequests().contains(jobId);
        } catch (RuntimeException e) {
            return false; // asked again at the next cancel poll
        }
    }

    private boolean sharedStore() {
        try {
            return ctx.store().sharedWithOtherNodes();
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * Shutdown, a retry the store holds with its run: it is not ended here. The run stays in the
     * store, this node's until another takes it over (at once after a graceful close, which marks
     * this node gone; after the node timeout otherwise), and runs there at its due time. Only the
     * slot is freed; a claim the run keeps (fixed delay) goes along with the run.
     */
    private void leftInStore(ActiveFiring firing, int attempt) {
        LOG.info("job '{}': retry {} of {} is left in the store at shutdown, for another node (or this one after a "
                + "restart) to run when it is due", firing.jobId(), attempt, firing.fireTime());
        ctx.tracker().releaseInstance(firing.jobId());
    }

    /**
     * A recovered run whose retry was waiting on a node that died or left ({@code Firing.retryAt}):
     * attempt {@code attempt} is queued here for {@code retryAt}, by the engine's clock, holding
     * one of the job's instance slots as any retry does (taken even past maxInstances: the store
     * counts the run already). The failed attempt had finished, so this
     * is pending work, run whether or not the job is recoverable.
     */
    void resumeRetry(ActiveFiring firing, int attempt, Instant retryAt) {
        ActiveFiring begun;
        if (firing.ticket() != null) {
            // Its run kept its record while it waited, so the store already counts it against
            // maxInstances across the cluster: this node's own count must not skip it, or the
            // retry would be lost with its failed attempt and its fire time left without a
            // history entry (Quartz holds such a trigger back until it may run; db-scheduler
            // never drops an execution).
            ctx.tracker().tryAcquireInstance(firing.jobId(), Integer.MAX_VALUE);
            begun = firing;
        } else {
            begun = admission.begin(firing);
            if (begun == null) {
                return;
            }
        }
        Duration wait = Duration.between(ctx.clock().instant(), retryAt);
        long waitNanos = wait.isNegative() ? 0 : wait.compareTo(Duration.ofDays(365)) > 0 ? Duration.ofDays(365).toNanos()
                : wait.toNanos();
        LOG.info("job '{}': its run of {} was waiting for retry {} on a node that is gone; it runs here at {}",
                firing.jobId(), firing.fireTime(), attempt, retryAt);
        if (retries.offer(new RetryQueue.PendingRetry(ctx.ticker().nanos() + waitNanos, begun, attempt, null, true))) {
            if (begun.definition().enqueued() && cancelRequested(begun.jobId())) {
                // Cancelled while no node held it (its node gone, the takeover not yet made): the
                // cancel said yes then, so the retry must not start here before the next poll.
                cancelRetry(begun.jobId());
            }
            ctx.wake().run();
            return;
        }
        leftInStore(begun, attempt);
    }

    /**
     * A decided attempt (succeeded, or failed with no retry left): the firing goes on with its next
     * queued fire time, or ends. Moving on is the store's to allow ({@link #advance}): a run taken
     * over by another node meanwhile goes on there, not here. Queued fire times that do not run
     * here for any other reason (shutdown, a store that fails) are reported missed when the
     * firing ends ({@link RunCompletion}).
     */
    private void over(Attempt attempt, RunRecord lastRun) {
        ActiveFiring firing = attempt.firing();
        if (firing.queued().isEmpty() || retries.isClosed()) {
            completion.end(attempt, lastRun);
            return;
        }
        if (!attempt.handOn()) {
            return;
        }
        ActiveFiring next;
        try {
            next = advance(firing, lastRun);
        } catch (Throwable e) {
            LOG.error("job '{}': could not move its run on from {} to its next queued fire time; the run ends here",
                    firing.jobId(), firing.fireTime(), e);
            completion.endHandedOn(attempt, lastRun);
            return;
        }
        if (next == null) {
            completion.takenOver(attempt);
            return;
        }
        submit(next, 1);
    }

    /**
     * Records the finished fire time's outcome and moves the run on to the next queued one, with
     * a fencing token of its own; null when the store says the run is another node's now.
     */
    private ActiveFiring advance(ActiveFiring firing, RunRecord lastRun) {
        RunEnd outcome = new RunEnd(lastRun, !firing.removed());
        if (firing.ticket() == null) {
            // The store could not record the run: nothing to move on but the outcome.
            try {
                ctx.store().recordOutcome(outcome);
            } catch (RuntimeException e) {
                LOG.error("job '{}': could not record outcome {} of {}", firing.jobId(), lastRun.outcome(), firing.fireTime(), e);
            }
            return firing.nextQueued(null);
        }
        RunTicket ticket = ctx.store().advanceRun(firing.ticket(), firing.queued().get(0), outcome);
        return ticket == null ? null : firing.nextQueued(ticket);
    }

    /**
     * Something failed in the engine's own handling of an attempt (not in the job): the attempt
     * ends as failed once its thread has returned. When a timeout decided it and is passing it on
     * already, that path ends it instead.
     */
    private void abort(Attempt attempt, Throwable error, boolean onTimeoutPath) {
        ActiveFiring firing = attempt.firing();
        LOG.error("job '{}': attempt {} of {} could not be carried out; it ends as failed", firing.jobId(), attempt.number(),
                firing.fireTime(), error);
        Instant end = ctx.clock().instant();
        Instant started = attempt.startedAt() == null ? end : attempt.startedAt();
        RunRecord lastRun = RunRecords.failed(ctx, attempt, error, false, end, Duration.ZERO);
        if (attempt.decide()) {
            ctx.bus().publish(new JobEvent.Failed(firing.jobId(), firing.definition().task(), firing.fireTime(),
                    attempt.number(), started, Duration.ZERO, error, false, false, end));
        } else if (attempt.isTimedOut() && !onTimeoutPath) {
            return;
        }
        attempt.afterReturn(() -> completion.end(attempt, lastRun));
    }

    /** Submits the retries that are due, of runs this node still holds. */
    void runDueRetries() {
        long now = ctx.ticker().nanos();
        for (RetryQueue.PendingRetry retry : retries.takeDue(now)) {
            if (stillHeld(retry, now)) {
                submit(retry.firing(), retry.attempt());
            }
        }
    }

    /**
     * Whether a retry may start here: while it waited, this node may have been taken over (paused
     * or cut off past its lease), and the node that took its run over runs the firing again. A run
     * no longer held ends here without an outcome; one the store cannot tell about waits a while.
     */
    private boolean stillHeld(RetryQueue.PendingRetry retry, long now) {
        ActiveFiring firing = retry.firing();
        if (firing.ticket() == null || dev.chime.spi.RunTicket.LOCAL.equals(firing.ticket().runId())) {
            return true;
        }
        try {
            if (ctx.store().holdsRun(firing.ticket())) {
                return true;
            }
            LOG.warn("job '{}': its run of {} was taken over by another node while retry {} waited; it is not retried here",
                    firing.jobId(), firing.fireTime(), retry.attempt());
            completion.endQuietly(firing);
        } catch (RuntimeException e) {
            LOG.warn("job '{}': cannot tell whether its run of {} is still this node's ({}); retry {} waits",
                    firing.jobId(), firing.fireTime(), e.getMessage(), retry.attempt());
            if (!retries.offer(new RetryQueue.PendingRetry(now + UNSURE_RETRY_WAIT_NANOS, firing, retry.attempt(),
                    retry.lastRun(), retry.durable()))) {
                if (retry.durable()) {
                    leftInStore(firing, retry.attempt());
                } else {
                    completion.endWith(firing, retry.lastRun());
                }
            }
        }
        return false;
    }

    /** The attempt of the job's firing running on this node and not yet decided, if any. */
    Optional<Attempt> runningAttempt(String jobId) {
        for (Attempt a : ctx.tracker().attemptsInFlight()) {
            if (a.firing().jobId().equals(jobId) && !a.isDecided()) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }

    /** Whether this node has an attempt of the job in flight or a retry of it waiting. */
    boolean hasRun(String jobId) {
        for (Attempt a : ctx.tracker().attemptsInFlight()) {
            if (a.firing().jobId().equals(jobId)) {
                return true;
            }
        }
        return retries.find(jobId).isPresent();
    }

    /** Whether this node has a run of the job in flight or waiting for a retry, and it is a job's, not a task's. */
    boolean runsJob(String jobId) {
        for (Attempt a : ctx.tracker().attemptsInFlight()) {
            if (a.firing().jobId().equals(jobId) && !a.firing().definition().enqueued()) {
                return true;
            }
        }
        return retries.find(jobId).filter(r -> !r.firing().definition().enqueued()).isPresent();
    }

    /** The retry of the job's firing waiting for its backoff on this node, if any. */
    Optional<RetryQueue.PendingRetry> pendingRetry(String jobId) {
        return retries.find(jobId);
    }

    /**
     * Stops the job's run on this node, if it has one (an enqueued task's, for
     * {@code Scheduler.cancel}): its attempt in flight is cancelled through its signal and gets
     * no retry; a retry waiting for its backoff is dropped and the run recorded cancelled. True
     * when there was something to stop. The attempts are asked first, then the retry queue, and a
     * failing attempt asks again after queueing its retry ({@link #retryLater}), so a cancel that
     * races a failure still drops the retry.
     */
    boolean cancelLocal(String jobId) {
        // Attempts first, then the retry queue: see retryLater for the other half of the race.
        boolean stopped = false;
        for (Attempt a : ctx.tracker().attemptsInFlight()) {
            // Only a task's run: a job's (a one-shot's, gone from the store) is not an execution.
            if (a.firing().jobId().equals(jobId) && a.firing().definition().enqueued()) {
                stopped |= !a.isDecided();
                a.requestCancel();
            }
        }
        return cancelRetry(jobId) || stopped;
    }

    private boolean cancelRetry(String jobId) {
        Optional<RetryQueue.PendingRetry> dropped = retries.removeTask(jobId);
        if (dropped.isEmpty()) {
            return false;
        }
        ActiveFiring firing = dropped.get().firing();
        LOG.info("job '{}': its retry {} of {} is cancelled", jobId, dropped.get().attempt(), firing.fireTime());
        completion.endWith(firing, RunRecords.cancelledRetry(ctx, firing, dropped.get().attempt() - 1, ctx.clock().instant()));
        return true;
    }

    Optional<Instant> nextRetry() {
        OptionalLong next = retries.nextDue();
        return next.isPresent() ? Optional.of(ctx.instantAt(next.getAsLong())) : Optional.empty();
    }

    /**
     * Stops retrying (shutdown): pending retries are dropped and logged; those the store holds with
     * their run ({@link #leftInStore}) are left there, without an outcome. The others end with
     * their last failed attempt's entry, as a retry refused at shutdown does ({@link #retryLater}):
     * an enqueued task's job is gone by now, so without it the task would leave no trace.
     */
    void stopAccepting() {
        for (RetryQueue.PendingRetry dropped : retries.close()) {
            if (dropped.durable()) {
                leftInStore(dropped.firing(), dropped.attempt());
                continue;
            }
            LOG.warn("job '{}': retry {} of {} dropped at shutdown", dropped.firing().jobId(), dropped.attempt(),
                    dropped.firing().fireTime());
            completion.endWith(dropped.firing(), dropped.lastRun());
        }
    }

    static String describe(Throwable error) {
        String message = error.getMessage();
        return message == null ? error.getClass().getName() : error.getClass().getName() + ": " + message;
    }
}
