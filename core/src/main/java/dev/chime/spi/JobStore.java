package dev.chime.spi;

import dev.chime.LastRun;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where jobs and their schedule state live. The engine never changes a job but through these
 * calls, so a store is free to keep jobs in memory, in a database, or anywhere else.
 * Implementations must be thread-safe; the contract kit ({@code JobStoreContract} in the core
 * test-jar) checks every rule below.
 *
 * <p>The claim protocol: {@link #claimDue} atomically takes due jobs out of the schedule (sets
 * {@code claimedFireTime}, clears {@code nextFireTime}, bumps {@code version}) so no other claim,
 * from this node or another, returns them; {@link #release} puts the job back with its next fire
 * time, but only if nothing changed it since the claim.
 */
public interface JobStore extends AutoCloseable {

    /** Adds a job. Returns false, changing nothing, if the id is taken. */
    boolean add(StoredJob job);

    /** Adds a job or replaces the one with the same id (its claim, if any, is dropped). */
    void put(StoredJob job);

    /** Removes a job. Returns false if there was none. */
    boolean remove(String jobId);

    Optional<StoredJob> get(String jobId);

    /** Every job, ordered by id. */
    List<StoredJob> list();

    /**
     * Replaces a job if its version still equals {@code job.version()}; the stored version becomes
     * one higher. Returns false, changing nothing, if the job is gone or was changed meanwhile.
     */
    boolean update(StoredJob job);

    /**
     * Claims up to {@code limit} jobs whose next fire time is at or before {@code now}, earliest
     * first, skipping paused and already-claimed jobs. Never returns the same firing twice, even to
     * concurrent callers.
     */
    List<Firing> claimDue(Instant now, int limit);

    /**
     * Ends a claim: clears {@code claimedFireTime} and sets the next fire time (null when the trigger
     * is exhausted). Returns false, changing nothing, if the job was changed or removed since the
     * claim (the change wins).
     */
    boolean release(Firing firing, Instant nextFireTime);

    /**
     * Ends a claim by removing the job, because its trigger will never fire again. Returns false,
     * changing nothing, if the job was changed or removed since the claim (the change wins).
     */
    boolean removeClaimed(Firing firing);

    /** Records a job's latest outcome without touching its schedule or version. */
    void recordOutcome(String jobId, LastRun lastRun);

    /**
     * How many jobs there are and how many are paused. Gauges read this on every scrape, so a store
     * with many jobs should answer without listing them; the default lists them.
     */
    default JobCounts counts() {
        List<StoredJob> all = list();
        return new JobCounts(all.size(), all.stream().filter(StoredJob::paused).count());
    }

    /** The earliest next fire time of any job that is neither paused nor claimed. */
    Optional<Instant> nextDueTime();

    /** Releases resources; the store is not used afterwards. */
    @Override
    default void close() {
    }
}
