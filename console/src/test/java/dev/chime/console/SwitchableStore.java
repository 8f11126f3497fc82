package dev.chime.console;

import dev.chime.ExecutionQuery;
import dev.chime.spi.ClusterView;
import dev.chime.spi.ForwardingJobStore;
import dev.chime.spi.NodeStatus;
import dev.chime.spi.StoreUnavailableException;
import dev.chime.spi.StoredExecution;
import dev.chime.spi.StoredJob;
import dev.chime.store.memory.MemoryJobStore;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A memory store whose reads can be made to fail as unreachable, fail with a bug, or block (to
 * count how many callers are inside at once). The scheduler's own protocol calls pass through.
 */
final class SwitchableStore extends ForwardingJobStore implements ClusterView {

    enum Mode { NORMAL, UNAVAILABLE, BROKEN, BLOCKING }

    volatile Mode mode = Mode.NORMAL;
    volatile CountDownLatch release = new CountDownLatch(1);
    final AtomicInteger inside = new AtomicInteger();
    final AtomicInteger mostInside = new AtomicInteger();

    SwitchableStore() {
        super(new MemoryJobStore());
    }

    private void reading() {
        switch (mode) {
            case UNAVAILABLE -> throw new StoreUnavailableException("connection refused by db.internal:5432", null);
            case BROKEN -> throw new IllegalStateException("secret internals: table chime_jobs at db.internal");
            case BLOCKING -> {
                int now = inside.incrementAndGet();
                mostInside.accumulateAndGet(now, Math::max);
                try {
                    release.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    inside.decrementAndGet();
                }
            }
            default -> { }
        }
    }

    @Override
    public boolean add(StoredJob job) {
        reading();
        return super.add(job);
    }

    @Override
    public Optional<StoredJob> get(String jobId) {
        reading();
        return super.get(jobId);
    }

    @Override
    public List<StoredJob> list() {
        reading();
        return super.list();
    }

    @Override
    public Optional<StoredExecution> execution(String id) {
        reading();
        return super.execution(id);
    }

    @Override
    public List<StoredExecution> executions(ExecutionQuery query) {
        reading();
        return super.executions(query);
    }

    @Override
    public List<NodeStatus> nodes() {
        reading();
        return ((ClusterView) delegate).nodes();
    }
}
