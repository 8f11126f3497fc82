package dev.chime.store.memory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chime.LastRun;
import dev.chime.Outcome;
import dev.chime.spi.Firing;
import dev.chime.spi.JobCounts;
import dev.chime.spi.JobStore;
import dev.chime.spi.NaiveJobStore;
import dev.chime.spi.RunEnds;
import dev.chime.spi.StoredJob;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The memory store against {@link NaiveJobStore} (the contract at its plainest) on random
 * sequences of every write, with stale claims and stale snapshots among them: slots are freed and
 * reused, entries rewritten in place, and after each step both stores must show the same jobs,
 * counts and next due time. Versions are each store's own and are not compared, only what they
 * decide. Each job id has fire times of its own nanosecond, so no two jobs tie and both stores
 * must claim in the same order.
 */
class MemoryJobStoreModelTest {

    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
    private static final int IDS = 24;

    private final JobStore memory = new MemoryJobStore();
    private final JobStore model = new NaiveJobStore();
    private final Random random = new Random(7);

    /** Claims of the current job under each id, one from each store, in step. */
    private final List<Firing[]> firings = new ArrayList<>();
    /** Snapshots read from each store, in step (possibly stale). */
    private final List<StoredJob[]> snapshots = new ArrayList<>();

    @Test
    void agreesWithTheNaiveStoreOnRandomWritesClaimsAndStaleReleases() {
        for (int step = 0; step < 20_000; step++) {
            String id = "job-" + random.nextInt(IDS);
            switch (random.nextInt(10)) {
                case 0 -> {
                    StoredJob job = job(id);
                    same("add", memory.add(job), model.add(job));
                }
                case 1 -> {
                    StoredJob job = job(id);
                    memory.put(job);
                    model.put(job);
                }
                case 2 -> {
                    same("remove", memory.remove(id), model.remove(id));
                    forgetInFlight(id);
                }
                case 3 -> {
                    Instant now = T0.plusSeconds(random.nextInt(40));
                    int limit = 1 + random.nextInt(4);
                    List<Firing> a = memory.claimDue(now, limit);
                    List<Firing> b = model.claimDue(now, limit);
                    assertThat(a).extracting(Firing::jobId).isEqualTo(b.stream().map(Firing::jobId).toList());
                    assertThat(a).extracting(Firing::fireTime).isEqualTo(b.stream().map(Firing::fireTime).toList());
                    for (int i = 0; i < a.size(); i++) {
                        firings.add(new Firing[] {a.get(i), b.get(i)});
                    }
                }
                case 4, 5 -> {
                    if (!firings.isEmpty()) {
                        Firing[] f = firings.remove(random.nextInt(firings.size()));
                        if (random.nextInt(4) == 0) {
                            same("removeClaimed", memory.removeClaimed(f[0]), model.removeClaimed(f[1]));
                        } else {
                            Instant next = random.nextInt(5) == 0 ? null : time(f[0].jobId());
                            same("release", memory.release(f[0], next), model.release(f[1], next));
                        }
                    }
                }
                case 6 -> {
                    Optional<StoredJob> a = memory.get(id);
                    Optional<StoredJob> b = model.get(id);
                    if (a.isPresent() && b.isPresent()) {
                        snapshots.add(new StoredJob[] {a.get(), b.get()});
                    }
                }
                case 7 -> {
                    if (!snapshots.isEmpty()) {
                        StoredJob[] s = snapshots.remove(random.nextInt(snapshots.size()));
                        boolean pause = random.nextBoolean();
                        Instant next = pause ? null : time(s[0].id());
                        same("update", memory.update(s[0].withClaim(null).withPaused(pause, next)),
                                model.update(s[1].withClaim(null).withPaused(pause, next)));
                    }
                }
                case 8 -> {
                    LastRun run = new LastRun(Outcome.values()[random.nextInt(Outcome.values().length)],
                            time(id), T0.plusMillis(random.nextInt(100_000)), Duration.ofMillis(random.nextInt(5_000)),
                            random.nextBoolean() ? null : "boom " + step);
                    memory.recordOutcome(RunEnds.of(id, run));
                    model.recordOutcome(RunEnds.of(id, run));
                }
                default -> {
                    // Observations only.
                }
            }
            assertSameState(step);
        }
    }

    /**
     * A removed job's claims and snapshots are dropped: the naive store lets them act on a job
     * added again under the id (MemoryJobStoreFencingTest), which is not what this test compares.
     */
    private void forgetInFlight(String id) {
        firings.removeIf(f -> f[0].jobId().equals(id));
        snapshots.removeIf(s -> s[0].id().equals(id));
    }

    private void assertSameState(int step) {
        List<StoredJob> a = memory.list();
        List<StoredJob> b = model.list();
        assertThat(a).as("step %d", step).hasSameSizeAs(b);
        for (int i = 0; i < a.size(); i++) {
            assertThat(a.get(i).withVersion(0)).as("step %d", step).isEqualTo(b.get(i).withVersion(0));
            assertThat(memory.get(a.get(i).id()).orElseThrow()).isEqualTo(a.get(i));
        }
        assertThat(memory.counts()).as("step %d", step)
                .isEqualTo(new JobCounts(b.size(), b.stream().filter(StoredJob::paused).count()));
        assertThat(memory.nextDueTime()).as("step %d", step).isEqualTo(model.nextDueTime());
    }

    private StoredJob job(String id) {
        boolean paused = random.nextInt(6) == 0;
        Instant next = random.nextInt(8) == 0 ? null : time(id);
        return new StoredJob(id, "task-" + random.nextInt(3), "interval:PT" + (1 + random.nextInt(3)) + "S", "{}",
                random.nextBoolean() ? null : "{\"n\":" + random.nextInt(5) + "}", paused, next, null, null, 0);
    }

    /** A fire time in the next 40 seconds, on the id's own nanosecond. */
    private Instant time(String id) {
        int nano = Integer.parseInt(id.substring(id.indexOf('-') + 1));
        return T0.plusSeconds(random.nextInt(40)).plusNanos(nano);
    }

    private static void same(String what, boolean memoryAnswer, boolean modelAnswer) {
        assertThat(memoryAnswer).as(what).isEqualTo(modelAnswer);
    }
}
