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

    /** Parses a trigger spec with the trigger types this scheduler knows. @throws InvalidTriggerSpecException */
    Trigger parseTrigger(String spec);

    void addListener(SchedulerListener listener);

    void removeListener(SchedulerListener listener);
}
