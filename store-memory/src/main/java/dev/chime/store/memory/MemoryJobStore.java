package dev.chime.store.memory;

import dev.chime.ExecutionQuery;
import dev.chime.spi.JobCounts;
import dev.chime.spi.JobStoreSupport;
import dev.chime.spi.StoredExecution;
import dev.chime.spi.StoredJob;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.TreeSet;

/**
 * The {@code memory} job store: the records of {@link JobStoreSupport}, which carries the whole
 * store protocol, kept in hash maps and sorted sets. Jobs: two hash maps by id (the unclaimed jobs,
 * and the few claimed at this moment) plus a time-ordered index of the jobs that can fire, so the
 * next due job is found in O(log n) and a claim costs O(log n) per job. A job is in exactly one of
 * the two maps. Executions: a map by id, an index of the waiting ones by due time, and the history
 * newest first, bounded in memory (at most {@value #DEFAULT_MAX_ENDED_EXECUTIONS} ended ones by
 * default, the oldest to end evicted first) besides the engine's retention. Nothing survives the JVM. Thread-safe:
 * every operation holds the support class's one short lock.
 */
public final class MemoryJobStore extends JobStoreSupport {

    /** A store that keeps at most {@value #DEFAULT_MAX_ENDED_EXECUTIONS} ended executions. */
    public MemoryJobStore() {
        this(DEFAULT_MAX_ENDED_EXECUTIONS);
    }

    /**
     * A store that keeps at most {@code maxEndedExecutions} ended executions in memory, the oldest
     * to end going first, whatever the scheduler's retention says: the retention cleans once a
     * minute, and a burst of short runs must not fill the heap in between.
     */
    public MemoryJobStore(int maxEndedExecutions) {
        if (maxEndedExecutions < 1) {
            throw new IllegalArgumentException("maxEndedExecutions: " + maxEndedExecutions + " must be at least 1");
        }
        this.maxEndedExecutions = maxEndedExecutions;
    }

    /** Earliest fire time first; the id breaks ties so two jobs due at one instant both stay in the index. */
    private static final Comparator<StoredJob> BY_NEXT_FIRE =
            Comparator.comparing(StoredJob::nextFireTime).thenComparing(StoredJob::id);

    /** Past this many distinct texts, sharing stops paying for itself (and must not grow without bound). */
    private static final int MAX_CANONICAL = 10_000;

    /** The jobs that are not claimed. */
    private final Map<String, StoredJob> jobs = new HashMap<>();
    /**
     * The claimed jobs, kept apart from the others. A claim lasts a moment, and writing the claimed
     * record into the big map would make every firing dirty a card of G1's old generation, which
     * its refinement threads then scan: a third of all CPU at 1M jobs (BENCHMARKS.md). Taking the
     * record out of the big map writes only a null there, which G1's write barrier skips.
     */
    private final Map<String, StoredJob> claims = new HashMap<>();
    /** Exactly the jobs that are neither paused nor claimed and have a next fire time. */
    private final TreeSet<StoredJob> schedule = new TreeSet<>(BY_NEXT_FIRE);
    private final Map<String, String> canonical = new HashMap<>();
    /** Kept up to date by writeJob/deleteJob so counts() need not scan. */
    private long paused;

    /** The default bound of {@link #MemoryJobStore(int)}. */
    public static final int DEFAULT_MAX_ENDED_EXECUTIONS = 100_000;

    private final int maxEndedExecutions;
    private final Map<String, StoredExecution> executions = new HashMap<>();
    /**
     * Ended executions in the order they ended, oldest first, to evict beyond the bound. An entry
     * that is no longer the stored record (requeued or deleted since) is skipped when it comes up.
     */
    private final ArrayDeque<StoredExecution> endedInOrder = new ArrayDeque<>();
    private int ended;
    /** Exactly the waiting executions (scheduled, or waiting for a retry). */
    private final TreeSet<StoredExecution> waiting = new TreeSet<>(BY_DUE_TIME);
    private final TreeSet<StoredExecution> history = new TreeSet<>(NEWEST_FIRST);

    // --- jobs ----------------------------------------------------------------------------------

    @Override
    protected StoredJob readJob(String id) {
        StoredJob job = jobs.get(id);
        return job != null ? job : claims.get(id);
    }

    /** Puts the record in the map for its state, replacing the job's earlier record in either map. */
    @Override
    protected void writeJob(StoredJob job) {
        StoredJob compact = compact(job);
        StoredJob old = compact.claimedFireTime() == null
                ? orElse(jobs.put(compact.id(), compact), claims.remove(compact.id()))
                : orElse(claims.put(compact.id(), compact), jobs.remove(compact.id()));
        unindex(old);
        paused += (compact.paused() ? 1 : 0) - (old != null && old.paused() ? 1 : 0);
        if (isSchedulable(compact)) {
            schedule.add(compact);
        }
    }

    @Override
    protected StoredJob deleteJob(String id) {
        StoredJob old = jobs.remove(id);
        if (old == null) {
            old = claims.remove(id);
        }
        unindex(old);
        if (old != null && old.paused()) {
            paused--;
        }
        return old;
    }

    @Override
    protected Collection<StoredJob> allJobs() {
        List<StoredJob> all = new ArrayList<>(jobs.size() + claims.size());
        all.addAll(jobs.values());
        all.addAll(claims.values());
        return all;
    }

    @Override
    protected Iterator<StoredJob> jobsByNextFireTime() {
        return schedule.iterator();
    }

    @Override
    protected JobCounts jobCounts() {
        return new JobCounts(jobs.size() + claims.size(), paused);
    }

    /** How many jobs the store holds. */
    public int size() {
        lock.lock();
        try {
            return jobs.size() + claims.size();
        } finally {
            lock.unlock();
        }
    }

    private static StoredJob orElse(StoredJob first, StoredJob second) {
        return first != null ? first : second;
    }

    private void unindex(StoredJob job) {
        if (job != null && isSchedulable(job)) {
            schedule.remove(job);
        }
    }

    /** Whether a job belongs in the time index: it can fire and nothing holds it back. */
    private static boolean isSchedulable(StoredJob job) {
        return !job.paused() && job.claimedFireTime() == null && job.nextFireTime() != null;
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

    // --- executions ----------------------------------------------------------------------------

    @Override
    protected StoredExecution readExecution(String id) {
        return executions.get(id);
    }

    @Override
    protected void writeExecution(StoredExecution execution) {
        StoredExecution old = executions.put(execution.id(), execution);
        if (old != null) {
            forgetIndexed(old);
        }
        history.add(execution);
        if (execution.isWaiting()) {
            waiting.add(execution);
        }
        if (execution.state().isEnded()) {
            ended++;
            endedInOrder.add(execution);
            evictBeyondBound();
        }
    }

    @Override
    protected void deleteExecution(String id) {
        StoredExecution old = executions.remove(id);
        if (old != null) {
            forgetIndexed(old);
        }
    }

    private void forgetIndexed(StoredExecution old) {
        history.remove(old);
        if (old.isWaiting()) {
            waiting.remove(old);
        }
        if (old.state().isEnded()) {
            ended--;
        }
    }

    /** Deletes the executions that ended longest ago while more than the bound have ended. */
    private void evictBeyondBound() {
        while (ended > maxEndedExecutions && !endedInOrder.isEmpty()) {
            StoredExecution e = endedInOrder.poll();
            if (executions.get(e.id()) == e) {
                deleteExecution(e.id());
            }
        }
        // The queue also holds records requeued or deleted meanwhile: keep it from growing past twice the bound.
        if (endedInOrder.size() > 2 * maxEndedExecutions) {
            endedInOrder.removeIf(e -> executions.get(e.id()) != e);
        }
    }

    @Override
    protected Iterator<StoredExecution> waitingByDueTime() {
        return waiting.iterator();
    }

    @Override
    protected Iterator<StoredExecution> newestFirst(ExecutionQuery.Position after) {
        if (after == null) {
            return history.iterator();
        }
        // A probe that sorts exactly at the position: everything strictly after it comes next.
        StoredExecution probe = StoredExecution.scheduled(after.id(), null, "-", null, null, after.createdAt(), false,
                after.createdAt());
        NavigableSet<StoredExecution> older = history.tailSet(probe, false);
        return older.iterator();
    }
}
