package dev.chime.store.memory;

import dev.chime.HistoryPage;
import dev.chime.HistoryQuery;
import dev.chime.RunRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The memory store's run history: a ring of the latest runs, at most {@code capacity} of them in
 * all (the oldest goes when a new one comes), so history never holds more than a bound of memory
 * whatever the retention asks. Appending stores the engine's record as it is and its number
 * beside it: nothing is made per run. Thread-safe, with a lock of its own so that reading or
 * trimming history never holds up claims.
 */
final class RunHistory {

    private static final Comparator<RunRecord> NEWEST_FIRST =
            Comparator.comparing(RunRecord::finishedAt).thenComparingLong(RunRecord::id).reversed();

    private final ReentrantLock lock = new ReentrantLock();
    private final RunRecord[] runs;
    private final long[] ids;
    /** How many runs were ever appended: the last one's id, and where the next one goes. */
    private long appended;

    RunHistory(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("history capacity: " + capacity + " must be at least 1");
        }
        runs = new RunRecord[capacity];
        ids = new long[capacity];
    }

    void append(RunRecord run) {
        lock.lock();
        try {
            long id = ++appended;
            int slot = (int) ((id - 1) % runs.length);
            runs[slot] = run;
            ids[slot] = id;
        } finally {
            lock.unlock();
        }
    }

    HistoryPage page(HistoryQuery query) {
        List<RunRecord> matching = new ArrayList<>();
        lock.lock();
        try {
            for (int slot = 0; slot < runs.length; slot++) {
                if (runs[slot] != null) {
                    RunRecord run = runs[slot].withId(ids[slot]);
                    if (query.matches(run)) {
                        matching.add(run);
                    }
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
            List<Integer> slots = new ArrayList<>();
            for (int slot = 0; slot < runs.length; slot++) {
                if (runs[slot] != null) {
                    slots.add(slot);
                }
            }
            slots.sort(Comparator.comparing((Integer slot) -> runs[slot].finishedAt())
                    .thenComparingLong(slot -> ids[slot]).reversed());
            Map<String, Integer> keptPerJob = new HashMap<>();
            int deleted = 0;
            for (int slot : slots) {
                if (deleted == limit) {
                    break;
                }
                RunRecord run = runs[slot];
                int newer = keptPerJob.merge(run.jobId(), 1, Integer::sum);
                if (newer > keepPerJob || run.finishedAt().isBefore(finishedBefore)) {
                    runs[slot] = null;
                    deleted++;
                }
            }
            return deleted;
        } finally {
            lock.unlock();
        }
    }
}
