package dev.chime.internal;

import dev.chime.Job;
import dev.chime.JobEvent;
import dev.chime.UnknownTaskException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the attempt of each run the store started: hands it to the executor (or runs it on a parked
 * worker), checks just before the body that the run is still this node's, decides the outcome once
 * (returned, threw, timed out, stopped on request) and hands it to {@link RunEnding}.
 *
 * <p>Whatever fails inside an attempt (the job, the engine's own bookkeeping) ends that attempt: its
 * outcome is reported and its run ended, so its instance slot is never lost.
 */
final class AttemptRunner {

    private static final Logger LOG = LoggerFactory.getLogger(AttemptRunner.class);

    private final EngineContext ctx;
    private final RunEnding ending;
    private final TimeoutWatch timeouts;

    AttemptRunner(EngineContext ctx, RunEnding ending) {
        this.ctx = ctx;
        this.ending = ending;
        this.timeouts = new TimeoutWatch(ctx, this::timedOut);
        ending.startNextWith(this::start);
    }

    /** Submits the run's attempt to the executor. */
    void start(Run run) {
        Attempt attempt = track(run);
        try {
            ctx.executor().execute(() -> run(attempt));
        } catch (Throwable e) {
            // A user's executor is plugin code too: whatever it throws, the run does not keep its slot.
            LOG.error("{}: the executor {} the attempt for {}", run.work().describe(),
                    e instanceof RejectedExecutionException ? "rejected (is it shut down?)" : "failed to take", run.fireTime(), e);
            ctx.tracker().leftWorker();
            if (attempt.decide()) {
                ending.end(attempt, new RunEnding.AttemptOutcome(RunEnding.Kind.NOT_STARTED, ctx.clock().instant(), Duration.ZERO, e));
            }
            if (attempt.letGo()) {
                ctx.tracker().finished(attempt);
            }
        }
    }

    /**
     * Runs the run's attempt on the calling thread: a worker that was parked until the fire time
     * ({@link ParkedFirings}). {@code onTracked} runs once the attempt counts as in flight.
     */
    void startHere(Run run, Runnable onTracked) {
        Attempt attempt = track(run);
        onTracked.run();
        run(attempt);
    }

    private Attempt track(Run run) {
        Attempt attempt = new Attempt(run);
        ctx.tracker().submitted(attempt);
        ctx.bus().publish(() -> new JobEvent.Submitted(run.work().eventJobId(), run.work().task(), run.fireTime(),
                attempt.number(), ctx.clock().instant()));
        return attempt;
    }

    private void run(Attempt attempt) {
        Run run = attempt.run();
        try {
            if (!stillThisNodesRun(attempt)) {
                return;
            }
            Instant start = ctx.clock().instant();
            Duration timeout = run.work().options().timeout().orElse(null);
            attempt.started(Thread.currentThread(), start, ctx.ticker().nanos(), timeout);
            if (timeout != null) {
                ctx.wake().run();
            }
            Throwable error = null;
            try {
                Job job = resolve(run.work().task());
                attempt.inJobCode(true);
                try {
                    job.execute(new RunContext(attempt));
                } finally {
                    attempt.inJobCode(false);
                }
            } catch (Throwable t) {
                error = t;
            }
            if (attempt.decide()) {
                long endNanos = ctx.ticker().nanos();
                ctx.budget().recordAttempt(endNanos - attempt.startNanos());
                Instant end = ctx.clock().instant();
                Duration duration = Duration.ofNanos(endNanos - attempt.startNanos());
                if (attempt.isStopRequested()) {
                    cancelled(attempt, end, duration);
                } else if (error == null) {
                    succeeded(attempt, end, duration);
                } else {
                    failed(attempt, error, false, end, duration);
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
     * this node's: the node may have been paused (SIGSTOP, a long GC) after the start or while the
     * attempt waited for a thread, and another node may have taken the run over and run it again.
     * A run taken over ends here without an event (its new owner accounts for it); when the store
     * cannot tell, the body does not start, its fire times are reported missed and the run ends
     * FAILED through the fenced end. Returns true when the body may start.
     */
    private boolean stillThisNodesRun(Attempt attempt) {
        Run run = attempt.run();
        boolean held;
        try {
            held = ctx.store().holdsRun(run.ticket());
        } catch (Throwable e) {
            if (attempt.decide()) {
                Instant now = ctx.clock().instant();
                LOG.warn("{}: cannot tell whether its run of {} is still this node's ({}); attempt {} does not start "
                        + "and is reported missed", run.work().describe(), run.fireTime(), e.getMessage(), attempt.number());
                for (Instant fireTime : run.allFireTimes()) {
                    ctx.bus().publish(new JobEvent.Missed(run.work().eventJobId(), run.work().task(), fireTime, now));
                }
                ending.end(attempt, new RunEnding.AttemptOutcome(RunEnding.Kind.NOT_STARTED, now, Duration.ZERO,
                        new IllegalStateException("not started: the store could not confirm that the run was still this "
                                + "node's (" + e.getMessage() + ")", e)));
            }
            return false;
        }
        if (!held && attempt.decide()) {
            LOG.warn("{}: its run of {} was taken over by another node before attempt {} started; it does not start here",
                    run.work().describe(), run.fireTime(), attempt.number());
            ending.takenOver(attempt);
        }
        return held;
    }

    private Job resolve(String task) {
        Optional<Job> job = ctx.jobFactory().resolve(task);
        return job.orElseThrow(() -> new UnknownTaskException(task, String.valueOf(ctx.jobFactory())));
    }

    private void succeeded(Attempt attempt, Instant end, Duration duration) {
        Run run = attempt.run();
        ctx.bus().publish(() -> new JobEvent.Executed(run.work().eventJobId(), run.work().task(), run.fireTime(),
                attempt.number(), attempt.startedAt(), duration, end));
        ending.end(attempt, new RunEnding.AttemptOutcome(RunEnding.Kind.SUCCEEDED, end, duration, null));
    }

    private void cancelled(Attempt attempt, Instant end, Duration duration) {
        Run run = attempt.run();
        LOG.info("{}: attempt {} of {} stopped on request; its execution is cancelled", run.work().describe(),
                attempt.number(), run.fireTime());
        ending.end(attempt, new RunEnding.AttemptOutcome(RunEnding.Kind.CANCELLED, end, duration, null));
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
            LOG.warn("{} ran past its timeout of {} and is interrupted", attempt.run().work().describe(), timeout);
            failed(attempt, new TimeoutException(attempt.run().work().describe() + " ran past its timeout of " + timeout),
                    true, ctx.clock().instant(), Duration.ofNanos(nowNanos - attempt.startNanos()));
        } catch (Throwable t) {
            abort(attempt, t, true);
        }
    }

    private void failed(Attempt attempt, Throwable error, boolean timedOut, Instant end, Duration duration) {
        Run run = attempt.run();
        boolean willRetry = RunEnding.willRetry(attempt);
        // An unknown task is logged once per task by RegisteredTasks, not at every firing.
        if (!timedOut && !(error instanceof UnknownTaskException)) {
            LOG.warn("{} attempt {} failed{}", run.work().describe(), attempt.number(), willRetry ? "; will retry" : "", error);
        }
        ctx.bus().publish(new JobEvent.Failed(run.work().eventJobId(), run.work().task(), run.fireTime(), attempt.number(),
                attempt.startedAt(), duration, error, timedOut, willRetry, end));
        RunEnding.AttemptOutcome outcome = new RunEnding.AttemptOutcome(timedOut ? RunEnding.Kind.TIMED_OUT : RunEnding.Kind.FAILED, end,
                duration, error, willRetry);
        if (!timedOut) {
            ending.end(attempt, outcome);
            return;
        }
        // The attempt is decided, but its thread may still be in job code: the slot, the store's
        // run and the retry wait until it has really returned, so no second copy starts.
        attempt.afterReturn(() -> ending.end(attempt, outcome));
    }

    /**
     * Something failed in the engine's own handling of an attempt (not in the job): the attempt
     * ends as failed once its thread has returned. When a timeout decided it and is passing it on
     * already, that path ends it instead.
     */
    private void abort(Attempt attempt, Throwable error, boolean onTimeoutPath) {
        Run run = attempt.run();
        LOG.error("{}: attempt {} of {} could not be carried out; it ends as failed", run.work().describe(), attempt.number(),
                run.fireTime(), error);
        Instant end = ctx.clock().instant();
        Instant started = attempt.startedAt() == null ? end : attempt.startedAt();
        if (attempt.decide()) {
            ctx.bus().publish(new JobEvent.Failed(run.work().eventJobId(), run.work().task(), run.fireTime(), attempt.number(),
                    started, Duration.ZERO, error, false, false, end));
        } else if (attempt.isTimedOut() && !onTimeoutPath) {
            return;
        }
        RunEnding.AttemptOutcome outcome = new RunEnding.AttemptOutcome(RunEnding.Kind.FAILED, end, Duration.ZERO, error);
        attempt.afterReturn(() -> ending.end(attempt, outcome));
    }

    /** Asks the attempts of these executions, running here, to stop ({@code Scheduler.cancel}). */
    void requestStops(java.util.Collection<String> executionIds) {
        for (Attempt attempt : ctx.tracker().attemptsInFlight()) {
            if (executionIds.contains(attempt.run().executionId()) && !attempt.isStopRequested()) {
                LOG.info("{}: execution '{}' is asked to stop", attempt.run().work().describe(), attempt.run().executionId());
                attempt.requestStop();
            }
        }
    }
}
