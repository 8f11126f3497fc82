package dev.chime.store.memory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chime.spi.Claim;
import dev.chime.spi.StoredJob;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A million jobs fit, and the index still hands out the earliest ones first. No timing asserted. */
class MemoryJobStoreScaleTest {

    @Test
    void holdsAMillionJobsAndClaimsTheEarliest() {
        MemoryJobStore store = new MemoryJobStore();
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        int n = 1_000_000;
        for (int i = 0; i < n; i++) {
            // Spread over a day, inserted out of order.
            long offset = (i * 7919L) % 86_400L;
            store.add(new StoredJob("job-" + i, "noop", "interval:PT24H", "{}", null, false, t0.plusSeconds(offset), null, null, 0));
        }
        assertThat(store.size()).isEqualTo(n);
        assertThat(store.nextDueTime(null)).contains(t0);

        List<Claim> firstSecond = store.claim(t0.plusSeconds(1), 1_000, null);
        assertThat(firstSecond).allSatisfy(f -> assertThat(f.fireTime()).isBeforeOrEqualTo(t0.plusSeconds(1)));
        assertThat(firstSecond).isNotEmpty();
        assertThat(store.remove("job-999999")).isTrue();
        assertThat(store.size()).isEqualTo(n - 1);
    }
}
