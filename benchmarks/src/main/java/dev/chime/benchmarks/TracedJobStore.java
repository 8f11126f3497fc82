package dev.chime.benchmarks;

import dev.chime.spi.Claim;
import dev.chime.spi.ClaimEnd;
import dev.chime.spi.ClaimResult;
import dev.chime.spi.ForwardingJobStore;
import dev.chime.spi.JobStore;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A store that forwards every call to the real one and notes, per firing, when each phase of the
 * clustered lateness harness's firings ended by the machine's wall clock (one clock for every node
 * JVM): the claim's answer, the start and the answer of its dispatch (the run row and the release,
 * one transaction), and how far this node's cluster clock (the database's, as the engine sees it)
 * was behind the wall clock when the dispatch began. Only for the harness: it shows where the time
 * between a fire time and its body's start goes. The dispatch is the claim's end ({@code endClaims}:
 * the run's start and the job's release, one transaction).
 */
final class TracedJobStore extends ForwardingJobStore {

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
    private volatile Clock clusterClock;

    TracedJobStore(JobStore delegate) {
        super(delegate);
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
    public List<Claim> claim(Instant now, int limit, Set<String> tasks) {
        List<Claim> claimed = delegate.claim(now, limit, tasks);
        long at = wallMicros();
        Clock clock = clusterClock;
        Instant clusterNow = clock == null ? now : clock.instant();
        for (Claim f : claimed) {
            Trace t = trace(String.valueOf(f.jobId()), f.fireTime());
            t.claimedAt = at;
            t.claimAheadOf = Math.max(0, java.time.Duration.between(clusterNow, now).toNanos() / 1000);
            t.claimBatch = claimed.size();
            t.claimThread = Thread.currentThread().getName();
        }
        return claimed;
    }

    @Override
    public List<ClaimResult> endClaims(List<ClaimEnd> dispatches) {
        long start = wallMicros();
        Clock clock = clusterClock;
        long lag = clock == null ? 0 : start - micros(clock.instant());
        List<ClaimResult> results = delegate.endClaims(dispatches);
        long end = wallMicros();
        for (ClaimEnd d : dispatches) {
            Trace t = trace(String.valueOf(d.claim().jobId()), d.claim().fireTime());
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
}
