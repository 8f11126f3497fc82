package dev.chime.spi;

import dev.chime.ExecutionQuery;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * Where jobs, their schedule and their executions live. The engine never changes either but
 * through these calls, so a store may keep them in memory, in a database, or anywhere else.
 * Implementations must be thread-safe; the contract kit ({@code JobStoreContract} in the core
 * test-jar) checks every rule below. A store for one process extends {@link JobStoreSupport},
 * which implements the protocol over a few storage primitives; a store that wraps another extends
 * {@link ForwardingJobStore}. Nothing here has a default: a wrapper cannot silently fall back.
 *
 * <h2>The life of a run</h2>
 * <ol>
 *   <li>{@link #claim}: due work leaves the store's queue for this node: a job's fire time, a due
 *       execution (task, run-now, retry), or a dead node's running execution
 *       ({@link Claim}). Nothing claimed is handed out again until its claim ends.</li>
 *   <li>{@link #endClaims}: the one way a claim ends, a batch at a time. Per claim, in one write
 *       fenced by the claim's version: start its run (checking max instances across the cluster),
 *       change its job's schedule, or put its execution back or fail it ({@link ClaimEnd}). A run
 *       is recorded only for a claim still held, in the write that ends it, so a crash leaves
 *       either the claim or the run, never neither and never both.</li>
 *   <li>{@link #holdsRun}: before each attempt's body, whether the run is still this node's.</li>
 *   <li>{@link #endRuns}: the one way a run ends, a batch at a time, answered later so that a
 *       store behind a network writes many ends in one transaction. Per run, fenced by its ticket:
 *       the execution's state and history, the job's last outcome, a kept claim, the next queued
 *       fire time ({@link RunEnd}). The history rides on this write: no extra commit per run.</li>
 * </ol>
 *
 * <h2>Fencing</h2>
 * Every write about a claim carries the claim's version; every write about a run carries its
 * {@link RunTicket}; the store checks them in the same statement or transaction as the write and
 * writes nothing when they no longer hold. Ends are idempotent: one written again after a lost
 * answer answers as the first. Fencing tokens ({@link RunTicket#fencingToken()}) go up with every
 * run of a job (for a task, of its execution).
 *
 * <h2>Max instances and retries</h2>
 * A job's running instances are its RUNNING executions. A failed attempt with retries left ends its
 * run {@code WAITING_FOR_RETRY}: it frees its instance while it waits (a waiting retry counts
 * against nothing) and is claimed as a {@link Claim.Due} by any node once due; starting it takes
 * an instance like any run, and when none is free it waits again ({@link ClaimEnd#waitUntil()}).
 * Enqueued tasks have no job and no instance limit.
 *
 * <h2>What a store must do atomically</h2>
 * {@link #claim} (take work so no concurrent claim gets it), each {@link ClaimEnd} and each
 * {@link RunEnd} (all of its steps or none), {@link #cancel}, {@link #requeue}, {@link #update}.
 */
public interface JobStore extends AutoCloseable {

    // --- jobs ------------------------------------------------------------------------------------

    /** Adds a job. Returns false, changing nothing, if the id is taken. */
    boolean add(StoredJob job);

    /** Adds a job or replaces the one with the same id (its claim, if any, is dropped). */
    void put(StoredJob job);

    /** Removes a job (its executions stay in the history). Returns false if there was none. */
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
     * How many jobs there are and how many are paused. Gauges read this on every scrape: answer
     * without listing the jobs.
     */
    JobCounts counts();

    // --- the life of a run ----------------------------------------------------------------------

    /**
     * Claims up to {@code limit} pieces of work due at or before {@code now}, earliest first: jobs
     * whose next fire time has come (not paused, not claimed), executions waiting whose
     * {@code dueAt} has come (not claimed), and the running executions of dead nodes. Only work
     * whose task is in {@code tasks} ({@code null}: every task), so that a node leaves the rest to
     * nodes that can run it (a clustered store says once per task that some is due). Never hands
     * out the same work twice, even to concurrent callers.
     */
    List<Claim> claim(Instant now, int limit, Set<String> tasks);

    /**
     * Ends claims, item by item as {@link ClaimEnd} says; the answer matches {@code ends} item for
     * item. A store behind a network does the whole batch in one transaction: it is on the path of
     * every firing.
     */
    List<ClaimResult> endClaims(List<ClaimEnd> ends);

    /**
     * Ends runs, item by item as {@link RunEnd} says; the answer, when it comes, matches
     * {@code ends} item for item. The engine's worker goes on while the store writes, and frees
     * the instance slot when the stage completes; a store behind a network groups the ends that
     * arrive meanwhile into one transaction. A stage that fails means nothing is known to be
     * written: the engine logs it, and the store's takeover rules take it from there.
     */
    CompletionStage<List<RunEndResult>> endRuns(List<RunEnd> ends);

    /**
     * Whether this node still holds a run it started. Asked on the worker thread just before each
     * attempt's body starts (a node paused after starting the run may have been taken over, and
     * the taker runs it again or ends it). It is on the path of every run: a shared store answers
     * from memory while its lease is fresh, and asks the database only when it is not.
     *
     * <p>Answers false only when the run is certainly no longer this node's: the engine then drops
     * the attempt without an event. Throws when it cannot tell (unreachable, or this node may be
     * taken over at any moment): the body does not start and the run ends FAILED through the
     * fenced {@link #endRuns}.
     */
    boolean holdsRun(RunTicket ticket);

    /**
     * The earliest instant at which {@link #claim} would hand out work with a task in
     * {@code tasks} ({@code null}: every task): a job's next fire time (not paused, not claimed)
     * or a waiting execution's due time (not claimed).
     */
    Optional<Instant> nextDueTime(Set<String> tasks);

    // --- executions ------------------------------------------------------------------------------

    /**
     * Records new executions waiting for their time ({@link StoredExecution#scheduled}: enqueued
     * tasks, run-nows), all or none. Ids are new: a store may refuse a taken one with an
     * {@link IllegalArgumentException}.
     */
    void enqueue(List<StoredExecution> executions);

    Optional<StoredExecution> execution(String id);

    /**
     * The executions that match the query's filters, newest first by ({@code createdAt}, id),
     * strictly after its {@link ExecutionQuery#position() position}, at most {@code query.limit()}.
     */
    List<StoredExecution> executions(ExecutionQuery query);

    /** What {@link #cancel} did. */
    enum CancelOutcome {
        /** It was waiting (SCHEDULED or WAITING_FOR_RETRY): now CANCELLED and ended; a claim of it is lost. */
        CANCELLED,
        /** It is RUNNING: its stop was requested ({@code stopRequested}); its node stops it. */
        STOP_REQUESTED,
        /** It had ended already: nothing changed. */
        ALREADY_ENDED,
        /** No such execution. */
        NOT_FOUND
    }

    /**
     * Cancels an execution, atomically (see {@link CancelOutcome}). A waiting retry of a
     * fixed-delay run holds its job's claim; cancelling it leaves the claim as it is, and the
     * engine moves the job on with a version-checked {@link #update} (only the engine knows the
     * trigger).
     */
    CancelOutcome cancel(String executionId, Instant now);

    /**
     * The ids among {@code executionIds} (RUNNING on this node) whose stop was requested by
     * {@link #cancel}, on any node. Asked on the engine's pass while runs are in flight.
     */
    Set<String> stopsRequested(Collection<String> executionIds);

    /**
     * Puts an ended FAILED or CANCELLED execution back to waiting ({@code SCHEDULED}, due at
     * {@code dueAt}, attempts back to 0), atomically; false, changing nothing, in any other state
     * or when there is no such execution.
     */
    boolean requeue(String executionId, Instant dueAt);

    /**
     * Deletes at most {@code limit} ended executions that ended before {@code endedBefore} or have
     * at least {@code keepPerJob} newer ended ones of the same job (for a task: the same task),
     * and answers how many it deleted. Bounded, so that no call holds long locks; the engine calls
     * again while a full batch comes back. In a cluster one node at a time cleans: a store shared
     * by several answers 0 while another node holds the cleaning (a lease row, say).
     */
    int purgeExecutions(Instant endedBefore, int keepPerJob, int limit);

    // --- the store and the cluster ---------------------------------------------------------------

    /**
     * True when other nodes (other schedulers, other processes) may run this store's work, as in a
     * database cluster: a job whose task this node does not know may be another node's, so
     * {@code Scheduler.add} accepts it (logged once per task) instead of refusing it.
     */
    boolean sharedWithOtherNodes();

    /**
     * The clock the engine judges time by with this store (due-ness, misfire lateness, event
     * times), given the scheduler's own. A store shared by a cluster answers one clock for every
     * node, such as the database's. A store for one process answers {@code local}. Not asked when
     * the scheduler's clock drives it (a {@code TestClock}).
     */
    Clock clusterClock(Clock local);

    /** Releases resources; the store is not used afterwards. */
    @Override
    void close();
}
