package dev.chime;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Runs jobs when their triggers say so. Create one with {@link #builder()}, add jobs, then
 * {@link #start()}. All methods are thread-safe.
 *
 * <p>Jobs may be added before or after start; nothing fires before start or while paused. Fires
 * that fall due while the scheduler is stopped or paused are handled by each job's misfire options
 * once it runs again.
 */
public interface Scheduler extends AutoCloseable {

    /** The states a scheduler goes through, in order; {@code PAUSED} and {@code RUNNING} may alternate. */
    enum State { CREATED, RUNNING, PAUSED, SHUT_DOWN }

    static SchedulerBuilder builder() {
        return new SchedulerBuilder();
    }

    void start();

    /** Stops firing; running jobs go on. Fires that fall due meanwhile are handled on {@link #resume()}. */
    void pause();

    void resume();

    /**
     * Stops firing, waits up to {@code gracePeriod} for running jobs, then cancels and interrupts the
     * ones still running and gives them one more second to unwind. Idempotent. Jobs stay in the store.
     * Returns within {@code gracePeriod} plus that second (a dispatcher pass stuck in a store call is
     * not waited for beyond the grace), plus whatever closing a store the scheduler owns takes.
     */
    void shutdown(Duration gracePeriod);

    /** {@link #shutdown(Duration)} with a 30-second grace period. */
    @Override
    void close();

    State state();

    /** Adds a job. @throws DuplicateJobException if the id is taken. */
    JobInfo add(JobDefinition job);

    /** Adds a job, replacing any job with the same id (its pause state and history are reset). */
    JobInfo addOrReplace(JobDefinition job);

    /**
     * Makes the store follow the jobs the code declares: adds, replaces, keeps, and removes (or
     * pauses) declared jobs the code no longer declares; see {@link Declarations}. Integrations
     * (chime-guice, the Spring Boot starter) call it at each start. Jobs added with {@link #add}
     * are never touched.
     */
    DeclarationReport declare(Declarations declarations);

    /** Removes a job; runs already in progress finish. Returns false if there was no such job. */
    boolean remove(String jobId);

    /** @throws JobNotFoundException if there is no such job */
    JobInfo pauseJob(String jobId);

    /** Resumes a job; its next fire time is computed from now. @throws JobNotFoundException */
    JobInfo resumeJob(String jobId);

    /** Gives a job a new trigger; the next fire time is computed from now. @throws JobNotFoundException */
    JobInfo reschedule(String jobId, Trigger trigger);

    /**
     * Runs a job once now, outside its schedule (its max-instances limit still applies). The
     * schedule is unchanged. @throws JobNotFoundException
     */
    void runNow(String jobId);

    Optional<JobInfo> job(String jobId);

    /** Every job, ordered by id. */
    List<JobInfo> jobs();

    /** Job counts from the store (cheap for the built-in stores) and this node's running attempts. */
    SchedulerStats stats();

    /**
     * A page of the run history: every run of every job (scheduled, run now, missed; one entry per
     * fire time, after its last attempt), newest first, kept as long as
     * {@link SchedulerBuilder#historyRetention} says. A one-shot job's run stays in it after the
     * job is gone. The next page's query comes with the page.
     */
    HistoryPage history(HistoryQuery query);

    /**
     * Enqueues a background task to run once, now (or as soon as a worker is free), on any node
     * that shares the store: {@link #enqueue(TaskRequest)} with default options.
     *
     * @param data anything Jackson can write (a map, a record, a {@code JsonNode}), or null
     * @return the execution id, a random UUID, for {@link #execution}, {@link #cancel} and {@link #retry}
     * @throws UnknownTaskException if no node could run the task (a store not shared with other nodes)
     */
    String enqueue(String task, Object data);

    /**
     * Enqueues a background task to run once, at the request's start (now by default). The task is
     * stored as a one-shot job whose id is the execution id: it is as durable as the store, runs on
     * one node of a cluster, and waits for a free worker rather than being reported missed (unless
     * the request's options set a misfire grace). It is not listed among the {@link #jobs()} once
     * it started; its end goes to the {@link #history} (with its data and options, for
     * {@link #retry}). Max instances counts per task: each task is its own job.
     *
     * @return the execution id: the request's, or a random UUID
     * @throws DuplicateJobException if the request's id is taken (by a task not yet ended, or a job)
     * @throws UnknownTaskException as {@link #add} does: the task is unknown here and the store is not
     *                              shared with other nodes
     * @throws IllegalStateException after shutdown
     */
    String enqueue(TaskRequest request);

    /**
     * Where the enqueued task stands, looked up in the order its life goes, so that a concurrent
     * step is never missed: its job still in the store (scheduled); a run of it on this node
     * (running, or waiting for a retry) or, on a store with a {@code ClusterView}, on another node
     * (running); else its newest entry in the run history (succeeded, failed, cancelled). Empty
     * for an unknown id, for a job's id, and once history retention has pruned the task's entry.
     */
    Optional<Execution> execution(String id);

    /**
     * Cancels an enqueued task. Scheduled: its job is removed, then a {@code CANCELLED} entry is
     * written to the history (a crash between the two leaves the task gone without its entry).
     * Running on this node: its attempt is cancelled through its {@link CancellationSignal} (and
     * interrupted), gets no retry, and its end is recorded {@code CANCELLED} unless it succeeded.
     * Waiting for a retry on this node: the retry is dropped and the run recorded {@code CANCELLED}.
     * Running on another node: the store is asked to pass the request to that node, which stops the
     * run within about a second (a store used by one node has no other node to ask).
     *
     * @return true when something was cancelled or asked to stop; false when the execution already
     *         ended, is unknown, or is a job's id
     */
    boolean cancel(String id);

    /**
     * Requeues an enqueued task that ended {@code FAILED} or {@code CANCELLED}: enqueues it again,
     * due now, under the same id, with the data and options of its history entry. The history keeps
     * both runs; {@link #execution} shows the newest.
     *
     * @return the id
     * @throws JobNotFoundException when there is no such execution (or its entry was pruned)
     * @throws IllegalStateException naming the state, when the execution is not failed or cancelled
     */
    String retry(String id);

    /** Parses a trigger spec with the trigger types this scheduler knows. @throws InvalidTriggerSpecException */
    Trigger parseTrigger(String spec);

    void addListener(SchedulerListener listener);

    void removeListener(SchedulerListener listener);
}
