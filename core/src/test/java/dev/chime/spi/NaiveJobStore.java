package dev.chime.spi;

import dev.chime.ExecutionQuery;
import dev.chime.ExecutionState;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The simplest store that passes {@link JobStoreContract}: {@link JobStoreSupport}'s protocol over
 * two maps, every ordered read a scan and a sort. Core's own tests use it (core cannot depend on
 * store-memory), and it shows plugin authors how little a store for one process needs.
 */
public class NaiveJobStore extends JobStoreSupport {

    private final Map<String, StoredJob> jobs = new TreeMap<>();
    private final Map<String, StoredExecution> executions = new TreeMap<>();
    private final Deque<Claim.Recovery> recoveries = new ArrayDeque<>();

    /**
     * Makes the next claim hand out {@code running} as a dead node's run taken over, with the fire
     * times of its batch it had not started: what a clustered store's takeover does, for tests of
     * the engine. The execution is written RUNNING on node {@code dead} with fencing token
     * {@code token}.
     */
    public void handOutRecovery(StoredExecution running, List<Instant> queued) {
        lock.lock();
        try {
            StoredExecution adopted = new StoredExecution(running.id(), running.jobId(), running.task(), running.dataJson(),
                    running.optionsJson(), running.fireTime(), ExecutionState.RUNNING, Math.max(1, running.attempts()), null,
                    "dead", running.createdAt(), running.createdAt(), null, null, null, null, running.fencingToken(),
                    running.recoverable(), queued, false, running.holdsJobClaim(), running.version());
            writeExecution(adopted);
            recoveries.add(new Claim.Recovery(adopted, adopted.jobId() == null ? null : jobs.get(adopted.jobId()), queued));
        } finally {
            lock.unlock();
        }
    }

    @Override
    protected List<Claim.Recovery> recoveries(int limit) {
        List<Claim.Recovery> out = new ArrayList<>();
        while (out.size() < limit && !recoveries.isEmpty()) {
            out.add(recoveries.poll());
        }
        return out;
    }

    @Override
    protected StoredJob readJob(String id) {
        return jobs.get(id);
    }

    @Override
    protected void writeJob(StoredJob job) {
        jobs.put(job.id(), job);
    }

    @Override
    protected StoredJob deleteJob(String id) {
        return jobs.remove(id);
    }

    @Override
    protected Collection<StoredJob> allJobs() {
        return new ArrayList<>(jobs.values());
    }

    @Override
    protected Iterator<StoredJob> jobsByNextFireTime() {
        List<StoredJob> schedulable = new ArrayList<>();
        for (StoredJob job : jobs.values()) {
            if (!job.paused() && job.claimedFireTime() == null && job.nextFireTime() != null) {
                schedulable.add(job);
            }
        }
        schedulable.sort(Comparator.comparing(StoredJob::nextFireTime).thenComparing(StoredJob::id));
        return schedulable.iterator();
    }

    @Override
    protected JobCounts jobCounts() {
        return new JobCounts(jobs.size(), jobs.values().stream().filter(StoredJob::paused).count());
    }

    @Override
    protected StoredExecution readExecution(String id) {
        return executions.get(id);
    }

    @Override
    protected void writeExecution(StoredExecution execution) {
        executions.put(execution.id(), execution);
    }

    @Override
    protected void deleteExecution(String id) {
        executions.remove(id);
    }

    @Override
    protected Iterator<StoredExecution> waitingByDueTime() {
        List<StoredExecution> waiting = new ArrayList<>();
        for (StoredExecution e : executions.values()) {
            if (e.isWaiting()) {
                waiting.add(e);
            }
        }
        waiting.sort(BY_DUE_TIME);
        return waiting.iterator();
    }

    @Override
    protected Iterator<StoredExecution> newestFirst(ExecutionQuery.Position after) {
        List<StoredExecution> all = new ArrayList<>();
        for (StoredExecution e : executions.values()) {
            if (after == null || after.isBefore(e.createdAt(), e.id())) {
                all.add(e);
            }
        }
        all.sort(NEWEST_FIRST);
        return all.iterator();
    }
}
