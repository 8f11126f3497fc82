package dev.chime.store.memory;

import dev.chime.HistoryPage;
import dev.chime.HistoryQuery;
import dev.chime.RunRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The memory store's run history: the latest runs, at most {@code capacity} of them in all (when
 * it is full, the oldest recorded goes when a new one comes), so history never holds more than a
 * bound of memory whatever the retention asks. Runs are kept in the order they were recorded, so
 * that a place pruning freed is used by the next run before any kept run is dropped: a busy job
 * pruned to its count leaves room for a quiet job's runs.
 *
 * <p>A circular buffer of the engine's records with their numbers beside them: recording a run
 * stores a reference and a long and allocates nothing, since it happens at every fire. Pruning,
 * once a minute, closes the gaps it leaves. Thread-safe, with a lock of its own so that reading or
 * trimming history never holds up claims.
 */
final class RunHistory {

    private static final Comparator<RunRecord> NEWEST_FIRST =
            Comparator.comparing(RunRecord::finishedAt).thenComparingLong(RunRecord::id).reversed();

    private final ReentrantLock lock = new ReentrantLock();
    private final RunRecord[] runs;
    private final long[] ids;
    /** Where the oldest kept run is, and how many are kept from there on (wrapping round). */
    private int head;
    private int size;
    /** How many runs were ever appended: the last one's id. */
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
            int slot;
            if (size == runs.length) {
                slot = head;
                head = next(head);
            } else {
                slot = at(size);
                size++;
            }
            runs[slot] = run;
            ids[slot] = ++appended;
        } finally {
            lock.unlock();
        }
    }

    HistoryPage page(HistoryQuery query) {
        List<RunRecord> matching = new ArrayList<>();
        lock.lock();
        try {
            for (int i = 0; i < size; i++) {
                int slot = at(i);
                RunRecord run = runs[slot].withId(ids[slot]);
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
            List<RunRecord> kept = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                int slot = at(i);
                kept.add(runs[slot].withId(ids[slot]));
            }
            List<RunRecord> newestFirst = new ArrayList<>(kept);
            newestFirst.sort(NEWEST_FIRST);
            Map<String, Integer> keptPerJob = new HashMap<>();
            Set<Long> deleted = new HashSet<>();
            for (RunRecord run : newestFirst) {
                if (deleted.size() >= limit) {
                    break;
                }
                int newer = keptPerJob.merge(run.jobId(), 1, Integer::sum);
                if (newer > keepPerJob || run.finishedAt().isBefore(finishedBefore)) {
                    deleted.add(run.id());
                }
            }
            if (!deleted.isEmpty()) {
                // Close the gaps: the kept runs, oldest recorded first, from the start of the buffer.
                Arrays.fill(runs, null);
                head = 0;
                size = 0;
                for (RunRecord run : kept) {
                    if (!deleted.contains(run.id())) {
                        runs[size] = run.withId(0);
                        ids[size] = run.id();
                        size++;
                    }
                }
            }
            return deleted.size();
        } finally {
            lock.unlock();
        }
    }

    /** The slot of the {@code i}-th kept run, counting from the oldest. */
    private int at(int i) {
        int slot = head + i;
        return slot >= runs.length ? slot - runs.length : slot;
    }

    private int next(int slot) {
        return slot + 1 == runs.length ? 0 : slot + 1;
    }
}
