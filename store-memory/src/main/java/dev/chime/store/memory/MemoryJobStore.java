package dev.chime.store.memory;

import dev.chime.HistoryPage;
import dev.chime.HistoryQuery;
import dev.chime.RunRecord;
import dev.chime.spi.ClusterView;
import dev.chime.spi.Dispatch;
import dev.chime.spi.Firing;
import dev.chime.spi.JobCounts;
import dev.chime.spi.JobStore;
import dev.chime.spi.NodeStatus;
import dev.chime.spi.RunEnd;
import dev.chime.spi.RunRequest;
import dev.chime.spi.RunTicket;
import dev.chime.spi.StoredJob;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The {@code memory} job store: one long-lived {@link JobEntry} per job, found by id in a hash map
 * and by fire time in a {@link FireTimeIndex} of int slots, so the next due job is found in O(1)
 * and a claim costs O(log n) per job. Nothing survives the JVM. Thread-safe: every operation
 * holds one short lock, which keeps claims trivially exclusive.
 *
 * <p>A firing (claim, release, outcome) rewrites primitive fields of the job's entry and of the
 * index's arrays in place and allocates nothing that outlives it. Before, each firing replaced the
 * job's record, its map node and its tree entry, which then lived for the job's whole interval:
 * every young collection copied them (about 290 bytes a job), and those copies were the worst
 * pauses under load (issue 20). It also writes no reference into an old-generation object, so G1
 * has no card to refine per firing (BENCHMARKS.md: refinement was once a third of all CPU at a
 * million jobs). The {@link StoredJob}s the SPI hands out are built from the entry when asked for.
 */
public final class MemoryJobStore implements JobStore, ClusterView {

    /** The runs the history keeps at most, in all, unless told otherwise. */
    public static final int DEFAULT_HISTORY_CAPACITY = 10_000;

    /** Past this many distinct texts, sharing stops paying for itself (and must not grow without bound). */
    private static final int MAX_CANONICAL = 10_000;

    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, JobEntry> jobs = new HashMap<>();
    /** By slot, the entry that holds it; null for a free slot. Written only when a job comes or goes. */
    private JobEntry[] entries = new JobEntry[16];
    private int[] freeSlots = new int[0];
    private int freeSlotCount;
    private int slotsInUse;
    /**
     * Exactly the jobs that are neither paused nor claimed and have a next fire time. Jobs due at
     * one instant come out in slot order: the order they were added in, but that a new job takes
     * the slot of the last one removed.
     */
    private final FireTimeIndex schedule = new FireTimeIndex();
    private final Map<String, String> canonical = new HashMap<>();
    private final AtomicLong fences = new AtomicLong();
    /**
     * The version a new job starts at: above every version a removed job had. A claim or a
     * snapshot of a job removed meanwhile then never matches a job added again under its id, whose
     * versions would otherwise count up from 0 again and meet the old claim's (its late release
     * would end the new job's claim and run the old definition). One number, nothing kept per id.
     */
    private long firstVersion;
    /** Kept up to date by assign/forget so counts() need not scan. */
    private long paused;
    /** The runs begun and not yet completed, by run id: what {@link #nodes()} shows this node running. */
    private final Map<String, NodeStatus.Run> runs = new ConcurrentHashMap<>();
    private final AtomicLong runIds = new AtomicLong();
    private final RunHistory history;

    /** A store whose run history keeps the latest {@value #DEFAULT_HISTORY_CAPACITY} runs at most. */
    public MemoryJobStore() {
        this(DEFAULT_HISTORY_CAPACITY);
    }

    /** A store whose run history keeps the latest {@code historyCapacity} runs at most, whatever the retention asks. */
    public MemoryJobStore(int historyCapacity) {
        this.history = new RunHistory(historyCapacity);
    }

    @Override
    public boolean add(StoredJob job) {
        lock.lock();
        try {
            if (jobs.containsKey(job.id())) {
                return false;
            }
            JobEntry entry = newEntry(job.id());
            entry.setLastRun(job.lastRun());
            assign(entry, job, firstVersion);
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void put(StoredJob job) {
        lock.lock();
        try {
            JobEntry entry = jobs.get(job.id());
            long version = entry == null ? firstVersion : entry.version() + 1;
            if (entry == null) {
                entry = newEntry(job.id());
            }
            // A put replaces the whole job, its last outcome too; an update keeps the outcome.
            entry.setLastRun(job.lastRun());
            assign(entry, job.withClaim(null), version);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean remove(String jobId) {
        lock.lock();
        try {
            JobEntry entry = jobs.get(jobId);
            if (entry != null) {
                forget(entry);
            }
            return entry != null;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Optional<StoredJob> get(String jobId) {
        lock.lock();
        try {
            JobEntry entry = jobs.get(jobId);
            return entry == null ? Optional.empty() : Optional.of(entry.toStoredJob());
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<StoredJob> list() {
        List<StoredJob> all;
        lock.lock();
        try {
            all = new ArrayList<>(jobs.size());
            for (JobEntry entry : jobs.values()) {
                all.add(entry.toStoredJob());
            }
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
            JobEntry entry = jobs.get(job.id());
            if (entry == null || entry.version() != job.version()) {
                return false;
            }
            assign(entry, job, entry.version() + 1);
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<Firing> claimDue(Instant now, int limit) {
        // Not presized: most passes on a live schedule claim one job or none, and a big empty array
        // per pass was the dispatcher's second-largest garbage at 1,000 fires/s.
        List<Firing> claimed = new ArrayList<>();
        long nowSeconds = now.getEpochSecond();
        int nowNanos = now.getNano();
        lock.lock();
        try {
            while (claimed.size() < limit && schedule.firstIsDue(nowSeconds, nowNanos)) {
                // Claimed jobs are neither paused nor indexed: no counter or index to touch.
                JobEntry due = entries[schedule.pollFirst()];
                due.claimNext();
                StoredJob claim = due.toStoredJob();
                claimed.add(new Firing(claim, claim.claimedFireTime()));
            }
            return claimed;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean release(Firing firing, Instant nextFireTime) {
        lock.lock();
        try {
            return releaseLocked(firing, nextFireTime);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean removeClaimed(Firing firing) {
        lock.lock();
        try {
            return removeClaimedLocked(firing);
        } finally {
            lock.unlock();
        }
    }

    /** The next queued fire time of a run gets the next token of the same counter. */
    @Override
    public RunTicket advanceRun(RunTicket ticket, Instant fireTime, RunEnd end) {
        if (end != null) {
            recordOutcome(end);
        }
        return new RunTicket(ticket.jobId(), fireTime, ticket.runId(), fences.incrementAndGet());
    }

    /** The whole batch under one lock: the dispatcher hands over a few hundred firings at a time. */
    @Override
    public List<Dispatch.Result> dispatch(List<Dispatch> dispatches) {
        List<Dispatch.Result> results = new ArrayList<>(dispatches.size());
        lock.lock();
        try {
            for (Dispatch d : dispatches) {
                // Under the lock the claim check and the run are one step: a run only for a claim still held.
                boolean ended = d.removesJob() ? removeClaimedLocked(d.firing()) : releaseLocked(d.firing(), d.nextFireTime());
                RunTicket ticket = ended && d.run() != null ? beginRun(d.run()) : null;
                results.add(new Dispatch.Result(ticket, ended));
            }
        } finally {
            lock.unlock();
        }
        return results;
    }

    private boolean releaseLocked(Firing firing, Instant nextFireTime) {
        JobEntry entry = heldClaim(firing);
        if (entry == null) {
            return false;
        }
        entry.release(nextFireTime);
        index(entry);
        return true;
    }

    private boolean removeClaimedLocked(Firing firing) {
        JobEntry entry = heldClaim(firing);
        if (entry == null) {
            return false;
        }
        forget(entry);
        return true;
    }

    /** The job's entry while this firing's claim holds it, or null when the claim is gone (replaced, removed). */
    private JobEntry heldClaim(Firing firing) {
        JobEntry entry = jobs.get(firing.jobId());
        if (entry == null || entry.version() != firing.job().version() || !entry.claimed()) {
            return null;
        }
        return entry;
    }

    /**
     * Records the run so that {@link #nodes()} can show it; the ticket's run id finds it again. One
     * counter for the whole store hands out the fencing tokens: it goes up with every run, so it goes
     * up with every run of each job, and nothing is kept per job (one-shots leave no counter behind).
     */
    @Override
    public RunTicket beginRun(RunRequest request) {
        String runId = "memory-" + runIds.incrementAndGet();
        runs.put(runId, new NodeStatus.Run(request.jobId(), request.fireTime(), null));
        return new RunTicket(request.jobId(), request.fireTime(), runId, fences.incrementAndGet());
    }

    @Override
    public boolean completeRun(RunTicket ticket, RunEnd end) {
        runs.remove(ticket.runId());
        if (end != null) {
            recordOutcome(end);
        }
        return true;
    }

    /** One node, this process, with the runs begun and not completed. */
    @Override
    public List<NodeStatus> nodes() {
        return List.of(new NodeStatus("local", true, Duration.ZERO, List.copyOf(runs.values())));
    }

    @Override
    public void recordOutcome(RunEnd end) {
        if (end.updatesJob()) {
            lock.lock();
            try {
                JobEntry entry = jobs.get(end.jobId());
                if (entry != null) {
                    entry.setLastRun(end.run());
                }
            } finally {
                lock.unlock();
            }
        }
        for (RunRecord entry : end.entries()) {
            history.append(entry);
        }
    }

    @Override
    public HistoryPage history(HistoryQuery query) {
        return history.page(query);
    }

    @Override
    public int pruneHistory(Instant finishedBefore, int keepPerJob, int limit) {
        return history.prune(finishedBefore, keepPerJob, limit);
    }

    @Override
    public Optional<Instant> nextDueTime() {
        lock.lock();
        try {
            return schedule.isEmpty() ? Optional.empty()
                    : Optional.of(Instant.ofEpochSecond(schedule.firstEpochSecond(), schedule.firstNano()));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public JobCounts counts() {
        lock.lock();
        try {
            return new JobCounts(jobs.size(), paused);
        } finally {
            lock.unlock();
        }
    }

    /** How many jobs the store holds. */
    public int size() {
        lock.lock();
        try {
            return jobs.size();
        } finally {
            lock.unlock();
        }
    }

    /** A new, empty entry for the id, in a free slot. */
    private JobEntry newEntry(String id) {
        int slot;
        if (freeSlotCount > 0) {
            slot = freeSlots[--freeSlotCount];
        } else {
            slot = slotsInUse++;
            if (slot == entries.length) {
                entries = Arrays.copyOf(entries, slot + (slot >> 1));
            }
        }
        JobEntry entry = new JobEntry(id, slot);
        entries[slot] = entry;
        jobs.put(id, entry);
        return entry;
    }

    /**
     * Gives the entry the job's fields (but its last outcome) and version, keeping the time index
     * and the paused count right.
     */
    private void assign(JobEntry entry, StoredJob job, long version) {
        schedule.remove(entry.slot);
        if (entry.paused()) {
            paused--;
        }
        entry.assign(compact(job), version);
        if (entry.paused()) {
            paused++;
        }
        index(entry);
    }

    private void index(JobEntry entry) {
        if (entry.isSchedulable()) {
            schedule.add(entry.slot, entry.nextSeconds(), entry.nextNanos());
        }
    }

    /** Takes the job out of the map, the index and the paused count, and frees its slot. */
    private void forget(JobEntry entry) {
        firstVersion = Math.max(firstVersion, entry.version() + 1);
        jobs.remove(entry.id);
        schedule.remove(entry.slot);
        if (entry.paused()) {
            paused--;
        }
        entries[entry.slot] = null;
        if (freeSlotCount == freeSlots.length) {
            freeSlots = Arrays.copyOf(freeSlots, Math.max(16, freeSlotCount * 2));
        }
        freeSlots[freeSlotCount++] = entry.slot;
    }

    /**
     * Shares equal task names, trigger specs and options text between jobs: a million jobs usually
     * have a handful of each (interval jobs added in the same second share their spec), and one
     * copy instead of many is most of the difference between ~160 and ~250 bytes a job. The map is
     * cleared when full, so unique texts never make it grow without bound.
     */
    private StoredJob compact(StoredJob job) {
        if (canonical.size() >= MAX_CANONICAL) {
            canonical.clear();
        }
        String task = canonical.computeIfAbsent(job.task(), t -> t);
        String spec = canonical.computeIfAbsent(job.triggerSpec(), t -> t);
        String options = canonical.computeIfAbsent(job.optionsJson(), o -> o);
        if (task == job.task() && spec == job.triggerSpec() && options == job.optionsJson()) {
            return job;
        }
        return new StoredJob(job.id(), task, spec, options, job.dataJson(), job.paused(), job.nextFireTime(),
                job.claimedFireTime(), job.lastRun(), job.version());
    }
}
