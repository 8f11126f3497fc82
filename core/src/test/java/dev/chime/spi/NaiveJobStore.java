package dev.chime.spi;

import dev.chime.LastRun;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The simplest store that passes {@link JobStoreContract}: every method synchronized, claims found
 * by scanning all jobs. Core's own tests use it (core cannot depend on store-memory), and it shows
 * plugin authors the contract at its plainest.
 */
public class NaiveJobStore implements JobStore {

    private final Map<String, StoredJob> jobs = new TreeMap<>();
    private long fencingTokens;
    /**
     * The version a new job starts at: above every version a removed job had, so that a late
     * release, dispatch or removeClaimed of a removed job's claim cannot pass for one of a job
     * added again under its id.
     */
    private long firstVersion;

    /** Fencing tokens from one counter: up with every run, so up with every run of each job. */
    @Override
    public synchronized RunTicket beginRun(RunRequest request) {
        return new RunTicket(request.jobId(), request.fireTime(), RunTicket.LOCAL, ++fencingTokens);
    }

    /** The next token handed out is one above {@code last} (a test that hands out tickets of its own). */
    public synchronized void fencingTokensFrom(long last) {
        fencingTokens = last;
    }

    /** Each queued fire time of a run gets the counter's next token. */
    @Override
    public synchronized RunTicket advanceRun(RunTicket ticket, Instant fireTime, LastRun lastRun) {
        if (lastRun != null) {
            recordOutcome(ticket.jobId(), lastRun);
        }
        return new RunTicket(ticket.jobId(), fireTime, ticket.runId(), ++fencingTokens);
    }

    @Override
    public synchronized boolean add(StoredJob job) {
        return jobs.putIfAbsent(job.id(), job.withVersion(firstVersion)) == null;
    }

    @Override
    public synchronized void put(StoredJob job) {
        StoredJob old = jobs.get(job.id());
        jobs.put(job.id(), job.withClaim(null).withVersion(old == null ? firstVersion : old.version() + 1));
    }

    @Override
    public synchronized boolean remove(String jobId) {
        return forget(jobs.remove(jobId));
    }

    private boolean forget(StoredJob removed) {
        if (removed != null) {
            firstVersion = Math.max(firstVersion, removed.version() + 1);
        }
        return removed != null;
    }

    @Override
    public synchronized Optional<StoredJob> get(String jobId) {
        return Optional.ofNullable(jobs.get(jobId));
    }

    @Override
    public synchronized List<StoredJob> list() {
        return new ArrayList<>(jobs.values());
    }

    @Override
    public synchronized boolean update(StoredJob job) {
        StoredJob old = jobs.get(job.id());
        if (old == null || old.version() != job.version()) {
            return false;
        }
        jobs.put(job.id(), job.withLastRun(old.lastRun()).withVersion(job.version() + 1));
        return true;
    }

    @Override
    public synchronized List<Firing> claimDue(Instant now, int limit) {
        List<StoredJob> due = new ArrayList<>();
        for (StoredJob job : jobs.values()) {
            if (job.isDue(now)) {
                due.add(job);
            }
        }
        due.sort(Comparator.comparing(StoredJob::nextFireTime).thenComparing(StoredJob::id));
        List<Firing> claimed = new ArrayList<>();
        for (StoredJob job : due.subList(0, Math.min(limit, due.size()))) {
            StoredJob claim = job.withClaim(job.nextFireTime()).withNextFireTime(null).withVersion(job.version() + 1);
            jobs.put(job.id(), claim);
            claimed.add(new Firing(claim, job.nextFireTime()));
        }
        return claimed;
    }

    @Override
    public synchronized boolean release(Firing firing, Instant nextFireTime) {
        StoredJob current = jobs.get(firing.jobId());
        if (current == null || current.version() != firing.job().version() || current.claimedFireTime() == null) {
            return false;
        }
        jobs.put(current.id(), current.withClaim(null).withNextFireTime(nextFireTime).withVersion(current.version() + 1));
        return true;
    }

    @Override
    public synchronized boolean removeClaimed(Firing firing) {
        StoredJob current = jobs.get(firing.jobId());
        if (current == null || current.version() != firing.job().version() || current.claimedFireTime() == null) {
            return false;
        }
        return forget(jobs.remove(firing.jobId()));
    }

    @Override
    public synchronized void recordOutcome(String jobId, LastRun lastRun) {
        jobs.computeIfPresent(jobId, (id, job) -> job.withLastRun(lastRun));
    }

    @Override
    public synchronized Optional<Instant> nextDueTime() {
        return jobs.values().stream().filter(j -> !j.paused() && j.claimedFireTime() == null && j.nextFireTime() != null)
                .map(StoredJob::nextFireTime).min(Comparator.naturalOrder());
    }
}
