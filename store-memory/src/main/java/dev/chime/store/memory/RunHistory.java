package dev.chime.store.memory;

import dev.chime.HistoryPage;
import dev.chime.HistoryQuery;
import dev.chime.RunRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The memory store's run history: the latest runs, at most {@code capacity} of them in all (when
 * it is full, the oldest recorded goes when a new one comes), so history never holds more than a
 * bound of memory whatever the retention asks. Runs are kept in the order they were recorded, so
 * that a place pruning freed is used by the next run before any kept run is dropped: a busy job
 * pruned to its count leaves room for a quiet job's runs. Thread-safe, with a lock of its own so
 * that reading or trimming history never holds up claims.
 */
final class RunHistory {

    private static final Comparator<RunRecord> NEWEST_FIRST =
            Comparator.comparing(RunRecord::finishedAt).thenComparingLong(RunRecord::id).reversed();

    private final ReentrantLock lock = new ReentrantLock();
    private final int capacity;
    /** The kept runs by id, oldest recorded first. */
    private final LinkedHashMap<Long, RunRecord> runs = new LinkedHashMap<>();
    /** How many runs were ever appended: the last one's id. */
    private long appended;

    RunHistory(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("history capacity: " + capacity + " must be at least 1");
        }
        this.capacity = capacity;
    }

    void append(RunRecord run) {
        lock.lock();
        try {
            long id = ++appended;
            if (runs.size() >= capacity) {
                Iterator<Long> oldest = runs.keySet().iterator();
                oldest.next();
                oldest.remove();
            }
            runs.put(id, run.withId(id));
        } finally {
            lock.unlock();
        }
    }

    HistoryPage page(HistoryQuery query) {
        List<RunRecord> matching = new ArrayList<>();
        lock.lock();
        try {
            for (RunRecord run : runs.values()) {
                if (query.matches(run)) {
                    matching.add(run);
                }
            }
        } finally {
            lock.unlock();
        }
        matching.sort(NEWEST_FIRST);
        return HistoryPage.of(query, matching.subList(0, Math.min(matching.size(), query.limit() + 1)));
    }

    /** Deletes up to {@code limit} runs that finished before {@code finishedBefore} or are past their job's newest {@code keepPerJob}. */
    int prune(Instant finishedBefore, int keepPerJob, int limit) {
        lock.lock();
        try {
            List<RunRecord> newestFirst = new ArrayList<>(runs.values());
            newestFirst.sort(NEWEST_FIRST);
            Map<String, Integer> keptPerJob = new HashMap<>();
            int deleted = 0;
            for (RunRecord run : newestFirst) {
                if (deleted >= limit) {
                    break;
                }
                int newer = keptPerJob.merge(run.jobId(), 1, Integer::sum);
                if (newer > keepPerJob || run.finishedAt().isBefore(finishedBefore)) {
                    runs.remove(run.id());
                    deleted++;
                }
            }
            return deleted;
        } finally {
            lock.unlock();
        }
    }
}
