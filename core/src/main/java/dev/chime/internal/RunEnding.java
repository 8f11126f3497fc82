package dev.chime.internal;

import dev.chime.ExecutionState;
import dev.chime.JobEvent;
import dev.chime.LastRun;
import dev.chime.Outcome;
import dev.chime.RetryPolicy;
import dev.chime.TriggerContext;
import dev.chime.spi.RunEnd;
import dev.chime.spi.RunEndResult;
import dev.chime.spi.ScheduleChange;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The end of a run, the last step of its life: one {@link RunEnd} to the store, which records the
 * execution's state and history, the job's last outcome, a kept claim's next fire time and the
 * next queued fire time in one fenced write ({@code JobStore.endRuns}). A failed attempt with
 * retries left ends its run {@code WAITING_FOR_RETRY}: the retry is the store's from then on, and
 * any node runs it when due. When the store answers, the instance slot is freed (or handed to the
 * next queued fire time). Every step is guarded, so that a store or trigger that throws here still
 * frees the slot: a run that cannot end would hold its job at max instances for ever.
 */
final class RunEnding {

    private static final Logger LOG = LoggerFactory.getLogger(RunEnding.class);

    /** How an attempt ended, as the engine saw it. */
    enum Kind { SUCCEEDED, FAILED, TIMED_OUT, CANCELLED, NOT_STARTED }

    /**
     * @param kind     how it ended
     * @param end      when, by the engine's clock
     * @param duration how long the body ran (zero when it did not)
     * @param error    the failure; null when it succeeded
     * @param retry    a failure that gets its retry ({@link #willRetry}, as its event said)
     */
    record AttemptOutcome(Kind kind, Instant end, Duration duration, Throwable error, boolean retry) {

        AttemptOutcome(Kind kind, Instant end, Duration duration, Throwable error) {
            this(kind, end, duration, error, false);
        }
    }

    private final EngineContext ctx;
    private final Admission admission;
    /** Starts the attempt of the next queued fire time, in the slot the run holds. */
    private Consumer<Run> startNext = run -> { };
    private volatile boolean stopping;

    RunEnding(EngineContext ctx, Admission admission) {
        this.ctx = ctx;
        this.admission = admission;
    }

    void startNextWith(Consumer<Run> startNext) {
        this.startNext = startNext;
    }

    /** Shutdown: runs no longer move on to their queued fire times (those are reported missed). */
    void stop() {
        stopping = true;
    }

    /** Whether a failed attempt of this run gets a retry. */
    static boolean willRetry(Attempt attempt) {
        return !attempt.isStopRequested() && attempt.number() <= attempt.run().work().options().retry().maxRetries();
    }

    /**
     * Ends the attempt's run with its outcome, once (later calls do nothing). The attempt stays in
     * flight (for the in-flight limit, shutdown and the test clock) and the slot taken until the
     * store has answered; the worker thread does not wait for that write.
     */
    void end(Attempt attempt, AttemptOutcome outcome) {
        if (!attempt.handOn()) {
            return;
        }
        Run run = attempt.run();
        RunEnd end;
        try {
            end = build(attempt, outcome);
        } catch (Throwable e) {
            LOG.error("{}: could not end its run of {}; its slot is freed and the store's takeover rules decide",
                    run.work().describe(), run.fireTime(), e);
            admission.release(run.work());
            return;
        }
        attempt.holdForStoreWrite();
        write(run, end, 1, () -> {
            if (attempt.letGo()) {
                ctx.tracker().finished(attempt);
            }
        });
    }

    /** An end the store failed to write, written again at the next pass. */
    private record Pending(Run run, RunEnd end, int tries) {
    }

    /** How often an end is written before the engine gives up on it (and the store's takeover rules decide). */
    static final int MAX_END_TRIES = 10;

    private final Queue<Pending> pending = new ConcurrentLinkedQueue<>();

    /**
     * Writes again the ends the store failed to write (it answered with an error): the run keeps its
     * instance slot meanwhile, since the store still counts it as running. Called on every pass.
     */
    void writePending() {
        for (int n = pending.size(); n > 0; n--) {
            Pending p = pending.poll();
            if (p == null) {
                return;
            }
            write(p.run(), p.end(), p.tries() + 1, () -> { });
        }
    }

    /** An end waiting for the next grouped write. */
    private record Write(Run run, RunEnd end, int tries, Runnable afterAnswer) {
    }

    /** The most ends one store call carries: a group must not grow without bound while workers keep adding. */
    static final int MAX_ENDS_PER_WRITE = 512;

    private final Queue<Write> toWrite = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean writing = new AtomicBoolean();

    /**
     * Queues the end and, unless another thread is writing already, writes every end queued so far
     * in one store call. Ends are grouped the way completions were: one worker at a time talks to
     * the store and takes its colleagues' ends along, instead of every worker queueing on the
     * store's lock (or transaction) for one end each, which made the workers wait on each other.
     */
    private void write(Run run, RunEnd end, int tries, Runnable afterAnswer) {
        toWrite.add(new Write(run, end, tries, afterAnswer));
        // The emptiness check after letting go catches an end queued while this thread was writing:
        // its thread saw the flag taken and left it to this one.
        while (!toWrite.isEmpty() && writing.compareAndSet(false, true)) {
            try {
                List<Write> group = new ArrayList<>();
                for (Write w; group.size() < MAX_ENDS_PER_WRITE && (w = toWrite.poll()) != null; ) {
                    group.add(w);
                }
                if (!group.isEmpty()) {
                    writeGroup(group);
                }
            } finally {
                writing.set(false);
            }
        }
    }

    private void writeGroup(List<Write> group) {
        List<RunEnd> ends = new ArrayList<>(group.size());
        for (Write w : group) {
            ends.add(w.end());
        }
        CompletionStage<List<RunEndResult>> stage;
        try {
            stage = ctx.store().endRuns(ends);
        } catch (Throwable e) {
            stage = CompletableFuture.failedFuture(e);
        }
        stage.whenComplete((results, failure) -> {
            for (int i = 0; i < group.size(); i++) {
                Write w = group.get(i);
                RunEndResult result = failure != null || results == null || results.size() != group.size()
                        ? null : results.get(i);
                answer(w, result, failure);
            }
        });
    }

    private void answer(Write w, RunEndResult result, Throwable failure) {
        Run run = w.run();
        try {
            if ((failure != null || result == null) && w.tries() < MAX_END_TRIES && !stopping) {
                LOG.warn("{}: the store could not end its run of {} (try {} of {}); it is written again at the next pass: {}",
                        run.work().describe(), run.fireTime(), w.tries(), MAX_END_TRIES,
                        failure == null ? "no answer" : failure.getMessage());
                pending.add(new Pending(run, w.end(), w.tries()));
            } else {
                answered(run, w.end(), result, failure);
            }
        } catch (Throwable e) {
            LOG.error("{}: could not carry out the store's answer to the end of its run of {}", run.work().describe(),
                    run.fireTime(), e);
        } finally {
            w.afterAnswer().run();
        }
    }

    /**
     * The store said the run is another node's now (it took this node over): nothing is written,
     * the slot is freed, and the run's execution and its fire times not started are the taker's.
     */
    void takenOver(Attempt attempt) {
        if (attempt.handOn()) {
            logTakenOver(attempt.run());
            admission.release(attempt.run().work());
        }
    }

    private RunEnd build(Attempt attempt, AttemptOutcome outcome) {
        Run run = attempt.run();
        Work work = run.work();
        boolean jobOutcome = work.jobId() != null && !run.jobLeftStore();
        ExecutionState state;
        Instant retryAt = null;
        LastRun lastRun = null;
        String error = outcome.error() == null ? null : describe(outcome.error());
        String stack = outcome.error() == null ? null : stackTrace(outcome.error());
        switch (outcome.kind()) {
            case SUCCEEDED -> {
                state = ExecutionState.SUCCEEDED;
                lastRun = new LastRun(Outcome.SUCCESS, run.fireTime(), outcome.end(), outcome.duration(), null);
            }
            case FAILED, TIMED_OUT -> {
                if (outcome.retry()) {
                    state = ExecutionState.WAITING_FOR_RETRY;
                    RetryPolicy retry = work.options().retry();
                    retryAt = outcome.end().plus(retry.backoff(attempt.number()));
                } else {
                    state = ExecutionState.FAILED;
                    lastRun = new LastRun(outcome.kind() == Kind.TIMED_OUT ? Outcome.TIMEOUT : Outcome.FAILURE, run.fireTime(),
                            outcome.end(), outcome.duration(), error);
                }
            }
            case CANCELLED -> state = ExecutionState.CANCELLED;
            default -> {
                state = ExecutionState.FAILED;
                lastRun = new LastRun(Outcome.MISSED, run.fireTime(), outcome.end(), Duration.ZERO, error);
            }
        }
        boolean movesOn = outcome.kind() != Kind.NOT_STARTED && !run.queued().isEmpty() && !stopping;
        RunEnd.Next next = movesOn ? new RunEnd.Next(run.queued().get(0), ExecutionIds.next()) : null;
        ScheduleChange schedule = run.keepsClaim() && state != ExecutionState.WAITING_FOR_RETRY
                ? nextSchedule(run, outcome.end()) : null;
        return new RunEnd(run.ticket(), state, outcome.end(), error, stack, attempt.resultJson(), retryAt,
                jobOutcome ? lastRun : null, schedule, next);
    }

    /**
     * A fixed-delay job's next fire time, counted from its run's end; a trigger that throws takes
     * the job out of the schedule ({@link TriggerGuard}).
     */
    private ScheduleChange nextSchedule(Run run, Instant completedAt) {
        // A completion read before the fire time (the wall clock stepped back) must not make a
        // correct trigger look faulty: the delay counts from whichever is later.
        Instant completion = completedAt.isBefore(run.fireTime()) ? run.fireTime() : completedAt;
        try {
            Optional<Instant> next = TriggerGuard.next(run.work().trigger(),
                    new TriggerContext(completion, run.fireTime(), completion));
            return next.map(ScheduleChange::release).orElseGet(ScheduleChange::remove);
        } catch (TriggerGuard.FaultyTriggerException e) {
            TriggerGuard.reportFault(ctx, run.work().jobId(), run.work().task(), run.fireTime(), e, completedAt);
            return ScheduleChange.release(null);
        }
    }

    private void answered(Run run, RunEnd end, RunEndResult result, Throwable failure) {
        if (failure != null || result == null) {
            LOG.error("{}: could not end the store's record of its run of {}; given up after {} tries, its slot is freed "
                    + "and the store's takeover rules decide", run.work().describe(), run.fireTime(), MAX_END_TRIES, failure);
            admission.release(run.work());
            return;
        }
        if (!result.recorded()) {
            logTakenOver(run);
            admission.release(run.work());
            return;
        }
        if (end.schedule() != null && end.schedule().removesJob()) {
            ctx.bus().publish(() -> new JobEvent.Removed(run.work().jobId(), end.endedAt()));
        }
        if (result.next() != null) {
            startNext.accept(run.next(result.next()));
            return;
        }
        admission.release(run.work());
        if (end.next() == null && !run.queued().isEmpty()) {
            abandoned(run);
        }
        // A retry or a job put back may now be the next thing due.
        ctx.wake().run();
    }

    /**
     * Queued fire times of a run that ends before running them (shutdown, an attempt that could
     * not start) are reported missed, so that every fire time is accounted for. Only once the
     * run's end was recorded as this node's: a run taken over leaves them to the taker.
     */
    private void abandoned(Run run) {
        Instant now = ctx.clock().instant();
        List<Instant> queued = run.queued();
        LOG.warn("{}: its run ended at {} before its {} queued fire time(s) up to {}; they are reported missed",
                run.work().describe(), run.fireTime(), queued.size(), queued.get(queued.size() - 1));
        for (Instant fireTime : queued) {
            ctx.bus().publish(() -> new JobEvent.Missed(run.work().eventJobId(), run.work().task(), fireTime, now));
        }
    }

    private static void logTakenOver(Run run) {
        LOG.warn("{}: its run of {} was taken over by another node while this one was presumed dead; "
                + "its outcome here is not recorded", run.work().describe(), run.fireTime());
    }

    static String describe(Throwable error) {
        String message = error.getMessage();
        return message == null ? error.getClass().getName() : error.getClass().getName() + ": " + message;
    }

    /** The stack trace as text, cut at the history's limit with a marker saying how much was cut. */
    static String stackTrace(Throwable error) {
        StringWriter text = new StringWriter();
        error.printStackTrace(new PrintWriter(text));
        String trace = text.toString();
        int max = dev.chime.Execution.MAX_STACK_TRACE_CHARS;
        if (trace.length() <= max) {
            return trace;
        }
        String marker = "\n... [cut by Chime: " + (trace.length() - (max - 60)) + " more characters]";
        return trace.substring(0, max - 60) + marker;
    }
}
