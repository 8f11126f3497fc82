package dev.chime.store.memory;

import dev.chime.LastRun;
import dev.chime.spi.Firing;
import dev.chime.spi.JobCounts;
import dev.chime.spi.JobStore;
import dev.chime.spi.StoredJob;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The {@code memory} job store: a hash map by id plus a time-ordered index of the jobs that can
 * fire, so the next due job is found in O(log n) and a claim costs O(log n) per job. Nothing
 * survives the JVM. Thread-safe: every operation holds one short lock, which keeps claims
 * trivially exclusive.
 */
public final class MemoryJobStore implements JobStore {

    /** Earliest fire time first; the id breaks ties so two jobs due at one instant both stay in the index. */
    private static final Comparator<StoredJob> BY_NEXT_FIRE =
            Comparator.comparing(StoredJob::nextFireTime).thenComparing(StoredJob::id);

    /** Past this many distinct texts, sharing stops paying for itself (and must not grow without bound). */
    private static final int MAX_CANONICAL = 10_000;

    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, StoredJob> jobs = new HashMap<>();
    /** Exactly the jobs that are neither paused nor claimed and have a next fire time. */
    private final TreeSet<StoredJob> schedule = new TreeSet<>(BY_NEXT_FIRE);
    private final Map<String, String> canonical = new HashMap<>();
    /** Kept up to date by store/unindex so counts() need not scan. */
    private long paused;

    @Override
    public boolean add(StoredJob job) {
        lock.lock();
        try {
            if (jobs.containsKey(job.id())) {
                return false;
            }
            store(compact(job.withVersion(0)));
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void put(StoredJob job) {
        lock.lock();
        try {
            StoredJob old = jobs.get(job.id());
            long version = old == null ? 0 : old.version() + 1;
            unindex(old);
            store(compact(job.withClaim(null).withVersion(version)));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean remove(String jobId) {
        lock.lock();
        try {
            StoredJob old = jobs.remove(jobId);
            unindex(old);
            if (old != null && old.paused()) {
                paused--;
            }
            return old != null;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Optional<StoredJob> get(String jobId) {
        lock.lock();
        try {
            return Optional.ofNullable(jobs.get(jobId));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<StoredJob> list() {
        List<StoredJob> all;
        lock.lock();
        try {
            all = new ArrayList<>(jobs.values());
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
            StoredJob old = jobs.get(job.id());
            if (old == null || old.version() != job.version()) {
                return false;
            }
            unindex(old);
            store(compact(job.withVersion(old.version() + 1)));
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<Firing> claimDue(Instant now, int limit) {
        List<Firing> claimed = new ArrayList<>();
        lock.lock();
        try {
            while (claimed.size() < limit && !schedule.isEmpty() && !schedule.first().nextFireTime().isAfter(now)) {
                StoredJob due = schedule.pollFirst();
                StoredJob claim = new StoredJob(due.id(), due.task(), due.triggerSpec(), due.optionsJson(), due.dataJson(),
                        false, null, due.nextFireTime(), due.lastRun(), due.version() + 1);
                // Claimed jobs are neither paused nor indexed: no counter or index to touch.
                jobs.put(claim.id(), claim);
                claimed.add(new Firing(claim, due.nextFireTime()));
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
            StoredJob current = jobs.get(firing.jobId());
            if (current == null || current.version() != firing.job().version() || current.claimedFireTime() == null) {
                return false;
            }
            store(new StoredJob(current.id(), current.task(), current.triggerSpec(), current.optionsJson(),
                    current.dataJson(), current.paused(), nextFireTime, null, current.lastRun(), current.version() + 1));
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean removeClaimed(Firing firing) {
        lock.lock();
        try {
            StoredJob current = jobs.get(firing.jobId());
            if (current == null || current.version() != firing.job().version() || current.claimedFireTime() == null) {
                return false;
            }
            jobs.remove(firing.jobId());
            if (current.paused()) {
                paused--;
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void recordOutcome(String jobId, LastRun lastRun) {
        lock.lock();
        try {
            StoredJob current = jobs.get(jobId);
            if (current != null) {
                StoredJob updated = current.withLastRun(lastRun);
                jobs.put(jobId, updated);
                // The index orders by fire time and id only: swap the entry for the new record.
                if (isSchedulable(current)) {
                    schedule.remove(current);
                    schedule.add(updated);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Optional<Instant> nextDueTime() {
        lock.lock();
        try {
            return schedule.isEmpty() ? Optional.empty() : Optional.of(schedule.first().nextFireTime());
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

    private void store(StoredJob job) {
        StoredJob old = jobs.put(job.id(), job);
        paused += (job.paused() ? 1 : 0) - (old != null && old.paused() ? 1 : 0);
        if (isSchedulable(job)) {
            schedule.add(job);
        }
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
}
