package dev.chime.spi;

import dev.chime.HistoryPage;
import dev.chime.HistoryQuery;
import dev.chime.RunRecord;
import java.util.HashMap;
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
    private final List<RunRecord> history = new ArrayList<>();
    private long runIds;
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
    public synchronized RunTicket advanceRun(RunTicket ticket, Instant fireTime, RunEnd end) {
        if (end != null) {
            recordOutcome(end);
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
    public synchronized void recordOutcome(RunEnd end) {
        if (end.updatesJob()) {
            jobs.computeIfPresent(end.jobId(), (id, job) -> job.withLastRun(end.lastRun()));
        }
        for (RunRecord entry : end.entries()) {
            history.add(entry.withId(++runIds));
        }
    }

    /** Every run kept, filtered and sorted at each read. */
    @Override
    public synchronized HistoryPage history(HistoryQuery query) {
        List<RunRecord> matching = new ArrayList<>(history.stream().filter(query::matches)
                .sorted(Comparator.comparing(RunRecord::finishedAt).thenComparingLong(RunRecord::id).reversed())
                .limit(query.limit() + 1L).toList());
        return HistoryPage.of(query, matching);
    }

    @Override
    public synchronized int pruneHistory(Instant finishedBefore, int keepPerJob, int limit) {
        List<RunRecord> newestFirst = history.stream()
                .sorted(Comparator.comparing(RunRecord::finishedAt).thenComparingLong(RunRecord::id).reversed()).toList();
        Map<String, Integer> seen = new HashMap<>();
        int deleted = 0;
        for (RunRecord run : newestFirst) {
            int newer = seen.merge(run.jobId(), 1, Integer::sum);
            if (deleted < limit && (newer > keepPerJob || run.finishedAt().isBefore(finishedBefore))) {
                history.remove(run);
                deleted++;
            }
        }
        return deleted;
    }

    @Override
    public synchronized Optional<Instant> nextDueTime() {
        return jobs.values().stream().filter(j -> !j.paused() && j.claimedFireTime() == null && j.nextFireTime() != null)
                .map(StoredJob::nextFireTime).min(Comparator.naturalOrder());
    }
}
