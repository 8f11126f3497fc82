package dev.chime.console.internal;

import dev.chime.ChimeEvent;
import dev.chime.Execution;
import dev.chime.ExecutionQuery;
import dev.chime.JobEvent;
import dev.chime.Scheduler;
import dev.chime.SchedulerListener;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the scheduler's events into executions for the event streams, so the dashboard redraws the
 * one execution that changed instead of reloading a list. An event names its job (or task), fire
 * time and attempt, not its execution, and it is published before the store records what it says:
 * so the watch reads the newest executions of that job or task (one small store read, on its own
 * thread, with a turn at the store like any request) until the one with that fire time shows the
 * event, then sends it; after {@link #PATIENCE} it sends what the store holds. It works only while
 * a stream is open, and at most {@link #MAX_PENDING} look-ups wait at once: beyond that the streams
 * are told that executions changed unseen, and the dashboard reloads what it shows.
 *
 * <p>What has no event (an enqueue, a cancel or a retry made outside this console, the end of a
 * cancelled run) is not sent, except for the changes this console makes itself. Thread-safe.
 */
final class ExecutionWatch implements SchedulerListener {

    private static final Logger LOG = LoggerFactory.getLogger(ExecutionWatch.class);
    static final int MAX_PENDING = 256;
    static final Duration PATIENCE = Duration.ofSeconds(5);
    /** A stopped run ends when its code returns: followed longer than an event. */
    static final Duration STOP_PATIENCE = Duration.ofSeconds(60);
    private static final long RETRY_MILLIS = 50;
    /** The newest executions of the job or task read per look-up; the fire time picks from them. */
    private static final int LOOK_BACK = 50;

    /** Reads executions until {@code done} holds for them or the deadline passes, then sends them. */
    private record Lookup(Supplier<List<Execution>> read, Predicate<List<Execution>> done, long deadlineNanos) {
    }

    private final Scheduler scheduler;
    private final EventStream streams;
    private final ExecutionViews views;
    private final Function<Supplier<Object>, Object> storeTurn;
    private final ScheduledThreadPoolExecutor worker;
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicBoolean overflowed = new AtomicBoolean();

    ExecutionWatch(Scheduler scheduler, EventStream streams, ExecutionViews views, Function<Supplier<Object>, Object> storeTurn) {
        this.scheduler = scheduler;
        this.streams = streams;
        this.views = views;
        this.storeTurn = storeTurn;
        this.worker = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "chime-console-executions");
            t.setDaemon(true);
            return t;
        });
        worker.setRemoveOnCancelPolicy(true);
    }

    @Override
    public void onEvent(ChimeEvent event) {
        if (!streams.hasStreams()) {
            return;
        }
        if (event instanceof JobEvent.Submitted s) {
            watch(s.jobId(), s.task(), s.scheduledFireTime(), s.attempt(), e -> true);
        } else if (event instanceof JobEvent.Executed x) {
            watch(x.jobId(), x.task(), x.scheduledFireTime(), x.attempt(), e -> e.state().isEnded());
        } else if (event instanceof JobEvent.Failed f) {
            watch(f.jobId(), f.task(), f.scheduledFireTime(), f.attempt(), e -> e.state().isEnded()
                    || (f.willRetry() && e.state() == dev.chime.ExecutionState.WAITING_FOR_RETRY));
        }
    }

    /** This console changed an execution: send it now, and follow a running one asked to stop until it ends. */
    void changed(Execution execution) {
        send(execution);
        if (execution.state() == dev.chime.ExecutionState.RUNNING && streams.hasStreams()) {
            String id = execution.id();
            submit(new Lookup(() -> scheduler.execution(id).map(List::of).orElse(List.of()),
                    found -> found.isEmpty() || found.get(0).state().isEnded(), deadline(STOP_PATIENCE)));
        }
    }

    void close() {
        worker.shutdownNow();
    }

    /**
     * @param attemptDone whether an execution that counts exactly {@code attempt} attempts shows the
     *                    event; one with more attempts is past it, one with fewer (not started yet,
     *                    or requeued since) is not there yet
     */
    private void watch(String jobId, String task, Instant fireTime, int attempt, Predicate<Execution> attemptDone) {
        boolean isTask = jobId == null || jobId.isEmpty();
        ExecutionQuery query = (isTask ? ExecutionQuery.builder().task(task) : ExecutionQuery.builder().job(jobId))
                .limit(LOOK_BACK).build();
        Supplier<List<Execution>> read = () -> scheduler.executions(query).executions().stream()
                .filter(e -> e.scheduledTime().equals(fireTime) && e.isTask() == isTask)
                .toList();
        submit(new Lookup(read, found -> found.stream().anyMatch(e -> e.attempts() > attempt
                || (e.attempts() == attempt && attemptDone.test(e))), deadline(PATIENCE)));
    }

    private void submit(Lookup lookup) {
        if (pending.incrementAndGet() > MAX_PENDING) {
            pending.decrementAndGet();
            if (overflowed.compareAndSet(false, true)) {
                streams.broadcast("executions-stale", "{}");
            }
            return;
        }
        try {
            worker.execute(() -> resolve(lookup));
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            pending.decrementAndGet();
        }
    }

    private void resolve(Lookup lookup) {
        List<Execution> found = List.of();
        boolean done;
        try {
            @SuppressWarnings("unchecked")
            List<Execution> read = (List<Execution>) storeTurn.apply(() -> lookup.read().get());
            found = read;
            done = lookup.done().test(found);
        } catch (RuntimeException e) {
            // The store is busy or away: try again until the deadline, as for a write not seen yet.
            LOG.debug("console: an execution look-up failed, trying again: {}", e.getMessage());
            done = false;
        }
        if (!done && System.nanoTime() - lookup.deadlineNanos() < 0) {
            try {
                worker.schedule(() -> resolve(lookup), RETRY_MILLIS, TimeUnit.MILLISECONDS);
                return;
            } catch (java.util.concurrent.RejectedExecutionException closing) {
                // closing: fall through and stop
            }
        }
        found.forEach(this::send);
        if (pending.decrementAndGet() == 0) {
            overflowed.set(false);
        }
    }

    private void send(Execution execution) {
        streams.broadcast("execution", views.view(execution).toString());
    }

    private static long deadline(Duration patience) {
        return System.nanoTime() + patience.toNanos();
    }
}
