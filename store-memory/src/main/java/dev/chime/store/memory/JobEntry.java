package dev.chime.store.memory;

import dev.chime.LastRun;
import dev.chime.Outcome;
import dev.chime.spi.StoredJob;
import java.time.Duration;
import java.time.Instant;

/**
 * One job as the memory store keeps it: a mutable object that lives as long as the job, whose
 * per-fire state (fire times, claim, version, last outcome) is held in primitive fields that a
 * firing overwrites in place. A firing therefore allocates nothing that outlives it; the
 * {@link StoredJob} the SPI hands out is built from these fields when asked for ({@link #toStoredJob}).
 *
 * <p>Per-fire writes store primitives only (the outcome as its ordinal, not the enum): a reference
 * written into an old-generation object dirties a G1 card that its refinement threads must then
 * scan, which once cost a third of all CPU at a million jobs (BENCHMARKS.md). Not thread-safe: the
 * store uses it under its lock.
 */
final class JobEntry {

    private static final Outcome[] OUTCOMES = Outcome.values();
    private static final byte NO_RUN = -1;

    final String id;
    /** Where the store's index and slot table know this job by. */
    final int slot;

    private String task;
    private String triggerSpec;
    private String optionsJson;
    private String dataJson;
    private boolean paused;

    private boolean hasNext;
    private long nextSeconds;
    private int nextNanos;

    private boolean claimed;
    private long claimedSeconds;
    private int claimedNanos;

    private long version;

    private byte lastOutcome = NO_RUN;
    private long lastScheduledSeconds;
    private int lastScheduledNanos;
    private long lastFinishedSeconds;
    private int lastFinishedNanos;
    private long lastDurationSeconds;
    private int lastDurationNanos;
    private String lastError;

    JobEntry(String id, int slot) {
        this.id = id;
        this.slot = slot;
    }

    /** Takes every field of {@code job} but its id, with the given version. */
    void assign(StoredJob job, long version) {
        task = job.task();
        triggerSpec = job.triggerSpec();
        optionsJson = job.optionsJson();
        dataJson = job.dataJson();
        paused = job.paused();
        setNext(job.nextFireTime());
        Instant claim = job.claimedFireTime();
        claimed = claim != null;
        if (claimed) {
            claimedSeconds = claim.getEpochSecond();
            claimedNanos = claim.getNano();
        }
        this.version = version;
        setLastRun(job.lastRun());
    }

    /** Claims the next fire time: it becomes the claimed one, and the version goes up. */
    void claimNext() {
        claimed = true;
        claimedSeconds = nextSeconds;
        claimedNanos = nextNanos;
        hasNext = false;
        version++;
    }

    /** Ends the claim with the given next fire time (null: none), and the version goes up. */
    void release(Instant nextFireTime) {
        claimed = false;
        setNext(nextFireTime);
        version++;
    }

    void setLastRun(LastRun run) {
        if (run == null) {
            lastOutcome = NO_RUN;
            lastError = null;
            return;
        }
        lastOutcome = (byte) run.outcome().ordinal();
        lastScheduledSeconds = run.scheduledFireTime().getEpochSecond();
        lastScheduledNanos = run.scheduledFireTime().getNano();
        lastFinishedSeconds = run.finishedAt().getEpochSecond();
        lastFinishedNanos = run.finishedAt().getNano();
        lastDurationSeconds = run.duration().getSeconds();
        lastDurationNanos = run.duration().getNano();
        lastError = run.error();
    }

    private void setNext(Instant nextFireTime) {
        hasNext = nextFireTime != null;
        if (hasNext) {
            nextSeconds = nextFireTime.getEpochSecond();
            nextNanos = nextFireTime.getNano();
        }
    }

    /** Whether the job belongs in the time index: it can fire and nothing holds it back. */
    boolean isSchedulable() {
        return !paused && !claimed && hasNext;
    }

    boolean paused() {
        return paused;
    }

    boolean claimed() {
        return claimed;
    }

    long version() {
        return version;
    }

    long nextSeconds() {
        return nextSeconds;
    }

    int nextNanos() {
        return nextNanos;
    }

    Instant claimedFireTime() {
        return claimed ? Instant.ofEpochSecond(claimedSeconds, claimedNanos) : null;
    }

    LastRun lastRun() {
        if (lastOutcome == NO_RUN) {
            return null;
        }
        return new LastRun(OUTCOMES[lastOutcome],
                Instant.ofEpochSecond(lastScheduledSeconds, lastScheduledNanos),
                Instant.ofEpochSecond(lastFinishedSeconds, lastFinishedNanos),
                Duration.ofSeconds(lastDurationSeconds, lastDurationNanos), lastError);
    }

    /** The job as the SPI sees it, built afresh. */
    StoredJob toStoredJob() {
        return new StoredJob(id, task, triggerSpec, optionsJson, dataJson, paused,
                hasNext ? Instant.ofEpochSecond(nextSeconds, nextNanos) : null, claimedFireTime(), lastRun(), version);
    }
}
