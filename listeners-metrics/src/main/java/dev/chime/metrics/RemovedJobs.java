package dev.chime.metrics;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The ids of recently removed jobs, so that meters an attempt still in flight registers after its
 * job's removal are removed too. Bounded (the oldest id goes first): past {@value #CAPACITY}
 * removals in flight at once, a late attempt's meters may stay. An id added again is forgotten.
 * Thread-safe.
 */
final class RemovedJobs {

    static final int CAPACITY = 10_000;

    private final Map<String, Boolean> ids = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > CAPACITY;
        }
    };

    synchronized void remember(String jobId) {
        ids.put(jobId, Boolean.TRUE);
    }

    synchronized void forget(String jobId) {
        ids.remove(jobId);
    }

    synchronized boolean contains(String jobId) {
        return ids.containsKey(jobId);
    }
}
