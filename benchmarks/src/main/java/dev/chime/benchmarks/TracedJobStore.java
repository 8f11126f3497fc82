package dev.chime.benchmarks;

import dev.chime.HistoryPage;
import dev.chime.HistoryQuery;
import dev.chime.spi.Dispatch;
import dev.chime.spi.Firing;
import dev.chime.spi.JobCounts;
import dev.chime.spi.JobStore;
import dev.chime.spi.RunEnd;
import dev.chime.spi.RunRequest;
import dev.chime.spi.RunTicket;
import dev.chime.spi.StoredJob;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A store that forwards every call to the real one and notes, per firing, when each phase of the
 * clustered lateness harness's firings ended by the machine's wall clock (one clock for every node
 * JVM): the claim's answer, the start and the answer of its dispatch (the run row and the release,
 * one transaction), and how far this node's cluster clock (the database's, as the engine sees it)
 * was behind the wall clock when the dispatch began. Only for the harness: it shows where the time
 * between a fire time and its body's start goes.
 */
final class TracedJobStore implements JobStore {

    /** The phases of one firing, in wall-clock microseconds; 0 where a phase did not happen. */
    static final class Trace {
        long claimedAt;
        /** How far ahead of its fire time the claim asked (the claim-ahead window), in microseconds. */
        long claimAheadOf;
        int claimBatch;
        String claimThread = "";
        long dispatchStart;
        long dispatchEnd;
        int dispatchBatch;
        String dispatchThread = "";
        long clusterClockLag;
    }

    final Map<String, Trace> traces = new ConcurrentHashMap<>();
    private final JobStore delegate;
    private volatile Clock clusterClock;

    TracedJobStore(JobStore delegate) {
        this.delegate = delegate;
    }

    static long wallMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
    }

    static String key(String jobId, Instant fireTime) {
        return jobId + "@" + fireTime.toEpochMilli();
    }

    Trace trace(String jobId, Instant fireTime) {
        return traces.computeIfAbsent(key(jobId, fireTime), k -> new Trace());
    }

    @Override
    public List<Firing> claimDue(Instant now, int limit, Set<String> tasks) {
        List<Firing> claimed = delegate.claimDue(now, limit, tasks);
        long at = wallMicros();
        Clock clock = clusterClock;
        Instant clusterNow = clock == null ? now : clock.instant();
        for (Firing f : claimed) {
            Trace t = trace(f.jobId(), f.fireTime());
            t.claimedAt = at;
            t.claimAheadOf = Math.max(0, java.time.Duration.between(clusterNow, now).toNanos() / 1000);
            t.claimBatch = claimed.size();
            t.claimThread = Thread.currentThread().getName();
        }
        return claimed;
    }

    @Override
    public List<Dispatch.Result> dispatch(List<Dispatch> dispatches) {
        long start = wallMicros();
        Clock clock = clusterClock;
        long lag = clock == null ? 0 : start - micros(clock.instant());
        List<Dispatch.Result> results = delegate.dispatch(dispatches);
        long end = wallMicros();
        for (Dispatch d : dispatches) {
            Trace t = trace(d.firing().jobId(), d.firing().fireTime());
            t.dispatchStart = start;
            t.dispatchEnd = end;
            t.dispatchBatch = dispatches.size();
            t.dispatchThread = Thread.currentThread().getName();
            t.clusterClockLag = lag;
        }
        return results;
    }

    private static long micros(Instant i) {
        return i.getEpochSecond() * 1_000_000 + i.getNano() / 1_000;
    }

    /**
     * One line per firing: job, fire time (millis), claimed at, claimed ahead by, claim batch,
     * claiming thread (D dispatcher, W worker), dispatch start, dispatch end, dispatch batch,
     * dispatching thread, cluster clock lag (microseconds but the fire time).
     */
    List<String> traceLines() {
        List<String> lines = new java.util.ArrayList<>(traces.size());
        traces.forEach((key, t) -> {
            int at = key.lastIndexOf('@');
            lines.add(key.substring(0, at) + " " + key.substring(at + 1) + " " + t.claimedAt + " " + t.claimAheadOf + " "
                    + t.claimBatch + " " + kind(t.claimThread) + " " + t.dispatchStart + " " + t.dispatchEnd + " "
                    + t.dispatchBatch + " " + kind(t.dispatchThread) + " " + t.clusterClockLag);
        });
        return lines;
    }

    private static String kind(String thread) {
        return thread.isEmpty() ? "-" : thread.startsWith("chime-dispatcher") ? "D" : "W";
    }

    @Override
    public Clock clusterClock(Clock local) {
        Clock clock = delegate.clusterClock(local);
        clusterClock = clock;
        return clock;
    }

    // ---- forwarded unchanged ----

    @Override
    public List<Firing> claimDue(Instant now, int limit) {
        return claimDue(now, limit, null);
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
    public boolean release(Firing firing, Instant nextFireTime) {
        return delegate.release(firing, nextFireTime);
    }

    @Override
    public boolean removeClaimed(Firing firing) {
        return delegate.removeClaimed(firing);
    }

    @Override
    public HistoryPage history(HistoryQuery query) {
        return delegate.history(query);
    }

    @Override
    public int pruneHistory(Instant finishedBefore, int keepPerJob, int limit) {
        return delegate.pruneHistory(finishedBefore, keepPerJob, limit);
    }

    @Override
    public void recordOutcome(RunEnd end) {
        delegate.recordOutcome(end);
    }

    @Override
    public RunTicket beginRun(RunRequest request) {
        return delegate.beginRun(request);
    }

    @Override
    public boolean completeRun(RunTicket ticket, RunEnd end) {
        return delegate.completeRun(ticket, end);
    }

    @Override
    public boolean holdsRun(RunTicket ticket) {
        return delegate.holdsRun(ticket);
    }

    @Override
    public boolean requestCancel(String jobId) {
        return delegate.requestCancel(jobId);
    }

    @Override
    public Set<String> cancelRequests() {
        return delegate.cancelRequests();
    }

    @Override
    public boolean deferRun(RunTicket ticket, int attemptsMade, Instant retryAt) {
        return delegate.deferRun(ticket, attemptsMade, retryAt);
    }

    @Override
    public RunTicket advanceRun(RunTicket ticket, Instant fireTime, RunEnd end) {
        return delegate.advanceRun(ticket, fireTime, end);
    }

    @Override
    public CompletionStage<Boolean> completeRunAsync(RunTicket ticket, RunEnd end) {
        return delegate.completeRunAsync(ticket, end);
    }

    @Override
    public JobCounts counts() {
        return delegate.counts();
    }

    @Override
    public Optional<Instant> nextDueTime() {
        return delegate.nextDueTime();
    }

    @Override
    public Optional<Instant> nextDueTime(Set<String> tasks) {
        return delegate.nextDueTime(tasks);
    }

    @Override
    public boolean sharedWithOtherNodes() {
        return delegate.sharedWithOtherNodes();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
