package dev.chime.store.jdbc.internal;

import dev.chime.spi.JobCounts;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The job counts, read from the database at most once per {@link #MAX_AGE}: they are asked for on
 * every health check and metrics scrape, and counting is a scan of the jobs table (index-only at
 * best) on every database. This node's own writes that change a count ({@link #invalidate}) make
 * the next read fresh; another node's are seen within {@code MAX_AGE}.
 *
 * <p>Thread-safe: a read that raced with an invalidation is not kept.
 */
public final class CachedCounts {

    /** How old counts may be when another node changed the jobs. */
    public static final Duration MAX_AGE = Duration.ofSeconds(1);

    private record Entry(long generation, long readAtNanos, JobCounts counts) {
    }

    private final Supplier<JobCounts> query;
    private final LongSupplier nanoTime;
    private final AtomicLong generation = new AtomicLong();
    private volatile Entry entry;

    /** @param nanoTime a monotonic source of nanoseconds ({@code System::nanoTime}) */
    public CachedCounts(Supplier<JobCounts> query, LongSupplier nanoTime) {
        this.query = query;
        this.nanoTime = nanoTime;
    }

    public JobCounts get() {
        long gen = generation.get();
        Entry e = entry;
        if (e != null && e.generation() == gen && nanoTime.getAsLong() - e.readAtNanos() < MAX_AGE.toNanos()) {
            return e.counts();
        }
        long readAt = nanoTime.getAsLong();
        JobCounts counts = query.get();
        if (generation.get() == gen) {
            entry = new Entry(gen, readAt, counts);
        }
        return counts;
    }

    /** This node changed the jobs: the next read goes to the database. */
    public void invalidate() {
        generation.incrementAndGet();
    }
}
