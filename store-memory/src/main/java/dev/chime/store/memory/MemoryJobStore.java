package dev.chime.store.memory;

import dev.chime.LastRun;
import dev.chime.spi.ClusterView;
import dev.chime.spi.Dispatch;
import dev.chime.spi.Firing;
import dev.chime.spi.JobCounts;
import dev.chime.spi.JobStore;
import dev.chime.spi.NodeStatus;
import dev.chime.spi.RunRequest;
import dev.chime.spi.RunTicket;
import dev.chime.spi.StoredJob;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The {@code memory} job store: two hash maps by id (the unclaimed jobs, and the few claimed at
 * this moment) plus a time-ordered index of the jobs that can fire, so the next due job is found
 * in O(log n) and a claim costs O(log n) per job. A job is in exactly one of the two maps. Nothing
 * survives the JVM. Thread-safe: every operation holds one short lock, which keeps claims
 * trivially exclusive.
 */
public final class MemoryJobStore implements JobStore, ClusterView {

    /** Earliest fire time first; the id breaks ties so two jobs due at one instant both stay in the index. */
    private static final Comparator<StoredJob> BY_NEXT_FIRE =
            Comparator.comparing(StoredJob::nextFireTime).thenComparing(StoredJob::id);

    /** Past this many distinct texts, sharing stops paying for itself (and must not grow without bound). */
    private static final int MAX_CANONICAL = 10_000;

    private final ReentrantLock lock = new ReentrantLock();
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
    private final AtomicLong fences = new AtomicLong();
    /** Kept up to date by store/unindex so counts() need not scan. */
    private long paused;
    /** The runs begun and not yet completed, by run id: what {@link #nodes()} shows this node running. */
    private final Map<String, NodeStatus.Run> runs = new ConcurrentHashMap<>();
    private final AtomicLong runIds = new AtomicLong();

    @Override
    public boolean add(StoredJob job) {
        lock.lock();
        try {
            if (find(job.id()) != null) {
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
            StoredJob old = find(job.id());
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
            StoredJob old = forget(jobId);
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
            return Optional.ofNullable(find(jobId));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<StoredJob> list() {
        List<StoredJob> all;
        lock.lock();
        try {
            all = new ArrayList<>(jobs.size() + claims.size());
            all.addAll(jobs.values());
            all.addAll(claims.values());
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
            StoredJob old = find(job.id());
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
        // Not presized: most passes on a live schedule claim one job or none, and a big empty array
        // per pass was the dispatcher's second-largest garbage at 1,000 fires/s.
        List<Firing> claimed = new ArrayList<>();
        lock.lock();
        try {
            // One walk in time order, taking each due job out as it goes: cheaper than a first()
            // and a pollFirst() per job, which each descend the tree from its root.
            Iterator<StoredJob> earliest = schedule.iterator();
            while (claimed.size() < limit && earliest.hasNext()) {
                StoredJob due = earliest.next();
                if (due.nextFireTime().isAfter(now)) {
                    break;
                }
                earliest.remove();
                StoredJob claim = new StoredJob(due.id(), due.task(), due.triggerSpec(), due.optionsJson(), due.dataJson(),
                        false, null, due.nextFireTime(), due.lastRun(), due.version() + 1);
                // Claimed jobs are neither paused nor indexed: no counter or index to touch.
                jobs.remove(claim.id());
                claims.put(claim.id(), claim);
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
    public RunTicket advanceRun(RunTicket ticket, Instant fireTime, LastRun lastRun) {
        if (lastRun != null) {
            recordOutcome(ticket.jobId(), lastRun);
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
        StoredJob current = heldClaim(firing);
        if (current == null) {
            return false;
        }
        store(new StoredJob(current.id(), current.task(), current.triggerSpec(), current.optionsJson(),
                current.dataJson(), current.paused(), nextFireTime, null, current.lastRun(), current.version() + 1));
        return true;
    }

    private boolean removeClaimedLocked(Firing firing) {
        StoredJob current = heldClaim(firing);
        if (current == null) {
            return false;
        }
        claims.remove(firing.jobId());
        if (current.paused()) {
            paused--;
        }
        return true;
    }

    /** The job as this firing claimed it, or null when the claim is no longer held (replaced, removed). */
    private StoredJob heldClaim(Firing firing) {
        StoredJob current = claims.get(firing.jobId());
        if (current == null || current.version() != firing.job().version() || current.claimedFireTime() == null) {
            return null;
        }
        return current;
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
    public boolean completeRun(RunTicket ticket, LastRun lastRun) {
        runs.remove(ticket.runId());
        if (lastRun != null) {
            recordOutcome(ticket.jobId(), lastRun);
        }
        return true;
    }

    /** One node, this process, with the runs begun and not completed. */
    @Override
    public List<NodeStatus> nodes() {
        return List.of(new NodeStatus("local", true, Duration.ZERO, List.copyOf(runs.values())));
    }

    @Override
    public void recordOutcome(String jobId, LastRun lastRun) {
        lock.lock();
        try {
            StoredJob current = find(jobId);
            if (current != null) {
                unindex(current);
                store(current.withLastRun(lastRun));
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
            return new JobCounts(jobs.size() + claims.size(), paused);
        } finally {
            lock.unlock();
        }
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

    private StoredJob find(String jobId) {
        StoredJob job = jobs.get(jobId);
        return job != null ? job : claims.get(jobId);
    }

    /** Takes the job out of whichever map holds it; returns what was there. */
    private StoredJob forget(String jobId) {
        StoredJob old = jobs.remove(jobId);
        return old != null ? old : claims.remove(jobId);
    }

    /** Puts the record in the map for its state, replacing the job's earlier record in either map. */
    private void store(StoredJob job) {
        StoredJob old = job.claimedFireTime() == null
                ? orElse(jobs.put(job.id(), job), claims.remove(job.id()))
                : orElse(claims.put(job.id(), job), jobs.remove(job.id()));
        paused += (job.paused() ? 1 : 0) - (old != null && old.paused() ? 1 : 0);
        if (isSchedulable(job)) {
            schedule.add(job);
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
}
