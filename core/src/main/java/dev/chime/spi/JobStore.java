package dev.chime.spi;

import dev.chime.HistoryPage;
import dev.chime.HistoryQuery;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

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
 *
 * <p>Runs: {@link #beginRun} and {@link #completeRun} bracket every run, so a store shared by a
 * cluster can enforce max instances cluster-wide, hand a dead node's runs to a live one (as
 * {@linkplain Firing#recovery() recovery firings} from {@link #claimDue}), and fence a stale node's
 * outcome. A single-node store can leave both to their defaults.
 *
 * <p>History: every call that records an outcome ({@link #recordOutcome}, {@link #completeRun},
 * {@link #completeRunAsync}, {@link #advanceRun}) also appends its {@link RunEnd#run() run} to the
 * run history, in the same write, and only when it records the outcome (a run fenced off records
 * neither), whether or not the job is still in the store. {@link #history} reads it,
 * {@link #pruneHistory} bounds it.
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
     * The stored last outcome is kept, whatever {@code job.lastRun()} says: {@link #recordOutcome}
     * does not change the version, so the job read may predate the latest outcome.
     */
    boolean update(StoredJob job);

    /**
     * Claims up to {@code limit} jobs whose next fire time is at or before {@code now}, earliest
     * first, skipping paused and already-claimed jobs. Never returns the same firing twice, even to
     * concurrent callers.
     */
    List<Firing> claimDue(Instant now, int limit);

    /**
     * {@link #claimDue(Instant, int)}, taking only jobs whose task is in {@code tasks}: the engine
     * passes the tasks this node can run ({@link JobFactory#knownTasks()}), so a clustered store
     * leaves the other jobs to nodes that can run them (and should say once per task that some are
     * due). {@code null} means every task. The default ignores the restriction, as a store used by
     * one node may: a job whose task is unknown then fails when it runs.
     */
    default List<Firing> claimDue(Instant now, int limit, Set<String> tasks) {
        return claimDue(now, limit);
    }

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

    /**
     * Records the end of a run: appends it to the history and, if {@link RunEnd#updatesJob()} and
     * the job is still there, makes it the job's last outcome, without touching the job's schedule
     * or version.
     */
    void recordOutcome(RunEnd end);

    /**
     * A page of the run history, newest first (latest {@code finishedAt}, then highest id), with
     * the query's filters; {@link HistoryPage#of} builds the answer from the matching runs.
     */
    HistoryPage history(HistoryQuery query);

    /**
     * Deletes up to {@code limit} history entries that finished before {@code finishedBefore} or
     * are older than their job's newest {@code keepPerJob}; returns how many it deleted (the engine
     * calls again while it answers {@code limit}). A store shared by several nodes lets one node at
     * a time do it (the others answer 0) and keeps each call short: a batch must not hold locks
     * that runs and claims wait for.
     */
    int pruneHistory(Instant finishedBefore, int keepPerJob, int limit);

    /**
     * A firing is about to run on this node. A store shared by several nodes records the run, so
     * that max concurrent instances holds across all of them and a dead node's runs can be taken
     * over; a store used by one node needs nothing (the engine counts its own instances), which is
     * the default.
     *
     * <p>When the request carries a {@link RunRequest#claim claim}, a shared store records the run
     * only if that claim is still this node's, checked in the same write: the firing's claim may
     * have gone to another node while this one was paused.
     *
     * @return a ticket to hand to {@link #completeRun}, or null when the job already has
     *         {@code maxInstances} runs in progress somewhere, or its claim was lost (the firing is
     *         then not run here)
     */
    default RunTicket beginRun(RunRequest request) {
        return RunTicket.local(request);
    }

    /**
     * Carries out the engine's decisions about a batch of claimed firings, in order: for each, the
     * {@link #beginRun} of its run (if any), then its {@link #release} or {@link #removeClaimed}.
     * The result list matches {@code dispatches} item for item.
     *
     * <p>The contract: a store records a run (answers a ticket) only for a claim it still held and
     * ended in the same call. When the claim was lost meanwhile (a concurrent reschedule or remove,
     * another node's takeover), the result is {@code claimEnded=false} with no ticket, and no run
     * record is left behind: the change that won decides, and the engine does not run the firing.
     * A store behind a network checks the claim and records the run in one transaction.
     *
     * <p>The default makes those calls one by one: {@code beginRun}, then the release; when the
     * release finds the claim lost, it undoes the run with {@code completeRun(ticket, null)} and
     * answers no ticket. A store behind a network should do the whole batch in one round of writes
     * (one transaction): dispatch is on the path of every firing, and a commit per firing caps a
     * node at a few hundred firings per second.
     */
    default List<Dispatch.Result> dispatch(List<Dispatch> dispatches) {
        List<Dispatch.Result> results = new ArrayList<>(dispatches.size());
        for (Dispatch d : dispatches) {
            RunTicket ticket = d.run() == null ? null : beginRun(d.run());
            boolean ended = d.removesJob() ? removeClaimed(d.firing()) : release(d.firing(), d.nextFireTime());
            if (!ended && ticket != null) {
                // The run was recorded first so that a crash in between leaves a record; a lost
                // claim must leave none.
                completeRun(ticket, null);
                ticket = null;
            }
            results.add(new Dispatch.Result(ticket, ended));
        }
        return results;
    }

    /**
     * A run is over: forgets it and, unless {@code end} is null, records its end as
     * {@link #recordOutcome} does, both at once. Returns false, recording nothing, when the ticket
     * is no longer this node's (another node took the run over while this one was presumed dead):
     * at most one outcome is recorded per run.
     */
    default boolean completeRun(RunTicket ticket, RunEnd end) {
        if (end != null) {
            recordOutcome(end);
        }
        return true;
    }

    /**
     * Whether this node still holds a run it began. Asked by the worker thread just before each
     * attempt's body starts (a node paused after dispatching a run, or while a retry waited for its
     * backoff, may have been taken over meanwhile, and the node that took the run over runs the
     * firing again or reports it missed), and before a retry is submitted. It is on the path of
     * every run: a shared store should answer from memory while its lease is fresh, and ask the
     * database only when it is not.
     *
     * <p>Answers false only when the run is certainly no longer this node's: the engine then drops
     * the attempt without an event (the node that took it over accounts for it). Throws when it
     * cannot tell (the store is unreachable, or this node may be taken over at any moment): the
     * body does not start, the fire time is reported missed and the run ended through
     * {@link #completeRun}, which is fenced; a retry waiting to be submitted waits and asks again.
     * What no store can close is the window between this answer and the body's first instruction
     * (a node frozen right there). The default, for a store used by one node, is true.
     */
    default boolean holdsRun(RunTicket ticket) {
        return true;
    }

    /**
     * A run of several queued fire times ({@link RunRequest#queued()}, or a recovery's
     * {@link Firing#queued()}) finished one and moves on to the next, {@code fireTime}: records the
     * finished one's end as {@link #recordOutcome} does (unless {@code end} is null), notes in the run's record that
     * {@code fireTime} is now the one in flight, and hands out a fencing token for it, higher than
     * every token of the job before. A store shared by a cluster does all of this at once, and only
     * while the run is still this node's: a node that takes the run over then runs (or reports
     * missed) exactly the fire times not yet started, and the stale node gets null.
     *
     * <p>A store that hands out fencing tokens must override this; the default, for stores that
     * hand out none (token 0), records the outcome and keeps the ticket's token. A store that
     * wraps another must forward it.
     *
     * @return the run's ticket for {@code fireTime}; null when the run is no longer this node's
     *         (another node took it over and runs the rest), and then nothing was recorded
     */
    default RunTicket advanceRun(RunTicket ticket, Instant fireTime, RunEnd end) {
        if (end != null) {
            recordOutcome(end);
        }
        return new RunTicket(ticket.jobId(), fireTime, ticket.runId(), ticket.fencingToken());
    }

    /**
     * An attempt of a run failed and the job has retries left: records in the run that attempt
     * {@code attemptsMade + 1} is due at {@code retryAt} (by the engine's clock, the
     * {@linkplain #clusterClock cluster clock} for a shared store), in one write fenced as
     * {@link #advanceRun} is: only while the run is still this node's. A store shared by a cluster
     * hands such a run, when it takes it over (its node died or left while the retry waited), to
     * the taker as a recovery {@link Firing} with {@link Firing#attemptsMade()} and
     * {@link Firing#retryAt()}: the retry is pending work, run at its due time there, not an
     * interrupted body. The next {@link #advanceRun} of the run (which the engine calls as the
     * retry starts) clears it: from then on an attempt is in flight again.
     *
     * <p>The engine asks only a store {@link #sharedWithOtherNodes() shared with other nodes},
     * on the failure path. It throws when it cannot write (the store is unreachable): the engine
     * then keeps the retry in memory only. A store that wraps another must forward it.
     *
     * @return false when the run is no longer this node's (the engine then drops the retry without
     *         an outcome: the node that took the run over owns it), and then nothing was recorded.
     *         The default, for a store used by one node, is true with nothing stored: retries live
     *         in the node's memory and end with it.
     */
    default boolean deferRun(RunTicket ticket, int attemptsMade, Instant retryAt) {
        return true;
    }

    /**
     * {@link #completeRun}, answered later: the engine's worker thread goes on to the next run
     * while the store writes, and the engine frees the job's instance slot when the stage
     * completes. A store behind a network should write many completions in one transaction here;
     * the default completes at once on the calling thread.
     */
    default CompletionStage<Boolean> completeRunAsync(RunTicket ticket, RunEnd end) {
        try {
            return CompletableFuture.completedFuture(completeRun(ticket, end));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Asks the node that holds a run of {@code jobId} now to stop it: an enqueued task cancelled
     * while it runs on another node. A store shared by several nodes marks the run (in the same
     * place it keeps it), and the node holding it learns of the mark through
     * {@link #cancelRequests()}. Returns true when a run of the job in progress was marked, false
     * when there is none. The default, for a store used by one node, is false: the engine stops
     * its own runs without the store.
     */
    default boolean requestCancel(String jobId) {
        return false;
    }

    /**
     * The jobs whose runs on this node {@link #requestCancel} marked and that are still this
     * node's. Asked by the engine about once a second, so a shared store should answer from
     * memory (what its last heartbeat read, for example), not with a round trip per call. The
     * engine stops the runs it finds here through their cancellation signal; asking again before
     * they have ended answers them again. The default is none.
     */
    default Set<String> cancelRequests() {
        return Set.of();
    }

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

    /**
     * True when other nodes (other schedulers, other processes) may run this store's jobs, as in a
     * database cluster. Then a job whose task this node does not know may be another node's, and
     * {@code Scheduler.add} accepts it (saying so in the log once per task) instead of refusing it.
     * False, the default, for a store that only this scheduler runs.
     */
    default boolean sharedWithOtherNodes() {
        return false;
    }

    /**
     * {@link #nextDueTime()} among the jobs whose task is in {@code tasks} ({@code null}: every
     * task), so that a node does not wake up for jobs it leaves to others. The default ignores
     * the restriction.
     */
    default Optional<Instant> nextDueTime(Set<String> tasks) {
        return nextDueTime();
    }

    /**
     * The clock the engine judges time by with this store (due-ness, misfire lateness, event
     * times), given the scheduler's own. A store shared by a cluster answers one clock for every
     * node, such as the database's, so a node whose clock is off neither fires early nor sees every
     * fire time as missed. The default is the scheduler's clock. Not asked when a
     * {@code TestClock} drives the scheduler.
     */
    default Clock clusterClock(Clock local) {
        return local;
    }

    /** Releases resources; the store is not used afterwards. */
    @Override
    default void close() {
    }
}
