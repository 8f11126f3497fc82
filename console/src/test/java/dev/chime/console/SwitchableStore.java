package dev.chime.console;

import dev.chime.spi.ClusterView;
import dev.chime.spi.ForwardingJobStore;
import dev.chime.spi.JobCounts;
import dev.chime.spi.NodeStatus;
import dev.chime.spi.StoreUnavailableException;
import dev.chime.spi.StoredJob;
import dev.chime.store.memory.MemoryJobStore;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A memory store whose reads can be made to fail as unreachable, fail with a bug, or block (to
 * count how many callers are inside at once).
 */
final class SwitchableStore extends ForwardingJobStore implements ClusterView {

    enum Mode { NORMAL, UNAVAILABLE, BROKEN, BLOCKING }

    final MemoryJobStore memory;
    volatile Mode mode = Mode.NORMAL;
    volatile CountDownLatch release = new CountDownLatch(1);
    final AtomicInteger inside = new AtomicInteger();
    final AtomicInteger mostInside = new AtomicInteger();

    SwitchableStore() {
        this(new MemoryJobStore());
    }

    private SwitchableStore(MemoryJobStore memory) {
        super(memory);
        this.memory = memory;
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

    /** Health reads counts: never blocked here, as a pool the console cannot exhaust would not be. */
    @Override
    public JobCounts counts() {
        return super.counts();
    }

    @Override
    public List<NodeStatus> nodes() {
        reading();
        return memory.nodes();
    }
}
