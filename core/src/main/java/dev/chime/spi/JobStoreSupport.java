package dev.chime.spi;

import dev.chime.ExecutionQuery;
import dev.chime.ExecutionState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The whole {@link JobStore} protocol for a store used by one process, over a handful of storage
 * primitives: claims and their fences, max instances, fencing tokens, runs and their ends, the
 * history, cancellation and retention are all here, under one lock, so that a subclass only keeps
 * records and cannot get the protocol wrong. {@code MemoryJobStore} is one; a store that keeps its
 * records elsewhere implements the same primitives. Every primitive is called with the lock held,
 * so primitives need no synchronization of their own.
 *
 * <p>What lives in this class's memory, not in the primitives: which executions are claimed, which
 * runs are in flight (and the job claims they keep), how many instances of each job run, and the
 * fencing-token counter. That is right for a store whose records do not outlive the process (or
 * are used by one process at a time and start empty of runs); a store shared by several nodes
 * implements {@link JobStore} itself. Thread-safe.
 */
public abstract class JobStoreSupport implements JobStore, ClusterView {

    /** Earliest due first, then by id: the order {@link #waitingByDueTime()} answers in. */
    public static final Comparator<StoredExecution> BY_DUE_TIME =
            Comparator.comparing(StoredExecution::dueAt).thenComparing(StoredExecution::id);

    /** Newest first by creation time, then by id descending: the order of the history. */
    public static final Comparator<StoredExecution> NEWEST_FIRST =
            Comparator.comparing(StoredExecution::createdAt).thenComparing(StoredExecution::id).reversed();

    /** One run in flight: its ticket, and the version of the job claim it keeps (-1 for none). */
    private record Run(RunTicket ticket, long keptJobVersion, Instant startedAt) {
    }

    /** Held by every public method; subclasses hold it too when they read their records directly. */
    protected final ReentrantLock lock = new ReentrantLock();
    private final Map<String, Run> runs = new HashMap<>();
    private final Map<String, Integer> runningByJob = new HashMap<>();
    private final Set<String> claimedExecutions = new HashSet<>();
    private long fencingTokens;

    // --- the primitives ------------------------------------------------------------------------

    /** The job with this id, or null. */
    protected abstract StoredJob readJob(String id);

    /** Stores a job, inserting it or replacing the record with its id (version and claim as given). */
    protected abstract void writeJob(StoredJob job);

    /** Deletes a job; answers what was there, or null. */
    protected abstract StoredJob deleteJob(String id);

    /** Every job, in any order. */
    protected abstract Collection<StoredJob> allJobs();

    /**
     * The schedulable jobs (not paused, not claimed, with a next fire time), earliest next fire
     * time first, then by id. The caller does not change records while it iterates.
     */
    protected abstract Iterator<StoredJob> jobsByNextFireTime();

    /** How many jobs there are, and how many paused. */
    protected abstract JobCounts jobCounts();

    /** The execution with this id, or null. */
    protected abstract StoredExecution readExecution(String id);

    /** Stores an execution, inserting it or replacing the record with its id. */
    protected abstract void writeExecution(StoredExecution execution);

    protected abstract void deleteExecution(String id);

    /**
     * The executions waiting ({@link StoredExecution#isWaiting()}), in {@link #BY_DUE_TIME} order.
     * The caller does not change records while it iterates.
     */
    protected abstract Iterator<StoredExecution> waitingByDueTime();

    /**
     * Every execution in {@link #NEWEST_FIRST} order, starting after {@code after} (null: from the
     * newest). The caller does not change records while it iterates.
     */
    protected abstract Iterator<StoredExecution> newestFirst(ExecutionQuery.Position after);

    /**
     * Recoveries to hand out first at the next {@link #claim}: the running executions of nodes that
     * died. A store for one process has none (the default); a test of the engine may hand some out.
     * Each must be RUNNING in this store's records; ending its claim is fenced by its version.
     */
    protected List<Claim.Recovery> recoveries(int limit) {
        return List.of();
    }

    /** The name this store gives its node in executions and {@link #nodes()}. */
    protected String nodeId() {
        return "local";
    }

    // --- jobs ----------------------------------------------------------------------------------

    @Override
    public boolean add(StoredJob job) {
        lock.lock();
        try {
            if (readJob(job.id()) != null) {
                return false;
            }
            writeJob(job.withVersion(0));
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void put(StoredJob job) {
        lock.lock();
        try {
            StoredJob old = readJob(job.id());
            writeJob(job.withClaim(null).withVersion(old == null ? 0 : old.version() + 1));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean remove(String jobId) {
        lock.lock();
        try {
            return deleteJob(jobId) != null;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Optional<StoredJob> get(String jobId) {
        lock.lock();
        try {
            return Optional.ofNullable(readJob(jobId));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<StoredJob> list() {
        List<StoredJob> all;
        lock.lock();
        try {
            all = new ArrayList<>(allJobs());
        } finally {
            lock.unlock();
        }
        all.sort(Comparator.comparing(StoredJob::id));
        return all;
    }

    @Override
    public boolean update(StoredJob job) {
        lock.lock();
        try {
            StoredJob old = readJob(job.id());
            if (old == null || old.version() != job.version()) {
                return false;
            }
            writeJob(job.withVersion(old.version() + 1));
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public JobCounts counts() {
        lock.lock();
        try {
            return jobCounts();
        } finally {
            lock.unlock();
        }
    }

    // --- claims --------------------------------------------------------------------------------

    @Override
    public List<Claim> claim(Instant now, int limit, Set<String> tasks) {
        lock.lock();
        try {
            // Collected first, written after: the primitives' iterators must not see their records change.
            List<StoredJob> jobs = new ArrayList<>();
            for (Iterator<StoredJob> it = jobsByNextFireTime(); jobs.size() < limit && it.hasNext(); ) {
                StoredJob due = it.next();
                if (due.nextFireTime().isAfter(now)) {
                    break;
                }
                if (tasks == null || tasks.contains(due.task())) {
                    jobs.add(due);
                }
            }
            List<StoredExecution> executions = new ArrayList<>();
            for (Iterator<StoredExecution> it = waitingByDueTime(); executions.size() < limit && it.hasNext(); ) {
                StoredExecution due = it.next();
                if (due.dueAt().isAfter(now)) {
                    break;
                }
                if (!claimedExecutions.contains(due.id()) && (tasks == null || tasks.contains(due.task()))) {
                    executions.add(due);
                }
            }
            List<Claim> claimed = new ArrayList<>(recoveries(limit));
            int j = 0;
            int e = 0;
            while (claimed.size() < limit && (j < jobs.size() || e < executions.size())) {
                boolean takeJob = e >= executions.size()
                        || (j < jobs.size() && !jobs.get(j).nextFireTime().isAfter(executions.get(e).dueAt()));
                if (takeJob) {
                    StoredJob due = jobs.get(j++);
                    StoredJob claim = due.withClaim(due.nextFireTime()).withNextFireTime(null).withVersion(due.version() + 1);
                    writeJob(claim);
                    claimed.add(new Claim.FireTime(claim, due.nextFireTime()));
                } else {
                    StoredExecution due = executions.get(e++);
                    StoredExecution claim = due.withVersion(due.version() + 1);
                    writeExecution(claim);
                    claimedExecutions.add(claim.id());
                    claimed.add(new Claim.Due(claim, claim.jobId() == null ? null : readJob(claim.jobId())));
                }
            }
            return claimed;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<ClaimResult> endClaims(List<ClaimEnd> ends) {
        List<ClaimResult> results = new ArrayList<>(ends.size());
        lock.lock();
        try {
            for (ClaimEnd end : ends) {
                results.add(endClaim(end));
            }
        } finally {
            lock.unlock();
        }
        return results;
    }

    private ClaimResult endClaim(ClaimEnd end) {
        Claim claim = end.claim();
        StoredExecution execution = null;
        if (claim instanceof Claim.Due due) {
            execution = readExecution(due.execution().id());
            if (execution == null || execution.version() != claim.version() || !execution.isWaiting()
                    || !claimedExecutions.contains(execution.id())) {
                claimedExecutions.remove(due.execution().id());
                return ClaimResult.LOST;
            }
        } else if (claim instanceof Claim.Recovery recovery) {
            execution = readExecution(recovery.execution().id());
            if (execution == null || execution.version() != claim.version() || execution.state() != ExecutionState.RUNNING) {
                return ClaimResult.LOST;
            }
        }
        StoredJob job = claim.jobId() == null ? null : readJob(claim.jobId());
        boolean jobClaimHeld = claim.holdsJobClaim() && job != null && job.version() == claim.heldJob().version()
                && job.claimedFireTime() != null;
        if (claim instanceof Claim.FireTime && !jobClaimHeld) {
            return ClaimResult.LOST;
        }
        if (claim instanceof Claim.Due && claim.holdsJobClaim() && !jobClaimHeld) {
            // The job changed since (reschedule, replace): the execution no longer holds its claim.
            // Unclaimed, it is handed out again without it.
            claimedExecutions.remove(execution.id());
            return ClaimResult.LOST;
        }
        RunTicket ticket = null;
        RunStart start = end.start();
        if (start != null) {
            // A recovery takes over the instance its dead node held: never refused.
            if (claim.jobId() != null && !(claim instanceof Claim.Recovery)
                    && runningByJob.getOrDefault(claim.jobId(), 0) >= start.maxInstances()) {
                return ClaimResult.AT_MAX_INSTANCES;
            }
            long kept = jobClaimHeld && end.schedule().kind() == ScheduleChange.Kind.KEEP_WITH_EXECUTION ? job.version() : -1;
            ticket = startRun(claim, execution, start, kept);
        }
        if (execution != null) {
            claimedExecutions.remove(execution.id());
            if (end.waitUntil() != null) {
                ExecutionState waitingState = execution.state() == ExecutionState.RUNNING ? ExecutionState.SCHEDULED
                        : execution.state();
                writeExecution(execution.withState(waitingState, end.waitUntil()).withVersion(execution.version() + 1));
            } else if (end.failure() != null) {
                writeExecution(ended(execution, ExecutionState.FAILED, end.decidedAt(), end.failure(), null, null));
            }
        }
        if (end.schedule() != null && jobClaimHeld) {
            job = changeSchedule(job, end.schedule());
        }
        if (end.lastRun() != null && job != null) {
            writeJob(job.withLastRun(end.lastRun()));
        }
        return ClaimResult.ended(ticket);
    }

    private RunTicket startRun(Claim claim, StoredExecution waiting, RunStart start, long keptJobVersion) {
        // Higher than every token handed out here, and than the execution's own last run's (a
        // recovery's run replaces one whose token came from elsewhere).
        fencingTokens = Math.max(fencingTokens, waiting == null ? 0 : waiting.fencingToken()) + 1;
        long token = fencingTokens;
        StoredExecution running;
        if (waiting == null) {
            running = new StoredExecution(start.executionId(), claim.jobId(), claim.task(), start.dataJson(), start.optionsJson(),
                    start.fireTime(), ExecutionState.RUNNING, start.attempt(), null, nodeId(), start.startedAt(),
                    start.startedAt(), null, null, null, null, token, start.recoverable(), start.queued(), false,
                    keptJobVersion >= 0, 0);
        } else {
            running = new StoredExecution(waiting.id(), waiting.jobId(), waiting.task(),
                    start.dataJson() != null ? start.dataJson() : waiting.dataJson(),
                    start.optionsJson() != null ? start.optionsJson() : waiting.optionsJson(), waiting.fireTime(),
                    ExecutionState.RUNNING, start.attempt(), null, nodeId(), waiting.createdAt(), start.startedAt(), null,
                    waiting.error(), waiting.stackTrace(), waiting.resultJson(), token, start.recoverable(), start.queued(),
                    false, keptJobVersion >= 0, waiting.version() + 1);
        }
        writeExecution(running);
        RunTicket ticket = new RunTicket(running.id(), running.jobId(), running.task(), running.fireTime(), start.attempt(), token);
        track(ticket, keptJobVersion, start.startedAt());
        return ticket;
    }

    private void track(RunTicket ticket, long keptJobVersion, Instant startedAt) {
        runs.put(ticket.executionId(), new Run(ticket, keptJobVersion, startedAt));
        if (ticket.jobId() != null) {
            runningByJob.merge(ticket.jobId(), 1, Integer::sum);
        }
    }

    private void untrack(RunTicket ticket) {
        runs.remove(ticket.executionId());
        if (ticket.jobId() != null) {
            runningByJob.computeIfPresent(ticket.jobId(), (id, n) -> n <= 1 ? null : n - 1);
        }
    }

    /** Ends a held job claim as asked; answers the job as it now is (null once removed). */
    private StoredJob changeSchedule(StoredJob job, ScheduleChange change) {
        switch (change.kind()) {
            case RELEASE -> {
                StoredJob released = job.withClaim(null).withNextFireTime(change.nextFireTime()).withVersion(job.version() + 1);
                writeJob(released);
                return released;
            }
            case REMOVE -> {
                deleteJob(job.id());
                return null;
            }
            default -> {
                return job;
            }
        }
    }

    private static StoredExecution ended(StoredExecution e, ExecutionState state, Instant at, String error, String stackTrace,
                                         String resultJson) {
        return new StoredExecution(e.id(), e.jobId(), e.task(), e.dataJson(), e.optionsJson(), e.fireTime(), state, e.attempts(),
                null, e.nodeId(), e.createdAt(), e.startedAt(), at, error != null ? error : e.error(),
                error != null ? stackTrace : e.stackTrace(), resultJson, e.fencingToken(), e.recoverable(), List.of(),
                e.stopRequested(), false, e.version() + 1);
    }

    // --- runs ----------------------------------------------------------------------------------

    /** Written at once, under the lock: a store in memory has nothing to group. */
    @Override
    public CompletionStage<List<RunEndResult>> endRuns(List<RunEnd> ends) {
        List<RunEndResult> results = new ArrayList<>(ends.size());
        lock.lock();
        try {
            for (RunEnd end : ends) {
                results.add(endRun(end));
            }
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        } finally {
            lock.unlock();
        }
        return CompletableFuture.completedFuture(results);
    }

    private RunEndResult endRun(RunEnd end) {
        RunTicket ticket = end.ticket();
        Run run = runs.get(ticket.executionId());
        StoredExecution execution = readExecution(ticket.executionId());
        if (run == null || run.ticket().fencingToken() != ticket.fencingToken() || execution == null) {
            // Written once already (the same end again), or not this run's to end.
            boolean again = execution != null && execution.state() != ExecutionState.RUNNING
                    && execution.fencingToken() == ticket.fencingToken();
            return again ? RunEndResult.RECORDED : RunEndResult.TAKEN_OVER;
        }
        untrack(ticket);
        if (end.state() == ExecutionState.WAITING_FOR_RETRY) {
            writeExecution(new StoredExecution(execution.id(), execution.jobId(), execution.task(), execution.dataJson(),
                    execution.optionsJson(), execution.fireTime(), ExecutionState.WAITING_FOR_RETRY, execution.attempts(),
                    end.retryAt(), execution.nodeId(), execution.createdAt(), execution.startedAt(), null, end.error(),
                    end.stackTrace(), execution.resultJson(), execution.fencingToken(), execution.recoverable(), List.of(),
                    false, execution.holdsJobClaim(), execution.version() + 1));
        } else {
            writeExecution(ended(execution, end.state(), end.endedAt(), end.error(), end.stackTrace(),
                    end.resultJson() != null ? end.resultJson() : execution.resultJson()));
        }
        StoredJob job = ticket.jobId() == null ? null : readJob(ticket.jobId());
        if (end.schedule() != null && job != null && job.version() == run.keptJobVersion() && job.claimedFireTime() != null) {
            job = changeSchedule(job, end.schedule());
        }
        if (end.lastRun() != null && job != null) {
            writeJob(job.withLastRun(end.lastRun()));
        }
        if (end.next() == null) {
            return RunEndResult.RECORDED;
        }
        List<Instant> rest = new ArrayList<>();
        for (Instant t : execution.queued()) {
            if (t.isAfter(end.next().fireTime())) {
                rest.add(t);
            }
        }
        long token = ++fencingTokens;
        StoredExecution next = new StoredExecution(end.next().executionId(), execution.jobId(), execution.task(),
                execution.dataJson(), execution.optionsJson(), end.next().fireTime(), ExecutionState.RUNNING, 1, null, nodeId(),
                end.endedAt(), end.endedAt(), null, null, null, null, token, execution.recoverable(), rest, false, false, 0);
        writeExecution(next);
        RunTicket nextTicket = new RunTicket(next.id(), next.jobId(), next.task(), next.fireTime(), 1, token);
        track(nextTicket, -1, end.endedAt());
        return new RunEndResult(true, nextTicket);
    }

    @Override
    public boolean holdsRun(RunTicket ticket) {
        lock.lock();
        try {
            Run run = runs.get(ticket.executionId());
            return run != null && run.ticket().fencingToken() == ticket.fencingToken();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Optional<Instant> nextDueTime(Set<String> tasks) {
        lock.lock();
        try {
            Instant earliest = null;
            for (Iterator<StoredJob> it = jobsByNextFireTime(); it.hasNext(); ) {
                StoredJob job = it.next();
                if (tasks == null || tasks.contains(job.task())) {
                    earliest = job.nextFireTime();
                    break;
                }
            }
            for (Iterator<StoredExecution> it = waitingByDueTime(); it.hasNext(); ) {
                StoredExecution e = it.next();
                if (earliest != null && !e.dueAt().isBefore(earliest)) {
                    break;
                }
                if (!claimedExecutions.contains(e.id()) && (tasks == null || tasks.contains(e.task()))) {
                    earliest = e.dueAt();
                    break;
                }
            }
            return Optional.ofNullable(earliest);
        } finally {
            lock.unlock();
        }
    }

    // --- executions ----------------------------------------------------------------------------

    @Override
    public void enqueue(List<StoredExecution> executions) {
        lock.lock();
        try {
            Set<String> ids = new HashSet<>();
            for (StoredExecution e : executions) {
                if (!e.isWaiting()) {
                    throw new IllegalArgumentException("execution '" + e.id() + "' is " + e.state()
                            + "; only SCHEDULED or WAITING_FOR_RETRY executions are enqueued");
                }
                if (!ids.add(e.id()) || readExecution(e.id()) != null) {
                    throw new IllegalArgumentException("execution id '" + e.id() + "' is taken");
                }
            }
            for (StoredExecution e : executions) {
                writeExecution(e.withVersion(0));
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Optional<StoredExecution> execution(String id) {
        lock.lock();
        try {
            return Optional.ofNullable(readExecution(id));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<StoredExecution> executions(ExecutionQuery query) {
        List<StoredExecution> page = new ArrayList<>();
        lock.lock();
        try {
            for (Iterator<StoredExecution> it = newestFirst(query.after()); page.size() < query.limit() && it.hasNext(); ) {
                StoredExecution e = it.next();
                if (query.matches(e.jobId(), e.task(), e.state(), e.createdAt())) {
                    page.add(e);
                }
            }
        } finally {
            lock.unlock();
        }
        return page;
    }

    @Override
    public CancelOutcome cancel(String executionId, Instant now) {
        lock.lock();
        try {
            StoredExecution e = readExecution(executionId);
            if (e == null) {
                return CancelOutcome.NOT_FOUND;
            }
            if (e.state().isEnded()) {
                return CancelOutcome.ALREADY_ENDED;
            }
            if (e.isWaiting()) {
                claimedExecutions.remove(e.id());
                writeExecution(ended(e, ExecutionState.CANCELLED, now, null, null, e.resultJson()));
                return CancelOutcome.CANCELLED;
            }
            writeExecution(new StoredExecution(e.id(), e.jobId(), e.task(), e.dataJson(), e.optionsJson(), e.fireTime(), e.state(),
                    e.attempts(), e.dueAt(), e.nodeId(), e.createdAt(), e.startedAt(), e.endedAt(), e.error(), e.stackTrace(),
                    e.resultJson(), e.fencingToken(), e.recoverable(), e.queued(), true, e.holdsJobClaim(), e.version() + 1));
            return CancelOutcome.STOP_REQUESTED;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Set<String> stopsRequested(Collection<String> executionIds) {
        Set<String> stops = new HashSet<>();
        lock.lock();
        try {
            for (String id : executionIds) {
                StoredExecution e = readExecution(id);
                if (e != null && e.stopRequested() && e.state() == ExecutionState.RUNNING) {
                    stops.add(id);
                }
            }
        } finally {
            lock.unlock();
        }
        return stops;
    }

    @Override
    public boolean requeue(String executionId, Instant dueAt) {
        lock.lock();
        try {
            StoredExecution e = readExecution(executionId);
            if (e == null || (e.state() != ExecutionState.FAILED && e.state() != ExecutionState.CANCELLED)) {
                return false;
            }
            writeExecution(new StoredExecution(e.id(), e.jobId(), e.task(), e.dataJson(), e.optionsJson(), e.fireTime(),
                    ExecutionState.SCHEDULED, 0, dueAt, e.nodeId(), e.createdAt(), e.startedAt(), null, e.error(), e.stackTrace(),
                    e.resultJson(), e.fencingToken(), e.recoverable(), List.of(), false, false, e.version() + 1));
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int purgeExecutions(Instant endedBefore, int keepPerJob, int limit) {
        lock.lock();
        try {
            Map<String, Integer> endedPerOwner = new HashMap<>();
            List<String> doomed = new ArrayList<>();
            for (Iterator<StoredExecution> it = newestFirst(null); doomed.size() < limit && it.hasNext(); ) {
                StoredExecution e = it.next();
                if (!e.state().isEnded()) {
                    continue;
                }
                String owner = e.jobId() != null ? "job:" + e.jobId() : "task:" + e.task();
                int newer = endedPerOwner.merge(owner, 1, Integer::sum) - 1;
                if (newer >= keepPerJob || e.endedAt().isBefore(endedBefore)) {
                    doomed.add(e.id());
                }
            }
            doomed.forEach(this::deleteExecution);
            return doomed.size();
        } finally {
            lock.unlock();
        }
    }

    // --- the store -----------------------------------------------------------------------------

    /** One node, this process, with the runs in flight. */
    @Override
    public List<NodeStatus> nodes() {
        List<NodeStatus.Run> running = new ArrayList<>();
        lock.lock();
        try {
            for (Run run : runs.values()) {
                RunTicket t = run.ticket();
                running.add(new NodeStatus.Run(t.jobId() == null ? "" : t.jobId(), t.fireTime(), run.startedAt()));
            }
        } finally {
            lock.unlock();
        }
        return List.of(new NodeStatus(nodeId(), true, Duration.ZERO, running));
    }

    @Override
    public boolean sharedWithOtherNodes() {
        return false;
    }

    @Override
    public Clock clusterClock(Clock local) {
        return local;
    }

    @Override
    public void close() {
    }
}
