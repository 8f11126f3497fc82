package dev.chime.internal;

import dev.chime.DeclarationReport;
import dev.chime.Declarations;
import dev.chime.DuplicateJobException;
import dev.chime.HistoryPage;
import dev.chime.HistoryQuery;
import dev.chime.Execution;
import dev.chime.JobDefinition;
import dev.chime.JobOptions;
import dev.chime.Outcome;
import dev.chime.RunRecord;
import dev.chime.TaskRequest;
import dev.chime.Triggers;
import dev.chime.spi.ClusterView;
import dev.chime.spi.NodeStatus;
import dev.chime.spi.RunEnd;
import dev.chime.JobEvent;
import dev.chime.JobInfo;
import dev.chime.JobNotFoundException;
import dev.chime.Scheduler;
import dev.chime.SchedulerEvent;
import dev.chime.SchedulerListener;
import dev.chime.SchedulerStats;
import dev.chime.Trigger;
import dev.chime.TriggerContext;
import dev.chime.internal.trigger.CommonParamsTrigger;
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
    /** How often the run history is trimmed to its retention. */
    static final Duration HISTORY_ROUND = Duration.ofMinutes(1);
    /** How long {@link #execution} waits for a run on this node to get from one of its steps to the next. */
    static final Duration STEP_WAIT = Duration.ofSeconds(1);
    /** How often the store's cancel requests are read ({@link JobStore#cancelRequests}). */
    static final Duration CANCEL_POLL = Duration.ofSeconds(1);
    /** How long {@link #shutdown} waits, after its grace, for cancelled jobs to unwind. */
    static final Duration CANCEL_WAIT = Duration.ofSeconds(1);

    /**
     * The claim-ahead window: the user's; none with a test clock; a fixed one on a store shared with
     * other nodes; otherwise one that follows slow claims.
     */
    static ClaimWindow claimWindow(Parts parts) {
        if (parts.claimAhead() != null) {
            return ClaimWindow.fixed(parts.claimAhead());
        }
        if (parts.driveByClock()) {
            return ClaimWindow.fixed(Duration.ZERO);
        }
        // Nodes of one cluster claim the same instants: a window that followed each node's own
        // claims would differ between nodes, and the widest node would claim every instant first
        // and leave the others nothing to run. One window for all takes that systematic lead away;
        // what still spreads an instant over the nodes is that each claims only for its free
        // workers (ClaimBudget), so a node that happens to wake first cannot take more.
        return parts.store().sharedWithOtherNodes() ? ClaimWindow.fixed(SHARED_CLAIM_AHEAD)
                : ClaimWindow.followingClaims(Duration.ofMillis(DEFAULT_CLAIM_AHEAD_MILLIS));
    }

    /** The least default claim-ahead window, and all of it with a store that claims in microseconds. */
    private static final long DEFAULT_CLAIM_AHEAD_MILLIS = 5;

    /**
     * The default window on a store shared by a cluster: longer than a claim's round trip at the
     * instant every node claims (5-50 ms measured on PostgreSQL with three nodes on two cores).
     */
    static final Duration SHARED_CLAIM_AHEAD = Duration.ofMillis(50);

    /**
     * Everything the builder resolved; {@code claimAhead} is null for the default.
     */
    public record Parts(String name, Clock clock, JobStore store, boolean ownsStore, TriggerRegistry triggers,
                        JobFactory jobFactory, ExecutorService executor, boolean ownsExecutor,
                        List<SchedulerListener> listeners, Duration pollInterval, boolean driveByClock,
                        int maxInFlight, Duration claimAhead, Duration historyMaxAge, int historyMaxPerJob) {
    }

    private final Parts parts;
    private final Clock clock;
    private final Ticker ticker;
    private final JobStore store;
    private final JobCodec codec;
    private final ListenerBus bus = new ListenerBus();
    private final RunTracker tracker = new RunTracker();
    private final FiringDispatcher dispatcher;
    private final AttemptRunner runner;
    private final EngineContext ctx;
    /** When the store's cancel requests are read next (about once a second, in a pass). */
    private volatile Instant nextCancelPoll = Instant.MIN;
    private final DispatchLoop loop;
    private final HistoryJanitor janitor;
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
        // Durations on a monotonic source; a scheduler its clock drives measures them on that clock.
        this.ticker = parts.driveByClock() ? Ticker.derivedFrom(clock) : Ticker.system();
        int workers = workers(parts.executor());
        // A test clock's pass must fire everything due; a real one claims what it can start soon.
        int maxInFlight = parts.driveByClock() ? Integer.MAX_VALUE : parts.maxInFlight();
        ClaimBudget budget = parts.driveByClock() ? ClaimBudget.unpaced(workers)
                : new ClaimBudget(workers, maxInFlight, ClaimBudget.START_WINDOW);
        this.ctx = new EngineContext(clock, ticker, store, codec, bus, tracker, parts.jobFactory(), parts.executor(),
                this::wake, maxInFlight, budget, parts.driveByClock(), parts.name());
        ScheduleKeeper keeper = new ScheduleKeeper(ctx);
        RunCompletion completion = new RunCompletion(ctx, keeper);
        Admission admission = new Admission(ctx, completion, keeper);
        this.runner = new AttemptRunner(ctx, admission, completion);
        this.dispatcher = new FiringDispatcher(ctx, admission, runner, keeper,
                claimWindow(parts), parts.driveByClock());
        this.janitor = new HistoryJanitor(store, parts.historyMaxAge(), parts.historyMaxPerJob(), HISTORY_ROUND);
        parts.listeners().forEach(this::addListener);
    }

    /**
     * The threads that run jobs, for the claim budget: a {@code ThreadPoolExecutor}'s core threads
     * (its maximum when its queue is bounded, since only then does it grow); 0 when unknown.
     */
    private static int workers(java.util.concurrent.Executor executor) {
        if (executor instanceof java.util.concurrent.ThreadPoolExecutor pool) {
            boolean unboundedQueue = pool.getQueue().remainingCapacity() == Integer.MAX_VALUE;
            return Math.max(1, unboundedQueue ? pool.getCorePoolSize() : pool.getMaximumPoolSize());
        }
        return 0;
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
            janitor.start(parts.name(), clock);
        }
    }

    @Override
    public void pause() {
        if (state.compareAndSet(State.RUNNING, State.PAUSED)) {
            dispatcher.pauseParked();
            bus.publish(new SchedulerEvent.Paused(clock.instant()));
        }
    }

    @Override
    public void resume() {
        if (state.compareAndSet(State.PAUSED, State.RUNNING)) {
            dispatcher.resumeParked();
            bus.publish(new SchedulerEvent.Resumed(clock.instant()));
            wake();
        }
    }

    /**
     * Bounded by the grace period plus {@link #CANCEL_WAIT}: every wait inside is bounded by what is
     * left of the grace (a dispatcher pass stuck in a store call is not waited for beyond it), then
     * jobs still running are cancelled and get {@code CANCEL_WAIT} to unwind. Closing a store the
     * scheduler owns comes after that and is the store's own business (store-jdbc bounds it).
     */
    @Override
    public void shutdown(Duration gracePeriod) {
        State previous = state.getAndSet(State.SHUT_DOWN);
        if (previous == State.SHUT_DOWN) {
            return;
        }
        long deadline = System.nanoTime() + saturatedNanos(gracePeriod);
        try {
            janitor.stop(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            if (loop != null) {
                loop.stop(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            }
            dispatcher.stopRetries();
            if (parts.ownsExecutor()) {
                parts.executor().shutdown();
            }
            if (!tracker.awaitIdle(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                List<Attempt> left = tracker.snapshot();
                LOG.warn("scheduler '{}': {} job(s) still running after the {} grace period; cancelling them", parts.name(),
                        left.size(), gracePeriod);
                left.forEach(Attempt::cancel);
                tracker.awaitIdle(CANCEL_WAIT.toNanos(), TimeUnit.NANOSECONDS);
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

    /** A grace period too long for a long of nanoseconds (292 years) is as good as for ever. */
    private static long saturatedNanos(Duration d) {
        if (d.isNegative()) {
            return 0;
        }
        return d.compareTo(Duration.ofDays(365L * 100)) > 0 ? Duration.ofDays(365L * 100).toNanos() : d.toNanos();
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
        StoredJob stored = codec.encode(anchored, firstFireTime(CommonParamsTrigger.forJob(trigger, job.id()), now));
        // After the trigger's own checks (a schedule that can never fire says so first), before any write.
        RegisteredTasks.requireKnown(parts.jobFactory(), job.task(), store.sharedWithOtherNodes());
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
    public DeclarationReport declare(Declarations declarations) {
        requireNotShutDown();
        return new DeclarationKeeper(this, store, codec, ticker).apply(declarations);
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
        Trigger seeded = CommonParamsTrigger.forJob(anchored, jobId);
        return modify(jobId, job -> job.withTrigger(anchored.spec(), job.paused() ? null : firstFireTime(seeded, now)));
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
    public HistoryPage history(HistoryQuery query) {
        return store.history(java.util.Objects.requireNonNull(query, "query"));
    }

    // --- background tasks -------------------------------------------------------------------------

    @Override
    public String enqueue(String task, Object data) {
        return enqueue(TaskRequest.builder(task).data(data).build());
    }

    @Override
    public String enqueue(TaskRequest request) {
        java.util.Objects.requireNonNull(request, "request");
        requireNotShutDown();
        if (request.id().isPresent()) {
            requireNoRunInProgress(request.id().get());
        }
        String id = request.id().orElseGet(() -> java.util.UUID.randomUUID().toString());
        return enqueue(id, request.task(), request.dataJson(), request.options(), request.dueAt(clock.instant()));
    }

    /**
     * A task still running takes its id too: its job left the store at dispatch, so the store's
     * add would let a second run start beside it under the same execution id.
     */
    private void requireNoRunInProgress(String id) {
        if (runner.hasRun(id) || tracker.activeInstances(id) > 0 || remoteRun(id).isPresent()) {
            throw new DuplicateJobException(id);
        }
    }

    /** Stores the task as a one-shot job marked enqueued; {@link #save} checks the task and the id. */
    private String enqueue(String id, String task, String dataJson, JobOptions options, Instant dueAt) {
        JobDefinition job = JobDefinition.builder(id).task(task).trigger(Triggers.once(dueAt)).options(options)
                .dataJson(dataJson).enqueued(true).build();
        save(job, false);
        return id;
    }

    @Override
    public Optional<Execution> execution(String id) {
        java.util.Objects.requireNonNull(id, "id");
        // The order of a task's life: the store removes its job as it hands the run out, and the
        // run's slot here is freed only after its history entry is written, so whichever step
        // happens meanwhile, one of these looks finds it. The one gap is a slot held by a run
        // between two of its steps on this node (handed out but its attempt not yet tracked, a
        // retry taken from its queue and not yet submitted): it lasts no longer than the
        // dispatcher's next few statements, and the looks are made again until it is over.
        long deadline = System.nanoTime() + STEP_WAIT.toNanos();
        while (true) {
            Optional<StoredJob> stored = store.get(id);
            if (stored.isPresent()) {
                return scheduled(stored.get());
            }
            Optional<Execution> local = localRun(id);
            if (local.isPresent()) {
                return local;
            }
            if (tracker.activeInstances(id) == 0 || runner.hasRun(id) || System.nanoTime() - deadline > 0) {
                break;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(java.util.concurrent.TimeUnit.MICROSECONDS.toNanos(100));
        }
        Optional<Execution> remote = remoteRun(id);
        if (remote.isPresent()) {
            return remote;
        }
        return newestEntry(id).map(DefaultScheduler::ended);
    }

    private Optional<Execution> scheduled(StoredJob job) {
        if (!codec.decode(job).enqueued()) {
            return Optional.empty();
        }
        Instant due = job.nextFireTime() != null ? job.nextFireTime() : clock.instant();
        return Optional.of(new Execution(job.id(), job.task(), Execution.State.SCHEDULED, due, 0, null, null, null,
                Optional.empty(), null, null));
    }

    /** A run of the task on this node: an attempt in flight or a retry waiting for its backoff. */
    private Optional<Execution> localRun(String id) {
        Optional<RetryQueue.PendingRetry> retry = runner.pendingRetry(id);
        if (retry.isPresent() && retry.get().firing().definition().enqueued()) {
            ActiveFiring firing = retry.get().firing();
            return Optional.of(new Execution(id, firing.definition().task(), Execution.State.WAITING_FOR_RETRY,
                    firing.fireTime(), retry.get().attempt() - 1, ctx.node(), null, null, Optional.empty(), null, null));
        }
        Optional<Attempt> attempt = runner.runningAttempt(id);
        if (attempt.isPresent() && attempt.get().firing().definition().enqueued()) {
            ActiveFiring firing = attempt.get().firing();
            return Optional.of(new Execution(id, firing.definition().task(), Execution.State.RUNNING, firing.fireTime(),
                    attempt.get().number(), ctx.node(), attempt.get().startedAt(), null, Optional.empty(), null, null));
        }
        // An attempt decided but not yet through its store write is still running (its end is not
        // in the history yet); its slot is freed after that write.
        for (Attempt a : tracker.attemptsInFlight()) {
            ActiveFiring firing = a.firing();
            if (firing.jobId().equals(id) && firing.definition().enqueued() && tracker.activeInstances(id) > 0) {
                return Optional.of(new Execution(id, firing.definition().task(), Execution.State.RUNNING, firing.fireTime(),
                        a.number(), ctx.node(), a.startedAt(), null, Optional.empty(), null, null));
            }
        }
        return Optional.empty();
    }

    /** A run of the task another node holds, as the store's cluster view shows it. */
    private Optional<Execution> remoteRun(String id) {
        if (!(store instanceof ClusterView view)) {
            return Optional.empty();
        }
        for (NodeStatus node : view.nodes()) {
            for (NodeStatus.Run run : node.running()) {
                if (run.jobId().equals(id)) {
                    // The run of a job that left the store: its task is known from the history of a
                    // requeued task only, so it is left to the history entry to come.
                    String task = newestEntry(id).map(RunRecord::task).orElse("");
                    return Optional.of(new Execution(id, task, Execution.State.RUNNING, run.fireTime(), 0, node.nodeId(),
                            run.startedAt(), null, Optional.empty(), null, null));
                }
            }
        }
        return Optional.empty();
    }

    private Optional<RunRecord> newestEntry(String id) {
        List<RunRecord> runs = store.history(HistoryQuery.forJob(id).limit(1)).runs();
        return runs.isEmpty() || !runs.get(0).enqueued() ? Optional.empty() : Optional.of(runs.get(0));
    }

    private static Execution ended(RunRecord run) {
        Execution.State state = switch (run.outcome()) {
            case SUCCESS -> Execution.State.SUCCEEDED;
            case CANCELLED -> Execution.State.CANCELLED;
            default -> Execution.State.FAILED;
        };
        return new Execution(run.jobId(), run.task(), state, run.fireTime(), run.attempts(), run.node(), run.startedAt(),
                run.finishedAt(), Optional.of(run.outcome()), run.error(), run.stackTrace());
    }

    @Override
    public boolean cancel(String id) {
        java.util.Objects.requireNonNull(id, "id");
        Optional<StoredJob> stored = store.get(id);
        if (stored.isPresent()) {
            StoredJob job = stored.get();
            JobDefinition definition = codec.decode(job);
            if (!definition.enqueued()) {
                return false;
            }
            if (store.remove(id)) {
                // Removed, then recorded: a crash between the two leaves the task gone without its
                // entry (never an entry for a task that still runs).
                Instant now = clock.instant();
                Instant due = job.nextFireTime() != null ? job.nextFireTime() : now;
                RunRecord entry = new RunRecord(0, id, job.task(), due, 0, ctx.node(), null, now, Duration.ZERO,
                        Outcome.CANCELLED, null, null, job.dataJson(), job.optionsJson());
                store.recordOutcome(new RunEnd(entry, false, List.of()));
                LOG.info("task '{}' ({}) cancelled before it started", id, job.task());
                bus.publish(new JobEvent.Removed(id, now));
                return true;
            }
            // Handed out meanwhile: it runs now, here or elsewhere.
        }
        if (runner.cancelLocal(id)) {
            return true;
        }
        if (runner.runsJob(id)) {
            // A job's run here (a one-shot's, gone from the store) is not an execution: asking the
            // store would mark it and answer true for nothing.
            return false;
        }
        return store.requestCancel(id);
    }

    @Override
    public String retry(String id) {
        java.util.Objects.requireNonNull(id, "id");
        requireNotShutDown();
        Execution execution = execution(id).orElseThrow(() -> new JobNotFoundException(id));
        if (execution.state() != Execution.State.FAILED && execution.state() != Execution.State.CANCELLED) {
            throw new IllegalStateException("execution '" + id + "' is " + execution.state()
                    + "; only a FAILED or CANCELLED execution can be retried");
        }
        RunRecord entry = newestEntry(id).orElseThrow(() -> new JobNotFoundException(id));
        requireNoRunInProgress(id);
        JobOptions options = JobCodec.readOptions(entry.optionsJson(), "options of task '" + id + "' in its history entry");
        return enqueue(id, entry.task(), entry.dataJson(), options, clock.instant());
    }

    /**
     * Stops the local runs the store says another node asked to cancel; read about once a second,
     * from the pass (the dispatch loop wakes at least every poll interval; a test clock's advance
     * ends with a pass).
     */
    private void pollCancelRequests() {
        Instant now = clock.instant();
        if (now.isBefore(nextCancelPoll)) {
            return;
        }
        nextCancelPoll = now.plus(CANCEL_POLL);
        java.util.Set<String> requested;
        try {
            requested = store.cancelRequests();
        } catch (RuntimeException e) {
            LOG.warn("could not read the store's cancel requests: {}", e.getMessage());
            return;
        }
        for (String id : requested) {
            if (runner.cancelLocal(id)) {
                LOG.info("job '{}': its run here is cancelled at another node's request", id);
            }
        }
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
        if (state.get() != State.SHUT_DOWN) {
            janitor.roundIfDue(clock.instant());
        }
    }

    /** One pass; true when it stopped at the in-flight limit (a finishing attempt will wake the loop). */
    private boolean pass() {
        State s = state.get();
        if (s != State.RUNNING && s != State.PAUSED) {
            return false;
        }
        pollCancelRequests();
        boolean atLimit = dispatcher.runDue(() -> state.get() == State.RUNNING);
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
            parkedChecks = tracker.allParked() && dispatcher.parkedSettled() ? parkedChecks + 1 : 0;
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
