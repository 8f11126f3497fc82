package dev.chime.internal;

import dev.chime.Job;
import dev.chime.JobOptions;
import dev.chime.JobEvent;
import dev.chime.LastRun;
import dev.chime.Outcome;
import dev.chime.RetryPolicy;
import dev.chime.UnknownTaskException;
import dev.chime.spi.RunRequest;
import dev.chime.spi.RunTicket;
import dev.chime.spi.StoredJob;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the attempts of firings: enforces max concurrent instances, hands attempts to the executor,
 * decides each attempt's outcome once (returned, threw, or timed out), schedules retries with
 * backoff, and records the final outcome.
 */
final class AttemptRunner {

    private static final Logger LOG = LoggerFactory.getLogger(AttemptRunner.class);

    private record PendingRetry(Instant due, ActiveFiring firing, int attempt) {
    }

    private final EngineContext ctx;
    private final ScheduleKeeper keeper;
    private final PriorityBlockingQueue<PendingRetry> retries =
            new PriorityBlockingQueue<>(16, (a, b) -> a.due().compareTo(b.due()));
    private volatile boolean accepting = true;

    AttemptRunner(EngineContext ctx, ScheduleKeeper keeper) {
        this.ctx = ctx;
        this.keeper = keeper;
    }

    /**
     * Starts a firing's first attempt, or reports it skipped when the job is at max instances: first
     * on this node, then (through the store) across the cluster.
     */
    void dispatch(ActiveFiring firing) {
        ActiveFiring begun = begin(firing);
        if (begun != null) {
            start(begun);
        }
    }

    /**
     * Takes an instance slot for a firing and has the store record its run, or reports it skipped
     * and returns null. The dispatcher calls this while it still holds the job's claim, so that a
     * crash leaves either the claim or the run record behind, never neither.
     */
    ActiveFiring begin(ActiveFiring firing) {
        if (!acquire(firing)) {
            return null;
        }
        ActiveFiring begun = firing.ticket() == null ? record(firing) : firing;
        if (begun == null) {
            refusedByStore(firing);
        }
        return begun;
    }

    /**
     * Takes one of this node's instance slots for the job, or reports the firing skipped and
     * returns false. The first half of {@link #begin}, for the dispatcher's batches.
     */
    boolean acquire(ActiveFiring firing) {
        int max = firing.definition().options().maxInstances();
        if (ctx.tracker().tryAcquireInstance(firing.jobId(), max)) {
            return true;
        }
        skipped(firing, ctx.tracker().activeInstances(firing.jobId()), max);
        return false;
    }

    /** What the store needs to record the run of an {@link #acquire acquired} firing. */
    RunRequest runRequest(ActiveFiring firing) {
        JobOptions options = firing.definition().options();
        StoredJob snapshot = firing.removed() && options.recoverable()
                ? ctx.codec().encode(firing.definition(), null) : null;
        return new RunRequest(firing.jobId(), firing.fireTime(), options.maxInstances(), options.recoverable(), snapshot);
    }

    /** The store gave no ticket: the job runs max instances elsewhere in the cluster. */
    void refusedByStore(ActiveFiring firing) {
        int max = firing.definition().options().maxInstances();
        ctx.tracker().releaseInstance(firing.jobId());
        skipped(firing, max, max);
    }

    /** Gives back the slot of an {@link #acquire acquired} firing that will not run after all. */
    void abandon(ActiveFiring firing) {
        ctx.tracker().releaseInstance(firing.jobId());
    }

    /** Submits the first attempt of a firing that {@link #begin} let through. */
    void start(ActiveFiring begun) {
        submit(begun, 1);
    }

    /** Tells the store the firing runs; null when the cluster already runs max instances of the job. */
    private ActiveFiring record(ActiveFiring firing) {
        try {
            RunTicket ticket = ctx.store().beginRun(runRequest(firing));
            return ticket == null ? null : firing.withTicket(ticket);
        } catch (RuntimeException e) {
            // Running without the store's record beats not running: only a crash of this node in
            // the meantime would go unnoticed.
            LOG.error("job '{}': could not record the start of its fire time {}; running it anyway", firing.jobId(),
                    firing.fireTime(), e);
            return firing;
        }
    }

    private void skipped(ActiveFiring firing, int running, int max) {
        Instant now = ctx.clock().instant();
        for (Instant fireTime : firing.allFireTimes()) {
            LOG.warn("job '{}' skipped its fire time {}: {} instance(s) already running (max {})", firing.jobId(),
                    fireTime, running, max);
            ctx.bus().publish(new JobEvent.Skipped(firing.jobId(), firing.definition().task(), fireTime, running, now));
        }
        completeRun(firing, null);
        keeper.firingOver(firing, now);
    }

    /** Ends the store's record of a run; false when another node took it over meanwhile. */
    private boolean completeRun(ActiveFiring firing, LastRun lastRun) {
        if (firing.ticket() == null) {
            if (lastRun != null && !firing.removed()) {
                ctx.store().recordOutcome(firing.jobId(), lastRun);
            }
            return true;
        }
        if (ctx.store().completeRun(firing.ticket(), firing.removed() ? null : lastRun)) {
            return true;
        }
        LOG.warn("job '{}': its run of {} was taken over by another node while this one was presumed dead; "
                + "its outcome here is not recorded", firing.jobId(), firing.fireTime());
        return false;
    }

    private void submit(ActiveFiring firing, int number) {
        Attempt attempt = new Attempt(firing, number);
        ctx.tracker().submitted(attempt);
        ctx.bus().publish(() -> new JobEvent.Submitted(firing.jobId(), firing.definition().task(), firing.fireTime(), number,
                ctx.clock().instant()));
        try {
            ctx.executor().execute(() -> run(attempt));
        } catch (RejectedExecutionException e) {
            LOG.error("job '{}': the executor rejected the attempt for {}; is it shut down?", firing.jobId(), firing.fireTime(), e);
            ctx.tracker().finished(attempt);
            ctx.tracker().releaseInstance(firing.jobId());
            completeQuietly(firing);
        }
    }

    private void run(Attempt attempt) {
        ActiveFiring firing = attempt.firing();
        Instant start = ctx.clock().instant();
        Instant deadline = firing.definition().options().timeout().map(start::plus).orElse(null);
        attempt.started(Thread.currentThread(), start, deadline);
        if (deadline != null) {
            ctx.wake().run();
        }
        Throwable error = null;
        try {
            Job job = resolve(firing.definition().task());
            attempt.inJobCode(true);
            try {
                job.execute(new RunContext(attempt));
            } finally {
                attempt.inJobCode(false);
            }
        } catch (Throwable t) {
            error = t;
        }
        try {
            if (attempt.decide()) {
                Instant end = ctx.clock().instant();
                if (error == null) {
                    ctx.bus().publish(() -> new JobEvent.Executed(firing.jobId(), firing.definition().task(), firing.fireTime(),
                            attempt.number(), start, Duration.between(start, end), end));
                    finish(attempt, Outcome.SUCCESS, end, Duration.between(start, end), null);
                } else {
                    failed(attempt, error, false, end);
                }
            }
        } finally {
            // A pool thread must not carry our interrupt into the next job it runs.
            Thread.interrupted();
            if (attempt.letGo()) {
                ctx.tracker().finished(attempt);
            }
        }
    }

    private Job resolve(String task) {
        Optional<Job> job = ctx.jobFactory().resolve(task);
        return job.orElseThrow(() -> new UnknownTaskException(task, String.valueOf(ctx.jobFactory())));
    }

    /** Interrupts and reports the attempts whose timeout passed. */
    void expireTimeouts(Instant now) {
        for (Attempt attempt : ctx.tracker().snapshot()) {
            Instant deadline = attempt.deadline();
            if (deadline != null && !deadline.isAfter(now) && attempt.decide()) {
                Duration timeout = Duration.between(attempt.startedAt(), deadline);
                LOG.warn("job '{}' ran past its timeout of {} and is interrupted", attempt.firing().jobId(), timeout);
                attempt.timedOut();
                failed(attempt, new TimeoutException("job '" + attempt.firing().jobId() + "' ran past its timeout of " + timeout),
                        true, now);
            }
        }
    }

    private void failed(Attempt attempt, Throwable error, boolean timedOut, Instant end) {
        ActiveFiring firing = attempt.firing();
        RetryPolicy retry = firing.definition().options().retry();
        boolean willRetry = accepting && attempt.number() <= retry.maxRetries();
        Duration duration = Duration.between(attempt.startedAt(), end);
        // An unknown task is logged once per task by RegisteredTasks, not at every firing.
        if (!timedOut && !(error instanceof UnknownTaskException)) {
            LOG.warn("job '{}' attempt {} failed{}", firing.jobId(), attempt.number(), willRetry ? "; will retry" : "", error);
        }
        ctx.bus().publish(new JobEvent.Failed(firing.jobId(), firing.definition().task(), firing.fireTime(), attempt.number(), attempt.startedAt(),
                duration, error, timedOut, willRetry, end));
        if (willRetry) {
            // The firing keeps its instance slot while it waits: it is still in progress.
            retries.add(new PendingRetry(end.plus(retry.backoff(attempt.number())), firing, attempt.number() + 1));
            ctx.wake().run();
        } else {
            finish(attempt, timedOut ? Outcome.TIMEOUT : Outcome.FAILURE, end, duration, describe(error));
        }
    }

    private void finish(Attempt attempt, Outcome outcome, Instant end, Duration duration, String error) {
        ActiveFiring firing = attempt.firing();
        LastRun lastRun = new LastRun(outcome, firing.fireTime(), end, duration, error);
        ActiveFiring next = firing.nextQueued();
        if (next != null && accepting) {
            // The run goes on with the queued fire time; only its end completes the ticket.
            try {
                if (!firing.removed()) {
                    ctx.store().recordOutcome(firing.jobId(), lastRun);
                }
            } catch (RuntimeException e) {
                LOG.error("job '{}': could not record outcome {} of {}", firing.jobId(), outcome, firing.fireTime(), e);
            }
            submit(next, 1);
            return;
        }
        Runnable over = () -> {
            ctx.tracker().releaseInstance(firing.jobId());
            keeper.firingOver(firing, end);
        };
        if (firing.ticket() == null) {
            try {
                completeRun(firing, lastRun);
            } catch (RuntimeException e) {
                LOG.error("job '{}': could not record outcome {} of {}", firing.jobId(), outcome, firing.fireTime(), e);
            }
            over.run();
            return;
        }
        // The worker need not wait for the store's write; the attempt stays in flight (for the
        // in-flight limit, shutdown and the test clock) and the slot taken until it is done.
        attempt.holdForStoreWrite();
        ctx.store().completeRunAsync(firing.ticket(), firing.removed() ? null : lastRun).whenComplete((ended, failure) -> {
            if (failure != null) {
                LOG.error("job '{}': could not record outcome {} of {}", firing.jobId(), outcome, firing.fireTime(), failure);
            } else if (!ended) {
                LOG.warn("job '{}': its run of {} was taken over by another node while this one was presumed dead; "
                        + "its outcome here is not recorded", firing.jobId(), firing.fireTime());
            }
            try {
                over.run();
            } catch (RuntimeException e) {
                LOG.error("job '{}': could not end its firing of {}", firing.jobId(), firing.fireTime(), e);
            } finally {
                if (attempt.letGo()) {
                    ctx.tracker().finished(attempt);
                }
            }
        });
    }

    /** Submits the retries that are due. */
    void runDueRetries(Instant now) {
        PendingRetry head;
        while ((head = retries.peek()) != null && !head.due().isAfter(now)) {
            if (retries.remove(head)) {
                if (accepting) {
                    submit(head.firing(), head.attempt());
                } else {
                    ctx.tracker().releaseInstance(head.firing().jobId());
                    completeQuietly(head.firing());
                }
            }
        }
    }

    Optional<Instant> nextRetry() {
        PendingRetry head = retries.peek();
        return head == null ? Optional.empty() : Optional.of(head.due());
    }

    /** Stops retrying (shutdown): pending retries are dropped and logged. */
    void stopAccepting() {
        accepting = false;
        PendingRetry dropped;
        while ((dropped = retries.poll()) != null) {
            LOG.warn("job '{}': retry {} of {} dropped at shutdown", dropped.firing().jobId(), dropped.attempt(),
                    dropped.firing().fireTime());
            ctx.tracker().releaseInstance(dropped.firing().jobId());
            completeQuietly(dropped.firing());
        }
    }

    /** Ends a run that produced no outcome (dropped at shutdown), so no node recovers it. */
    private void completeQuietly(ActiveFiring firing) {
        try {
            completeRun(firing, null);
        } catch (RuntimeException e) {
            LOG.error("job '{}': could not end the store's record of its run of {}", firing.jobId(), firing.fireTime(), e);
        }
    }

    static String describe(Throwable error) {
        String message = error.getMessage();
        return message == null ? error.getClass().getName() : error.getClass().getName() + ": " + message;
    }
}
