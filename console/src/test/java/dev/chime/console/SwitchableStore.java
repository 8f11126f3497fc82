package dev.chime.console;

import dev.chime.HistoryPage;
import dev.chime.HistoryQuery;
import dev.chime.spi.ClusterView;
import dev.chime.spi.Firing;
import dev.chime.spi.JobStore;
import dev.chime.spi.NodeStatus;
import dev.chime.spi.RunEnd;
import dev.chime.spi.RunRequest;
import dev.chime.spi.RunTicket;
import dev.chime.spi.StoreUnavailableException;
import dev.chime.spi.StoredJob;
import dev.chime.store.memory.MemoryJobStore;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A memory store whose reads can be made to fail as unreachable, fail with a bug, or block (to
 * count how many callers are inside at once).
 */
final class SwitchableStore implements JobStore, ClusterView {

    enum Mode { NORMAL, UNAVAILABLE, BROKEN, BLOCKING, STRAY_ARGUMENT, STRAY_CHIME }

    final MemoryJobStore memory = new MemoryJobStore();
    volatile Mode mode = Mode.NORMAL;
    volatile CountDownLatch release = new CountDownLatch(1);
    final AtomicInteger inside = new AtomicInteger();
    final AtomicInteger mostInside = new AtomicInteger();
    /** {@code counts()} (what health reads) is switched on its own, so health can fail while the API works. */
    volatile Mode countsMode = Mode.NORMAL;
    volatile CountDownLatch countsRelease = new CountDownLatch(1);
    final AtomicInteger countsInside = new AtomicInteger();
    final AtomicInteger countsMostInside = new AtomicInteger();
    final AtomicInteger countsCalls = new AtomicInteger();
    /** Nodes the cluster view shows beside this one, as a JDBC store would show the others. */
    volatile List<NodeStatus> otherNodes = List.of();

    private void reading() {
        reading(mode, release, inside, mostInside);
    }

    private static void reading(Mode mode, CountDownLatch release, AtomicInteger inside, AtomicInteger mostInside) {
        switch (mode) {
            case UNAVAILABLE -> throw new StoreUnavailableException("connection refused by db.internal:5432", null);
            case BROKEN -> throw new IllegalStateException("secret internals: table chime_jobs at db.internal");
            // Exceptions a client's input did not cause, of the types that once passed for bad input.
            case STRAY_ARGUMENT -> throw new IllegalArgumentException("secret internals: column chime_jobs.data at db.internal");
            case STRAY_CHIME -> throw new dev.chime.ChimeException("secret internals: lease table chime_jobs at db.internal");
            case BLOCKING -> {
                int now = inside.incrementAndGet();
                mostInside.accumulateAndGet(now, Math::max);
                try {
                    release.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    inside.decrementAndGet();
                }
            }
            default -> { }
        }
    }

    @Override
    public boolean add(StoredJob job) {
        reading();
        return memory.add(job);
    }

    @Override
    public void put(StoredJob job) {
        memory.put(job);
    }

    @Override
    public boolean remove(String jobId) {
        return memory.remove(jobId);
    }

    @Override
    public Optional<StoredJob> get(String jobId) {
        reading();
        return memory.get(jobId);
    }

    @Override
    public List<StoredJob> list() {
        reading();
        return memory.list();
    }

    @Override
    public boolean update(StoredJob job) {
        return memory.update(job);
    }

    @Override
    public List<Firing> claimDue(Instant now, int limit) {
        return memory.claimDue(now, limit);
    }

    @Override
    public boolean release(Firing firing, Instant nextFireTime) {
        return memory.release(firing, nextFireTime);
    }

    @Override
    public boolean removeClaimed(Firing firing) {
        return memory.removeClaimed(firing);
    }

    @Override
    public HistoryPage history(HistoryQuery query) {
        return memory.history(query);
    }

    @Override
    public int pruneHistory(Instant finishedBefore, int keepPerJob, int limit) {
        return memory.pruneHistory(finishedBefore, keepPerJob, limit);
    }

    @Override
    public void recordOutcome(RunEnd end) {
        memory.recordOutcome(end);
    }

    @Override
    public RunTicket beginRun(RunRequest request) {
        return memory.beginRun(request);
    }

    @Override
    public boolean deferRun(RunTicket ticket, int attemptsMade, Instant retryAt) {
        return memory.deferRun(ticket, attemptsMade, retryAt);
    }

    @Override
    public boolean completeRun(RunTicket ticket, RunEnd end) {
        return memory.completeRun(ticket, end);
    }

    @Override
    public dev.chime.spi.JobCounts counts() {
        countsCalls.incrementAndGet();
        reading(countsMode, countsRelease, countsInside, countsMostInside);
        return memory.counts();
    }

    @Override
    public Optional<Instant> nextDueTime() {
        return memory.nextDueTime();
    }

    @Override
    public List<NodeStatus> nodes() {
        reading();
        List<NodeStatus> all = new java.util.ArrayList<>(memory.nodes());
        all.addAll(otherNodes);
        return all;
    }
}
