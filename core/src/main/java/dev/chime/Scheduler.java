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
     * Runs a job once now, outside its schedule, on any node. Its max-instances limit applies: when
     * the job already runs that many, the run waits for a free instance instead of being skipped.
     * The schedule is unchanged. Returns the execution id. @throws JobNotFoundException
     */
    String runNow(String jobId);

    Optional<JobInfo> job(String jobId);

    // --- executions: background tasks, status, history -------------------------------------------

    /**
     * Enqueues a task to run once, as soon as a worker of any node is free: Celery's
     * {@code task.delay(..)}. {@code data} becomes the task's JSON data ({@code JobContext.data()})
     * through Jackson; null for none. Returns the execution id, for {@link #execution(String)}.
     * An enqueued task is never reported missed: it waits for capacity.
     *
     * @throws UnknownTaskException when the scheduler knows every task it can run and not this one
     */
    String enqueue(String task, Object data);

    /** {@link #enqueue(String, Object)}, to run at {@code runAt} or later. */
    String enqueue(String task, Object data, java.time.Instant runAt);

    /** {@link #enqueue(String, Object)}, to run {@code delay} from now or later: Celery's {@code countdown}. */
    String enqueue(String task, Object data, Duration delay);

    /** Enqueues a task with its options (retries, timeout, a start time): see {@link TaskRequest}. */
    String enqueue(TaskRequest request);

    /** The execution with this id, as the store holds it now; empty once the retention cleaned it. */
    Optional<Execution> execution(String executionId);

    /**
     * The history: executions of jobs and tasks, filtered and paged as the query says, newest
     * first. Every run of every job is in it, scheduled or enqueued, until the retention
     * ({@link SchedulerBuilder#retention}) cleans it.
     */
    ExecutionPage executions(ExecutionQuery query);

    /**
     * Cancels an execution: one that waits (scheduled, or waiting for a retry) is cancelled and
     * never runs; a running one is asked to stop through its {@link CancellationSignal} (its
     * thread is interrupted too), on whichever node runs it, and ends {@code CANCELLED} when it
     * returns. Returns false when it had already ended.
     *
     * @throws ExecutionNotFoundException when there is no such execution
     */
    boolean cancel(String executionId);

    /**
     * Runs a failed (or cancelled) execution again: it goes back to waiting, due now, and starts
     * over at attempt 1 with its retry policy afresh (a job's execution runs under its job's max
     * instances). Returns false when it is in any other state.
     *
     * @throws ExecutionNotFoundException when there is no such execution
     */
    boolean retry(String executionId);

    /** Every job, ordered by id. */
    List<JobInfo> jobs();

    /** Job counts from the store (cheap for the built-in stores) and this node's running attempts. */
    SchedulerStats stats();

    /** Parses a trigger spec with the trigger types this scheduler knows. @throws InvalidTriggerSpecException */
    Trigger parseTrigger(String spec);

    void addListener(SchedulerListener listener);

    void removeListener(SchedulerListener listener);
}
