package dev.chime.store.memory;

import dev.chime.LastRun;
import dev.chime.RunRecord;
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
 * <p>Per-fire writes store primitives only: a reference written into an old-generation object
 * dirties a G1 card that its refinement threads must then scan, which once cost a third of all CPU
 * at a million jobs (BENCHMARKS.md). (A failure's message is the exception: a rare, young string.)
 * Not thread-safe: the store uses it under its lock.
 */
final class JobEntry {

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

    /** Null until the job's first recorded outcome; then kept, and overwritten in place by each one after. */
    private RecordedRun lastRun;

    JobEntry(String id, int slot) {
        this.id = id;
        this.slot = slot;
    }

    /**
     * Takes every field of {@code job} but its id and last outcome, with the given version. The
     * outcome is the caller's to set ({@link #setLastRun}): an update keeps the one recorded.
     */
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
            lastRun = null;
        } else {
            recordedRun().set(run.outcome(), run.scheduledFireTime(), run.finishedAt(), run.duration(), run.error());
        }
    }

    /** The run's end as the job's last outcome, copied field by field (no {@link LastRun} made per run). */
    void setLastRun(RunRecord run) {
        recordedRun().set(run.outcome(), run.fireTime(), run.finishedAt(), run.duration(), run.error());
    }

    private RecordedRun recordedRun() {
        if (lastRun == null) {
            lastRun = new RecordedRun();
        }
        return lastRun;
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

    /** The job as the SPI sees it, built afresh. */
    StoredJob toStoredJob() {
        return new StoredJob(id, task, triggerSpec, optionsJson, dataJson, paused,
                hasNext ? Instant.ofEpochSecond(nextSeconds, nextNanos) : null, claimedFireTime(),
                lastRun == null ? null : lastRun.toLastRun(), version);
    }

    /**
     * A job's latest outcome as primitives, written over by each outcome after the first (the
     * outcome by ordinal: a reference to the enum constant would dirty a card). Kept apart from
     * the entry so that a job that has not run yet pays nothing for it.
     */
    private static final class RecordedRun {
        private static final Outcome[] OUTCOMES = Outcome.values();

        private byte outcome;
        private long scheduledSeconds;
        private int scheduledNanos;
        private long finishedSeconds;
        private int finishedNanos;
        private long durationSeconds;
        private int durationNanos;
        private String error;

        void set(Outcome outcome, Instant fireTime, Instant finishedAt, Duration duration, String error) {
            this.outcome = (byte) outcome.ordinal();
            scheduledSeconds = fireTime.getEpochSecond();
            scheduledNanos = fireTime.getNano();
            finishedSeconds = finishedAt.getEpochSecond();
            finishedNanos = finishedAt.getNano();
            durationSeconds = duration.getSeconds();
            durationNanos = duration.getNano();
            this.error = error;
        }

        LastRun toLastRun() {
            return new LastRun(OUTCOMES[outcome], Instant.ofEpochSecond(scheduledSeconds, scheduledNanos),
                    Instant.ofEpochSecond(finishedSeconds, finishedNanos),
                    Duration.ofSeconds(durationSeconds, durationNanos), error);
        }
    }
}
