package dev.chime.store.memory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chime.spi.Firing;
import dev.chime.spi.JobCounts;
import dev.chime.spi.StoredJob;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Threads adding, replacing, removing, pausing, claiming and releasing the same few ids at once:
 * afterwards the index, the entries and the counts must still agree with each other.
 */
class MemoryJobStoreChurnTest {

    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

    private final MemoryJobStore store = new MemoryJobStore();

    @Test
    void concurrentChurnLeavesIndexEntriesAndCountsAgreeing() throws Exception {
        int threads = 4;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Random random = new Random(t);
                futures.add(pool.submit(() -> {
                    start.await();
                    List<Firing> held = new ArrayList<>();
                    for (int step = 0; step < 20_000; step++) {
                        String id = "job-" + random.nextInt(32);
                        Instant next = T0.plusMillis(random.nextInt(1_000));
                        switch (random.nextInt(6)) {
                            case 0 -> store.add(new StoredJob(id, "t", "s", "{}", null, random.nextInt(4) == 0, next, null, null, 0));
                            case 1 -> store.put(new StoredJob(id, "t", "s", "{}", null, random.nextInt(4) == 0, next, null, null, 0));
                            case 2 -> store.remove(id);
                            case 3 -> store.get(id).ifPresent(j -> store.update(j.withClaim(null).withPaused(!j.paused(), next)));
                            case 4 -> held.addAll(store.claimDue(T0.plusMillis(random.nextInt(1_000)), 3));
                            default -> {
                                if (!held.isEmpty()) {
                                    Firing f = held.remove(random.nextInt(held.size()));
                                    if (random.nextInt(5) == 0) {
                                        store.removeClaimed(f);
                                    } else {
                                        store.release(f, f.fireTime().plusMillis(random.nextInt(1_000)));
                                    }
                                }
                            }
                        }
                    }
                    // Claims left over are put back, as the engine's shutdown does.
                    held.forEach(f -> store.release(f, f.fireTime()));
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        List<StoredJob> all = store.list();
        assertThat(store.counts()).isEqualTo(new JobCounts(all.size(), all.stream().filter(StoredJob::paused).count()));
        List<StoredJob> schedulable = all.stream()
                .filter(j -> !j.paused() && j.claimedFireTime() == null && j.nextFireTime() != null)
                .sorted(Comparator.comparing(StoredJob::nextFireTime)).toList();
        assertThat(store.nextDueTime()).isEqualTo(schedulable.stream().map(StoredJob::nextFireTime).findFirst());
        List<Firing> everything = store.claimDue(Instant.MAX, Integer.MAX_VALUE);
        assertThat(everything).extracting(Firing::jobId)
                .containsExactlyInAnyOrderElementsOf(schedulable.stream().map(StoredJob::id).toList());
        assertThat(everything).extracting(Firing::fireTime).isSorted();
        assertThat(store.nextDueTime()).isEqualTo(Optional.empty());
    }
}
