package dev.chime.internal;

import dev.chime.Job;
import dev.chime.JobEvent;
import dev.chime.LastRun;
import dev.chime.Outcome;
import dev.chime.RetryPolicy;
import dev.chime.UnknownTaskException;
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

    /** Starts a firing's first attempt, or reports it skipped when the job is at max instances. */
    void dispatch(ActiveFiring firing) {
        int max = firing.definition().options().maxInstances();
        if (!ctx.tracker().tryAcquireInstance(firing.jobId(), max)) {
            Instant now = ctx.clock().instant();
            int running = ctx.tracker().activeInstances(firing.jobId());
            for (Instant fireTime : firing.allFireTimes()) {
                LOG.warn("job '{}' skipped its fire time {}: {} instance(s) already running (max {})", firing.jobId(),
                        fireTime, running, max);
                ctx.bus().publish(new JobEvent.Skipped(firing.jobId(), firing.definition().task(), fireTime, running, now));
            }
            keeper.firingOver(firing, now);
            return;
        }
        submit(firing, 1);
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
                    finish(firing, Outcome.SUCCESS, end, Duration.between(start, end), null);
                } else {
                    failed(attempt, error, false, end);
                }
            }
        } finally {
            // A pool thread must not carry our interrupt into the next job it runs.
            Thread.interrupted();
            ctx.tracker().finished(attempt);
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
        if (!timedOut) {
            LOG.warn("job '{}' attempt {} failed{}", firing.jobId(), attempt.number(), willRetry ? "; will retry" : "", error);
        }
        ctx.bus().publish(new JobEvent.Failed(firing.jobId(), firing.definition().task(), firing.fireTime(), attempt.number(), attempt.startedAt(),
                duration, error, timedOut, willRetry, end));
        if (willRetry) {
            // The firing keeps its instance slot while it waits: it is still in progress.
            retries.add(new PendingRetry(end.plus(retry.backoff(attempt.number())), firing, attempt.number() + 1));
            ctx.wake().run();
        } else {
            finish(firing, timedOut ? Outcome.TIMEOUT : Outcome.FAILURE, end, duration, describe(error));
        }
    }

    private void finish(ActiveFiring firing, Outcome outcome, Instant end, Duration duration, String error) {
        if (!firing.removed()) {
            try {
                ctx.store().recordOutcome(firing.jobId(), new LastRun(outcome, firing.fireTime(), end, duration, error));
            } catch (RuntimeException e) {
                LOG.error("job '{}': could not record outcome {} of {}", firing.jobId(), outcome, firing.fireTime(), e);
            }
        }
        ActiveFiring next = firing.nextQueued();
        if (next != null && accepting) {
            submit(next, 1);
            return;
        }
        ctx.tracker().releaseInstance(firing.jobId());
        keeper.firingOver(firing, end);
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
        }
    }

    static String describe(Throwable error) {
        String message = error.getMessage();
        return message == null ? error.getClass().getName() : error.getClass().getName() + ": " + message;
    }
}
