package dev.chime.spi;

import dev.chime.LastRun;
import java.time.Instant;
import java.util.Objects;

/**
 * A job as a store holds it: plain text and instants, nothing a store must interpret. The engine
 * turns it into a {@link dev.chime.JobDefinition}; a row it cannot read is reported and left alone.
 *
 * @param id            the job id
 * @param task          the task name
 * @param triggerSpec   the trigger's spec text
 * @param optionsJson   the job options as JSON
 * @param dataJson      the job data as JSON, or null
 * @param paused        whether the job is paused
 * @param nextFireTime  the next fire time; null while paused, while claimed, or when exhausted
 * @param claimedFireTime the fire time a claim took out and has not released, or null
 * @param lastRun       the most recent outcome, or null
 * @param version       bumped by the store on every change but {@code recordOutcome}; fences stale writers
 */
public record StoredJob(String id, String task, String triggerSpec, String optionsJson, String dataJson,
                        boolean paused, Instant nextFireTime, Instant claimedFireTime, LastRun lastRun, long version) {

    public StoredJob {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(triggerSpec, "triggerSpec");
        Objects.requireNonNull(optionsJson, "optionsJson");
    }

    /** True when the job is not paused, not claimed, and its next fire time is at or before {@code now}. */
    public boolean isDue(Instant now) {
        return !paused && claimedFireTime == null && nextFireTime != null && !nextFireTime.isAfter(now);
    }

    public StoredJob withPaused(boolean paused, Instant nextFireTime) {
        return new StoredJob(id, task, triggerSpec, optionsJson, dataJson, paused, nextFireTime, claimedFireTime, lastRun, version);
    }

    public StoredJob withNextFireTime(Instant nextFireTime) {
        return new StoredJob(id, task, triggerSpec, optionsJson, dataJson, paused, nextFireTime, claimedFireTime, lastRun, version);
    }

    public StoredJob withClaim(Instant claimedFireTime) {
        return new StoredJob(id, task, triggerSpec, optionsJson, dataJson, paused, nextFireTime, claimedFireTime, lastRun, version);
    }

    public StoredJob withLastRun(LastRun lastRun) {
        return new StoredJob(id, task, triggerSpec, optionsJson, dataJson, paused, nextFireTime, claimedFireTime, lastRun, version);
    }

    public StoredJob withVersion(long version) {
        return new StoredJob(id, task, triggerSpec, optionsJson, dataJson, paused, nextFireTime, claimedFireTime, lastRun, version);
    }

    public StoredJob withTrigger(String triggerSpec, Instant nextFireTime) {
        return new StoredJob(id, task, triggerSpec, optionsJson, dataJson, paused, nextFireTime, claimedFireTime, lastRun, version);
    }
}
