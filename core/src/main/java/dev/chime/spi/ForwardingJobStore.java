package dev.chime.spi;

import dev.chime.ExecutionQuery;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * A store that hands every call to another: extend it to wrap a store (to count calls, inject
 * faults, guard reads) by overriding only the calls you change. Every method of {@link JobStore}
 * is forwarded, so a wrapper never falls back to a slower or weaker protocol by forgetting one.
 * Thread-safe when the delegate is.
 */
public abstract class ForwardingJobStore implements JobStore {

    protected final JobStore delegate;

    protected ForwardingJobStore(JobStore delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    @Override
    public boolean add(StoredJob job) {
        return delegate.add(job);
    }

    @Override
    public void put(StoredJob job) {
        delegate.put(job);
    }

    @Override
    public boolean remove(String jobId) {
        return delegate.remove(jobId);
    }

    @Override
    public Optional<StoredJob> get(String jobId) {
        return delegate.get(jobId);
    }

    @Override
    public List<StoredJob> list() {
        return delegate.list();
    }

    @Override
    public boolean update(StoredJob job) {
        return delegate.update(job);
    }

    @Override
    public JobCounts counts() {
        return delegate.counts();
    }

    @Override
    public List<Claim> claim(Instant now, int limit, Set<String> tasks) {
        return delegate.claim(now, limit, tasks);
    }

    @Override
    public List<ClaimResult> endClaims(List<ClaimEnd> ends) {
        return delegate.endClaims(ends);
    }

    @Override
    public CompletionStage<List<RunEndResult>> endRuns(List<RunEnd> ends) {
        return delegate.endRuns(ends);
    }

    @Override
    public boolean holdsRun(RunTicket ticket) {
        return delegate.holdsRun(ticket);
    }

    @Override
    public Optional<Instant> nextDueTime(Set<String> tasks) {
        return delegate.nextDueTime(tasks);
    }

    @Override
    public void enqueue(List<StoredExecution> executions) {
        delegate.enqueue(executions);
    }

    @Override
    public Optional<StoredExecution> execution(String id) {
        return delegate.execution(id);
    }

    @Override
    public List<StoredExecution> executions(ExecutionQuery query) {
        return delegate.executions(query);
    }

    @Override
    public CancelOutcome cancel(String executionId, Instant now) {
        return delegate.cancel(executionId, now);
    }

    @Override
    public Set<String> stopsRequested(Collection<String> executionIds) {
        return delegate.stopsRequested(executionIds);
    }

    @Override
    public boolean requeue(String executionId, Instant dueAt) {
        return delegate.requeue(executionId, dueAt);
    }

    @Override
    public int purgeExecutions(Instant endedBefore, int keepPerJob, int limit) {
        return delegate.purgeExecutions(endedBefore, keepPerJob, limit);
    }

    @Override
    public boolean sharedWithOtherNodes() {
        return delegate.sharedWithOtherNodes();
    }

    @Override
    public Clock clusterClock(Clock local) {
        return delegate.clusterClock(local);
    }

    @Override
    public void close() {
        delegate.close();
    }
}
