package dev.chime.store.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chime.spi.JobCounts;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Defect 12: counts are read at most once a second, and at once after this node's own changes. */
class CachedCountsTest {

    private final AtomicLong nanos = new AtomicLong(1_000);
    private final AtomicInteger queries = new AtomicInteger();
    private final AtomicLong total = new AtomicLong(5);

    private final CachedCounts counts = new CachedCounts(() -> {
        queries.incrementAndGet();
        return new JobCounts(total.get(), 0);
    }, nanos::get);

    @Test
    void readsWithinTheMaximumAgeAreAnsweredFromTheCache() {
        assertThat(counts.get()).isEqualTo(new JobCounts(5, 0));
        total.set(6);
        nanos.addAndGet(CachedCounts.MAX_AGE.toNanos() - 1);

        assertThat(counts.get()).isEqualTo(new JobCounts(5, 0));
        assertThat(queries).hasValue(1);
    }

    @Test
    void aReadAfterTheMaximumAgeGoesToTheDatabase() {
        counts.get();
        total.set(6);
        nanos.addAndGet(CachedCounts.MAX_AGE.toNanos());

        assertThat(counts.get()).isEqualTo(new JobCounts(6, 0));
        assertThat(queries).hasValue(2);
    }

    @Test
    void anInvalidationMakesTheNextReadFresh() {
        counts.get();
        total.set(7);
        counts.invalidate();

        assertThat(counts.get()).isEqualTo(new JobCounts(7, 0));
        assertThat(queries).hasValue(2);
    }

    @Test
    void aReadThatRacedWithAnInvalidationIsNotKept() {
        AtomicInteger calls = new AtomicInteger();
        CachedCounts[] racing = new CachedCounts[1];
        racing[0] = new CachedCounts(() -> {
            if (calls.incrementAndGet() == 1) {
                racing[0].invalidate(); // this node added a job while the count was being read
                return new JobCounts(1, 0);
            }
            return new JobCounts(2, 0);
        }, nanos::get);

        assertThat(racing[0].get()).isEqualTo(new JobCounts(1, 0));
        assertThat(racing[0].get()).isEqualTo(new JobCounts(2, 0));
    }
}
