package dev.chime.internal;

import dev.chime.DuplicateJobException;
import dev.chime.JobDefinition;
import dev.chime.JobEvent;
import dev.chime.JobInfo;
import dev.chime.JobNotFoundException;
import dev.chime.Scheduler;
import dev.chime.SchedulerEvent;
import dev.chime.SchedulerListener;
import dev.chime.SchedulerStats;
import dev.chime.Trigger;
import dev.chime.TriggerContext;
import dev.chime.spi.JobCounts;
import dev.chime.spi.JobFactory;
import dev.chime.spi.JobStore;
import dev.chime.spi.StoredJob;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@link Scheduler}: the API's operations and lifecycle over the engine's parts. */
public final class DefaultScheduler implements Scheduler, ClockDriven {

    private static final Logger LOG = LoggerFactory.getLogger(DefaultScheduler.class);
    private static final long SETTLE_LIMIT_SECONDS = 30;

    /** Everything the builder resolved. */
    public record Parts(String name, Clock clock, JobStore store, boolean ownsStore, TriggerRegistry triggers,
                        JobFactory jobFactory, ExecutorService executor, boolean ownsExecutor,
                        List<SchedulerListener> listeners, Duration pollInterval, boolean driveByClock,
                        int maxInFlight) {
    }

    private final Parts parts;
    private final Clock clock;
    private final JobStore store;
    private final JobCodec codec;
    private final ListenerBus bus = new ListenerBus();
    private final RunTracker tracker = new RunTracker();
    private final FiringDispatcher dispatcher;
    private final DispatchLoop loop;
    private final AtomicReference<State> state = new AtomicReference<>(State.CREATED);

    public DefaultScheduler(Parts parts) {
        this.parts = parts;
        this.store = parts.store();
        // A test clock drives the scheduler and is the only time there is; otherwise the store may
        // know better (a cluster judges time by its database's clock).
        this.clock = parts.driveByClock() ? parts.clock() : store.clusterClock(parts.clock());
        this.codec = new JobCodec(parts.triggers());
        this.loop = parts.driveByClock() ? null
                : new DispatchLoop(clock, this::pass, this::nextWakeUp, parts.pollInterval());
        EngineContext ctx = new EngineContext(clock, store, codec, bus, tracker, parts.jobFactory(), parts.executor(), this::wake,
                // A test clock's pass must fire everything due; a real one keeps a burst bounded.
                parts.driveByClock() ? Integer.MAX_VALUE : parts.maxInFlight());
        ScheduleKeeper keeper = new ScheduleKeeper(ctx);
        this.dispatcher = new FiringDispatcher(ctx, new AttemptRunner(ctx, keeper), keeper);
        parts.listeners().forEach(this::addListener);
    }

    // --- lifecycle ---------------------------------------------------------------------------

    @Override
    public void start() {
        if (!state.compareAndSet(State.CREATED, State.RUNNING)) {
            throw new IllegalStateException("scheduler '" + parts.name() + "' was already started (state " + state.get() + ")");
        }
        LOG.info("scheduler '{}' started with store {} and trigger types [{}]", parts.name(),
                store.getClass().getName(), parts.triggers().knownTypes());
        bus.publish(new SchedulerEvent.Started(clock.instant()));
        if (loop != null) {
            loop.start("chime-dispatcher-" + parts.name());
        }
    }

    @Override
    public void pause() {
        if (state.compareAndSet(State.RUNNING, State.PAUSED)) {
            bus.publish(new SchedulerEvent.Paused(clock.instant()));
        }
    }

    @Override
    public void resume() {
        if (state.compareAndSet(State.PAUSED, State.RUNNING)) {
            bus.publish(new SchedulerEvent.Resumed(clock.instant()));
            wake();
        }
    }

    @Override
    public void shutdown(Duration gracePeriod) {
        State previous = state.getAndSet(State.SHUT_DOWN);
        if (previous == State.SHUT_DOWN) {
            return;
        }
        try {
            if (loop != null) {
                loop.stop();
            }
            dispatcher.stopRetries();
            if (parts.ownsExecutor()) {
                parts.executor().shutdown();
            }
            if (!tracker.awaitIdle(gracePeriod.toMillis(), TimeUnit.MILLISECONDS)) {
                List<Attempt> left = tracker.snapshot();
                LOG.warn("scheduler '{}': {} job(s) still running after the {} grace period; cancelling them", parts.name(),
                        left.size(), gracePeriod);
                left.forEach(Attempt::cancel);
                tracker.awaitIdle(5, TimeUnit.SECONDS);
            }
            if (parts.ownsExecutor()) {
                parts.executor().shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (parts.ownsStore()) {
                store.close();
            }
            bus.publish(new SchedulerEvent.Shutdown(clock.instant()));
            LOG.info("scheduler '{}' shut down", parts.name());
        }
    }

    @Override
    public void close() {
        shutdown(Duration.ofSeconds(30));
    }

    @Override
    public State state() {
        return state.get();
    }

    // --- jobs ----------------------------------------------------------------------------------

    @Override
    public JobInfo add(JobDefinition job) {
        return save(job, false);
    }

    @Override
    public JobInfo addOrReplace(JobDefinition job) {
        return save(job, true);
    }

    /** Anchors the trigger, computes the first fire time, and stores the job. */
    private JobInfo save(JobDefinition job, boolean replace) {
        requireNotShutDown();
        Instant now = clock.instant();
        Trigger trigger = job.trigger().anchoredAt(now);
        JobDefinition anchored = trigger == job.trigger() ? job : job.toBuilder().trigger(trigger).build();
        StoredJob stored = codec.encode(anchored, firstFireTime(trigger, now));
        boolean existed;
        if (replace) {
            existed = store.get(job.id()).isPresent();
            store.put(stored);
        } else if (store.add(stored)) {
            existed = false;
        } else {
            throw new DuplicateJobException(job.id());
        }
        bus.publish(existed ? new JobEvent.Modified(job.id(), now) : new JobEvent.Added(job.id(), now));
        wake();
        return info(stored, anchored);
    }

    @Override
    public boolean remove(String jobId) {
        boolean removed = store.remove(jobId);
        if (removed) {
            bus.publish(new JobEvent.Removed(jobId, clock.instant()));
        }
        return removed;
    }

    @Override
    public JobInfo pauseJob(String jobId) {
        return modify(jobId, job -> job.withPaused(true, null));
    }

    @Override
    public JobInfo resumeJob(String jobId) {
        Instant now = clock.instant();
        return modify(jobId, job -> {
            if (!job.paused()) {
                return job;
            }
            Trigger trigger = codec.decode(job).trigger();
            return job.withPaused(false, firstFireTime(trigger, now));
        });
    }

    @Override
    public JobInfo reschedule(String jobId, Trigger trigger) {
        Instant now = clock.instant();
        Trigger anchored = trigger.anchoredAt(now);
        return modify(jobId, job -> job.withTrigger(anchored.spec(), job.paused() ? null : firstFireTime(anchored, now)));
    }

    @Override
    public void runNow(String jobId) {
        requireNotShutDown();
        StoredJob job = store.get(jobId).orElseThrow(() -> new JobNotFoundException(jobId));
        dispatcher.runNow(codec.decode(job));
    }

    @Override
    public Optional<JobInfo> job(String jobId) {
        return store.get(jobId).map(stored -> info(stored, codec.decode(stored)));
    }

    @Override
    public List<JobInfo> jobs() {
        List<JobInfo> result = new ArrayList<>();
        for (StoredJob stored : store.list()) {
            try {
                result.add(info(stored, codec.decode(stored)));
            } catch (RuntimeException e) {
                LOG.error("job '{}' cannot be read and is left out of the list: {}", stored.id(), e.getMessage());
            }
        }
        return result;
    }

    @Override
    public Trigger parseTrigger(String spec) {
        return parts.triggers().parse(spec);
    }

    @Override
    public void addListener(SchedulerListener listener) {
        try {
            listener.onRegistered(this);
        } catch (RuntimeException e) {
            LOG.warn("listener {} failed in onRegistered; it still hears events", listener, e);
        }
        bus.add(listener);
    }

    @Override
    public SchedulerStats stats() {
        JobCounts counts = store.counts();
        return new SchedulerStats(counts.total(), counts.paused(), tracker.runningAttempts());
    }

    @Override
    public void removeListener(SchedulerListener listener) {
        bus.remove(listener);
    }

    /** Applies a change with the store's optimistic version check, retrying when another writer won. */
    private JobInfo modify(String jobId, UnaryOperator<StoredJob> change) {
        while (true) {
            StoredJob current = store.get(jobId).orElseThrow(() -> new JobNotFoundException(jobId));
            StoredJob changed = change.apply(current);
            if (changed == current) {
                return info(current, codec.decode(current));
            }
            // A change to the schedule drops an open claim: its release will then fail the version check.
            StoredJob unclaimed = changed.withClaim(null);
            if (store.update(unclaimed)) {
                bus.publish(new JobEvent.Modified(jobId, clock.instant()));
                wake();
                StoredJob saved = unclaimed.withVersion(unclaimed.version() + 1);
                return info(saved, codec.decode(saved));
            }
        }
    }

    private static Instant firstFireTime(Trigger trigger, Instant now) {
        return trigger.nextFireTime(TriggerContext.first(now)).orElse(null);
    }

    private static JobInfo info(StoredJob stored, JobDefinition definition) {
        return new JobInfo(definition, stored.paused(), Optional.ofNullable(stored.nextFireTime()),
                Optional.ofNullable(stored.lastRun()));
    }

    private void requireNotShutDown() {
        if (state.get() == State.SHUT_DOWN) {
            throw new IllegalStateException("scheduler '" + parts.name() + "' is shut down");
        }
    }

    private void wake() {
        if (loop != null) {
            loop.wake();
        }
    }

    // --- the engine's pass, for the dispatch loop and the test clock -----------------------------

    @Override
    public Optional<Instant> nextWakeUp() {
        State s = state.get();
        if (s == State.CREATED || s == State.SHUT_DOWN) {
            return Optional.empty();
        }
        return dispatcher.nextWakeUp(s == State.RUNNING);
    }

    @Override
    public void runDue() {
        pass();
    }

    /** One pass; true when it stopped at the in-flight limit (a finishing attempt will wake the loop). */
    private boolean pass() {
        State s = state.get();
        if (s != State.RUNNING && s != State.PAUSED) {
            return false;
        }
        boolean atLimit = dispatcher.runDue(s == State.RUNNING);
        if (atLimit) {
            tracker.onCapacity(this::wake);
        }
        return atLimit;
    }

    @Override
    public void awaitSettled() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SETTLE_LIMIT_SECONDS);
        int parkedChecks = 0;
        while (parkedChecks < 2) {
            if (tracker.isIdle()) {
                return;
            }
            parkedChecks = tracker.allParked() ? parkedChecks + 1 : 0;
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("jobs still running after " + SETTLE_LIMIT_SECONDS
                        + "s of real time; a job that never blocks nor ends cannot be driven by TestClock");
            }
            try {
                tracker.awaitIdle(1, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
